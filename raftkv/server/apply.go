package server

import (
	"fmt"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// applyLoop applies committed entries in order, one kv.Apply (one bbolt
// commit) per MsgStorageApply, and hands each result to the request
// waiting for it. Conf changes and the acknowledgement go back to the loop,
// which owns the RawNode.
func (s *Server) applyLoop() {
	defer s.workers.Done()
	failed := false
	for m := range s.applyc {
		if failed {
			continue
		}
		if err := s.apply(m); err != nil {
			failed = true
			s.fail(err)
		}
	}
}

func (s *Server) apply(m raftpb.Message) error {
	if len(m.Entries) == 0 {
		s.events.push(event{applied: &applyDone{responses: m.Responses}})
		return nil
	}
	results, err := s.kv.Apply(m.Entries)
	if err != nil {
		return fmt.Errorf("server: applying entries %d-%d: %w", m.Entries[0].Index, m.Entries[len(m.Entries)-1].Index, err)
	}
	s.hub.Notify()
	for _, r := range results {
		if r.Lease != nil {
			s.lessor.applied(r.Lease, time.Now())
		}
		s.waiters.deliver(r.RequestID, outcome{result: r})
	}
	last := m.Entries[len(m.Entries)-1]
	d := &applyDone{
		responses: m.Responses,
		last:      kv.Position{Index: last.Index, Term: last.Term},
		entries:   uint64(len(m.Entries)),
	}
	for _, e := range m.Entries {
		d.bytes += uint64(len(e.Data))
		if e.Type == raftpb.EntryConfChange || e.Type == raftpb.EntryConfChangeV2 {
			d.confChanges = append(d.confChanges, e)
		}
	}
	s.events.push(event{applied: d})
	return nil
}
