package server

import (
	"fmt"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// applyLoop applies committed entries in order. Every MsgStorageApply
// already queued behind the first (up to the batch bounds) is applied in
// one kv.Apply, one bbolt commit; each result goes to the request waiting
// for it. Conf changes and the acknowledgements go back to the loop, which
// owns the RawNode, one report per message in order.
func (s *Server) applyLoop() {
	defer s.workers.Done()
	failed := false
	var held *raftpb.Message // taken from applyc but left for the next round
	for {
		var m raftpb.Message
		if held != nil {
			m, held = *held, nil
		} else {
			var ok bool
			if m, ok = <-s.applyc; !ok {
				return
			}
		}
		if failed {
			continue
		}
		var b applyBatch
		b.add(m)
		held = s.fillApplyBatch(&b)
		if err := s.apply(&b); err != nil {
			failed = true
			s.fail(err)
		}
	}
}

// fillApplyBatch adds the applies queued now to b and returns the message
// that must start the next batch, if it took one.
func (s *Server) fillApplyBatch(b *applyBatch) *raftpb.Message {
	for !b.full() {
		select {
		case m, ok := <-s.applyc:
			if !ok {
				return nil
			}
			if !b.add(m) {
				return &m
			}
		default:
			return nil
		}
	}
	return nil
}

func (s *Server) apply(b *applyBatch) error {
	if len(b.ents) > 0 {
		results, err := s.kv.Apply(b.ents)
		if err != nil {
			return fmt.Errorf("server: applying entries %d-%d: %w", b.ents[0].Index, b.ents[len(b.ents)-1].Index, err)
		}
		s.hub.Notify()
		now := time.Now()
		for _, r := range results {
			if r.Lease != nil {
				s.lessor.applied(r.Lease, now)
			}
			s.waiters.deliver(r.RequestID, outcome{result: r})
		}
	}
	for i := range b.msgs {
		s.events.push(event{applied: applied(&b.msgs[i])})
	}
	return nil
}

// applied is the loop's report of one applied MsgStorageApply.
func applied(m *raftpb.Message) *applyDone {
	d := &applyDone{responses: m.Responses}
	if len(m.Entries) == 0 {
		return d
	}
	last := m.Entries[len(m.Entries)-1]
	d.last = kv.Position{Index: last.Index, Term: last.Term}
	d.entries = uint64(len(m.Entries))
	for _, e := range m.Entries {
		d.bytes += uint64(len(e.Data))
		if e.Type == raftpb.EntryConfChange || e.Type == raftpb.EntryConfChangeV2 {
			d.confChanges = append(d.confChanges, e)
		}
	}
	return d
}
