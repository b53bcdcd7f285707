package rafttest

import (
	"fmt"
	"strings"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// simTrace keeps the last events of a run in a ring. Events are formatted
// only when a failure prints them, so a passing run pays little for them.
type simTrace struct {
	ring []simEvent
	next int
	full bool
}

type simEvent struct {
	step int64
	kind string
	msg  pb.Message
	text string
	// A storage write by node, when op is set.
	node uint64
	op   simOp
}

func newSimTrace(n int) simTrace { return simTrace{ring: make([]simEvent, n)} }

func (t *simTrace) add(e simEvent) {
	t.ring[t.next] = e
	t.next++
	if t.next == len(t.ring) {
		t.next, t.full = 0, true
	}
}

func (t *simTrace) addMsg(s *Sim, kind string, m pb.Message) {
	t.add(simEvent{step: s.step, kind: kind, msg: m})
}

func (t *simTrace) addf(s *Sim, format string, args ...any) {
	t.add(simEvent{step: s.step, text: fmt.Sprintf(format, args...)})
}

// String renders the events oldest first, one a line.
func (t *simTrace) String() string {
	var b strings.Builder
	events := t.ring[:t.next]
	if t.full {
		events = append(t.ring[t.next:len(t.ring):len(t.ring)], t.ring[:t.next]...)
	}
	for _, e := range events {
		if e.node != 0 {
			fmt.Fprintf(&b, "  %6d write   %d: %s\n", e.step, e.node, e.op)
		} else if e.kind != "" {
			fmt.Fprintf(&b, "  %6d %-7s %s\n", e.step, e.kind, raft.DescribeMessage(e.msg, entryFormatter))
		} else {
			fmt.Fprintf(&b, "  %6d %s\n", e.step, e.text)
		}
	}
	return b.String()
}

func (op simOp) String() string {
	switch op.kind {
	case opSnap:
		return fmt.Sprintf("snapshot %d/%d", op.snap.Metadata.Index, op.snap.Metadata.Term)
	case opEntries:
		first, last := op.ents[0], op.ents[len(op.ents)-1]
		return fmt.Sprintf("entries %d/%d..%d/%d", first.Index, first.Term, last.Index, last.Term)
	case opHardState:
		return fmt.Sprintf("hard state term %d vote %d commit %d", op.hs.Term, op.hs.Vote, op.hs.Commit)
	default:
		return fmt.Sprintf("compact to %d", op.index)
	}
}
