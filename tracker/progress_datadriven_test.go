package tracker

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestProgressWalk runs the scripts in testdata/, which walk one Progress
// through its states. Commands, one per Progress method:
//
//	new match=<m> next=<n> size=<messages> bytes=<max bytes>
//	sent entries=<n> bytes=<b>        SentEntries
//	ack index=<i>                     MaybeUpdate
//	reject index=<i> hint=<h>         MaybeDecrTo
//	probe | replicate | snapshot index=<i>
//	heartbeat-resp                    what the leader does on MsgHeartbeatResp
//	commit index=<i>                  SentCommit
//	can-bump index=<i>                CanBumpCommit
//
// Each command prints its boolean result, if any, then the Progress. The
// documented invariants are checked after every command.
func TestProgressWalk(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var pr *Progress
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "new" && pr == nil {
				d.Fatalf(t, "%s before new", d.Cmd)
			}
			result, err := runProgressCmd(t, d, &pr)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			if err := checkInvariants(pr); err != nil {
				d.Fatalf(t, "invariant broken: %v\n%s", err, describeProgress(pr))
			}
			return result + describeProgress(pr) + "\n"
		})
	})
}

func runProgressCmd(t *testing.T, d *datadriven.TestData, prp **Progress) (string, error) {
	var index uint64
	scanIndex := func() { d.ScanArgs(t, "index", &index) }
	pr := *prp
	switch d.Cmd {
	case "new":
		var match, next, maxBytes uint64
		var size int
		d.ScanArgs(t, "match", &match)
		d.ScanArgs(t, "next", &next)
		d.ScanArgs(t, "size", &size)
		d.ScanArgs(t, "bytes", &maxBytes)
		*prp = &Progress{Match: match, Next: next, RecentActive: true, Inflights: NewInflights(size, maxBytes)}
	case "sent":
		var entries int
		var bytes uint64
		d.ScanArgs(t, "entries", &entries)
		d.ScanArgs(t, "bytes", &bytes)
		if pr.IsPaused() {
			return "", fmt.Errorf("script sends to a paused follower")
		}
		pr.SentEntries(entries, bytes)
	case "ack":
		scanIndex()
		return fmt.Sprintln(pr.MaybeUpdate(index)), nil
	case "reject":
		var hint uint64
		scanIndex()
		d.ScanArgs(t, "hint", &hint)
		return fmt.Sprintln(pr.MaybeDecrTo(index, hint)), nil
	case "probe":
		pr.BecomeProbe()
	case "replicate":
		pr.BecomeReplicate()
	case "snapshot":
		scanIndex()
		pr.BecomeSnapshot(index)
	case "heartbeat-resp":
		pr.MsgAppFlowPaused = false
	case "commit":
		scanIndex()
		pr.SentCommit(index)
	case "can-bump":
		scanIndex()
		return fmt.Sprintln(pr.CanBumpCommit(index)), nil
	default:
		return "", fmt.Errorf("unknown command %q", d.Cmd)
	}
	return "", nil
}

// describeProgress renders pr with everything the scripts check: unlike
// Progress.String it lists each message in flight as index/bytes.
func describeProgress(pr *Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s match=%d next=%d", pr.State, pr.Match, pr.Next)
	if pr.IsPaused() {
		b.WriteString(" paused")
	}
	if pr.PendingSnapshot != 0 {
		fmt.Fprintf(&b, " pendingSnap=%d", pr.PendingSnapshot)
	}
	fmt.Fprintf(&b, " sentCommit=%d inflight=[", pr.sentCommit)
	for i, m := range pr.Inflights.contents() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d/%d", m.index, m.bytes)
	}
	fmt.Fprintf(&b, "] bytes=%d", pr.Inflights.bytes)
	if pr.Inflights.Full() {
		b.WriteString(" full")
	}
	return b.String()
}
