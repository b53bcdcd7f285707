package tracker

import (
	"fmt"
	"slices"
	"strings"
)

// Progress is the leader's picture of one peer's log: how far it is known to
// agree with the leader's own (Match), where the next append starts (Next),
// and how appends are paced (State). The leader keeps one per member of the
// configuration and decides from it what to send to whom.
//
// Progress is a state machine, and this comment is its one specification.
// Every change of State goes through a named method below; callers never
// assign State themselves.
//
//	            ack (MaybeUpdate), then BecomeReplicate
//	+------------+ ---------------------------------> +----------------+
//	| StateProbe |                                    | StateReplicate |
//	+------------+ <--------------------------------- +----------------+
//	   |     ^       BecomeProbe: a genuine rejection         |
//	   |     |       (MaybeDecrTo), or unreachable            |
//	   |     |                                                |
//	   |     | BecomeProbe: snapshot applied,                 |
//	   |     | failed, or acked by an append                  |
//	   v     |                                                |
//	+---------------+          BecomeSnapshot(i)              |
//	| StateSnapshot | <---------------------------------------+
//	+---------------+
//
// BecomeSnapshot is taken from either other state once entry Next-1 has been
// compacted away, so that appends can no longer catch the follower up.
//
// Invariants, checked by the tests after every operation:
//
//   - Always 0 <= Match < Next: Match is acknowledged, Next is not, and
//     entries in (Match, Next) were sent but are not acknowledged yet.
//   - StateProbe: nothing in Inflights and PendingSnapshot == 0. At most one
//     MsgApp is in flight: sending entries sets MsgAppFlowPaused until an
//     answer (ack, rejection, heartbeat response) clears it.
//   - StateReplicate: PendingSnapshot == 0. Next advances optimistically past
//     each sent append; every message in Inflights ends in (Match, Next),
//     and once Inflights is Full the flow pauses.
//   - StateSnapshot: Next > PendingSnapshot, nothing in Inflights, and no
//     append is sent (IsPaused is always true).
//   - Every transition empties Inflights, including its byte count.
type Progress struct {
	// Match is the highest index the follower has acknowledged: its log
	// agrees with the leader's up to there.
	Match uint64
	// Next is the index the next append to the follower starts at. In
	// StateReplicate it runs ahead of Match by the entries still awaiting
	// acknowledgement; in StateProbe it is one past the leader's current
	// guess of where the two logs agree.
	//
	// Invariant: 0 <= Match < Next.
	Next uint64

	// sentCommit is the largest commit index already sent to the follower,
	// so that the leader can skip sending it again.
	sentCommit uint64

	// State paces the appends to the follower; see the type's comment.
	State StateType

	// PendingSnapshot is the index of the snapshot sent to the follower while
	// in StateSnapshot, and 0 otherwise. Replication resumes once an ack
	// shows the follower reconnected to the leader's log, whatever snapshot
	// it actually applied (an application may send snapshots by other means,
	// at another index). ReportSnapshot moves the follower to StateProbe,
	// probing from PendingSnapshot+1 if the snapshot succeeded.
	PendingSnapshot uint64

	// RecentActive says the peer has been heard from lately. Any message from
	// the peer sets it; with CheckQuorum the leader clears it every election
	// timeout, after checking that enough voters had set it. The leader's own
	// Progress keeps it true.
	RecentActive bool

	// MsgAppFlowPaused is true while the MsgApp flow to the follower is
	// throttled: in StateProbe after sending entries, in StateReplicate once
	// Inflights is Full. A heartbeat response clears it so that one more
	// append gets through, which guarantees progress even if earlier appends
	// were lost. See IsPaused.
	MsgAppFlowPaused bool

	// Inflights is the sliding window of appends sent but not yet
	// acknowledged, one entry per MsgApp holding the index of its last entry.
	// When it is Full no more appends are sent.
	Inflights *Inflights

	// IsLearner marks a peer that receives the log but neither votes nor
	// counts toward the commit quorum.
	IsLearner bool
}

// ResetState switches to state and drops whatever belonged to the old one:
// the flow pause, the pending snapshot and the appends in flight. Match and
// Next are left to the caller.
func (pr *Progress) ResetState(state StateType) {
	pr.MsgAppFlowPaused = false
	pr.PendingSnapshot = 0
	pr.State = state
	pr.Inflights.reset()
}

// BecomeProbe switches to StateProbe and probes from just past Match, or,
// when leaving StateSnapshot, from just past the pending snapshot if that is
// further ahead. Appends still in flight are written off.
func (pr *Progress) BecomeProbe() {
	next := pr.Match + 1
	if pr.State == StateSnapshot {
		// A snapshot reported as applied lets probing start right after it.
		// After a failure the caller clears PendingSnapshot first.
		next = max(next, pr.PendingSnapshot+1)
	}
	pr.ResetState(StateProbe)
	pr.Next = next
	pr.sentCommit = min(pr.sentCommit, pr.Next-1)
}

// BecomeReplicate switches to StateReplicate and streams from Match+1,
// writing off anything sent before the switch.
func (pr *Progress) BecomeReplicate() {
	pr.ResetState(StateReplicate)
	pr.Next = pr.Match + 1
}

// BecomeSnapshot switches to StateSnapshot to wait for the follower to
// install the snapshot at index snapshoti, which the caller is sending.
// Next moves just past the snapshot, or past Match if that is further.
func (pr *Progress) BecomeSnapshot(snapshoti uint64) {
	pr.ResetState(StateSnapshot)
	pr.PendingSnapshot = snapshoti
	// max keeps Match < Next even if the snapshot is older than Match.
	pr.Next = max(pr.Match, snapshoti) + 1
	// The snapshot carries its index as the commit index.
	pr.sentCommit = snapshoti
}

// SentEntries records that an append went out starting at Next, carrying
// the given number of entries and bytes of payload. In StateReplicate Next
// moves past them and the message joins Inflights, pausing the flow once the
// window is full. In StateProbe a non-empty append pauses the flow until the
// follower answers. No append may be sent in StateSnapshot; doing so is a
// caller bug and panics.
func (pr *Progress) SentEntries(entries int, bytes uint64) {
	switch pr.State {
	case StateReplicate:
		if entries > 0 {
			pr.Next += uint64(entries)
			pr.Inflights.Add(pr.Next-1, bytes)
		}
		pr.MsgAppFlowPaused = pr.Inflights.Full()
	case StateProbe:
		// One probe at a time: wait for its answer before sending another.
		if entries > 0 {
			pr.MsgAppFlowPaused = true
		}
	default:
		panic(fmt.Sprintf("tracker: SentEntries in %s: appends must not be sent to a paused follower", pr.State))
	}
}

// CanBumpCommit reports whether telling the follower that index is committed
// could let it commit more than it has already been told.
func (pr *Progress) CanBumpCommit(index uint64) bool {
	// The follower can only commit entries it has been sent, so a commit
	// index past Next-1 is no news once Next-1 was sent.
	return index > pr.sentCommit && pr.sentCommit < pr.Next-1
}

// SentCommit records that commit was sent to the follower as the commit
// index.
func (pr *Progress) SentCommit(commit uint64) {
	pr.sentCommit = commit
}

// MaybeUpdate handles the follower acknowledging its log up to index n. If
// n is not above Match the response is stale (duplicated or reordered): it
// returns false and changes nothing. Otherwise it raises Match to n, moves
// Next past n if needed, frees the Inflights that n covers, lifts the flow
// pause and returns true. State is left alone; moving to StateReplicate is
// the caller's decision.
func (pr *Progress) MaybeUpdate(n uint64) bool {
	if n <= pr.Match {
		return false
	}
	pr.Match = n
	pr.Next = max(pr.Next, n+1)
	pr.Inflights.FreeLE(n)
	pr.MsgAppFlowPaused = false
	return true
}

// MaybeDecrTo handles the follower refusing the append whose entries follow
// index rejected; matchHint is the highest index at which the leader, from
// the follower's hint, expects the two logs may agree.
//
// The network can duplicate and reorder messages, so a refusal may be old
// news. It is ignored, returning false, when rejected is at or below Match,
// when the follower is in StateSnapshot (no append is outstanding), or in
// StateProbe when it does not answer the probe now outstanding (at Next-1).
//
// A current refusal returns true. In StateReplicate the follower drops to
// StateProbe from Match+1; in StateProbe Next moves to matchHint+1, kept
// above Match and no higher than rejected, and the flow pause is lifted so
// the next probe can go.
func (pr *Progress) MaybeDecrTo(rejected, matchHint uint64) bool {
	if rejected <= pr.Match {
		return false // the follower already acknowledged this index
	}
	switch pr.State {
	case StateReplicate:
		// Any append in flight may have been rejected for the same reason, so
		// restart from the last known match, one probe at a time.
		pr.BecomeProbe()
		return true
	case StateProbe:
		if rejected != pr.Next-1 {
			return false // not the probe currently outstanding
		}
		// Probe at the hint, but never below Match+1 nor at or above the
		// rejected index. Written to avoid overflowing matchHint+1.
		next := rejected
		if matchHint < rejected {
			next = matchHint + 1
		}
		pr.Next = max(next, pr.Match+1)
		pr.sentCommit = min(pr.sentCommit, pr.Next-1)
		pr.MsgAppFlowPaused = false
		return true
	default:
		// No append is sent in StateSnapshot, so the rejection answers an
		// append from before the snapshot was needed.
		return false
	}
}

// IsPaused reports whether appends to this follower should be held back:
// always in StateSnapshot, and otherwise while MsgAppFlowPaused is set, that
// is while a probe awaits its answer or Inflights is full.
func (pr *Progress) IsPaused() bool {
	switch pr.State {
	case StateProbe, StateReplicate:
		return pr.MsgAppFlowPaused
	default:
		// StateSnapshot, or a State that no transition produces: send nothing.
		return true
	}
}

// String renders the Progress on one line, e.g.
// "StateReplicate match=5 next=8 paused inflight=2[full]".
func (pr *Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s match=%d next=%d", pr.State, pr.Match, pr.Next)
	if pr.IsLearner {
		b.WriteString(" learner")
	}
	if pr.IsPaused() {
		b.WriteString(" paused")
	}
	if pr.PendingSnapshot > 0 {
		fmt.Fprintf(&b, " pendingSnap=%d", pr.PendingSnapshot)
	}
	if !pr.RecentActive {
		b.WriteString(" inactive")
	}
	if n := pr.Inflights.Count(); n > 0 {
		fmt.Fprintf(&b, " inflight=%d", n)
		if pr.Inflights.Full() {
			b.WriteString("[full]")
		}
	}
	return b.String()
}

// ProgressMap holds each peer's Progress, keyed by peer id.
type ProgressMap map[uint64]*Progress

// String renders one "id: progress" line per peer, ids ascending, so the
// output is deterministic.
func (m ProgressMap) String() string {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%d: %s\n", id, m[id])
	}
	return b.String()
}
