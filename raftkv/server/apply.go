package server

import (
	"fmt"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// applyLoop applies committed entries in order. Every MsgStorageApply
// already queued behind the first (up to the batch bounds) is staged in
// one kv.Stage, and each result goes at once to the request waiting for
// it: the entries are durable in a quorum's WAL, so the WAL fsync is the
// only one on a write's path. The staged batches are committed to bbolt
// (two fsyncs) later, many at a time: KVCommitInterval after the first
// uncommitted batch, after KVCommitEntries entries, when the loop asks
// (a read waits for them), and when the member stops. Only a commit makes
// state visible to readers and watchers. Conf changes and the
// acknowledgements go back to the loop, one report per message in order.
func (s *Server) applyLoop() {
	defer s.workers.Done()
	c := committer{s: s, timer: time.NewTimer(time.Hour)}
	c.timer.Stop()
	var held *raftpb.Message // taken from applyc but left for the next round
	for {
		var m raftpb.Message
		if held != nil {
			m, held = *held, nil
		} else {
			select {
			case mm, ok := <-s.applyc:
				if !ok {
					c.commit()
					return
				}
				m = mm
			case <-c.timer.C:
				c.armed = false
				c.commit()
				continue
			case <-s.commitc:
				c.commit()
				continue
			}
		}
		if c.failed {
			continue
		}
		var b applyBatch
		b.add(m)
		held = s.fillApplyBatch(&b)
		if err := s.apply(&b); err != nil {
			c.fail(err)
			continue
		}
		c.staged(len(b.ents))
	}
}

// committer decides when the apply goroutine commits what it staged.
type committer struct {
	s       *Server
	timer   *time.Timer
	armed   bool
	pending int // entries staged since the last commit
	failed  bool
}

func (c *committer) staged(entries int) {
	if entries == 0 {
		return
	}
	c.pending += entries
	if c.pending >= c.s.cfg.KVCommitEntries {
		c.commit()
		return
	}
	if !c.armed {
		c.timer.Reset(c.s.cfg.KVCommitInterval)
		c.armed = true
	}
}

func (c *committer) commit() {
	if c.failed {
		return
	}
	c.pending = 0
	if h := c.s.cfg.beforeKVCommit; h != nil {
		h()
	}
	if err := c.s.commitKV(); err != nil {
		c.fail(err)
	}
}

// fail stops the member: staged results may have been answered, and only
// a restart replaying the WAL redoes them.
func (c *committer) fail(err error) {
	c.failed = true
	c.s.fail(err)
}

// commitKV commits what kv has staged and publishes the new state: to the
// watch hub, to waiters on visibility, and to the loop (reads, snapshot
// markers, Status). The apply goroutine calls it, and the append goroutine
// before installing a snapshot.
func (s *Server) commitKV() error {
	pos, err := s.kv.Commit()
	if err != nil {
		return fmt.Errorf("server: committing applied entries to the state machine: %w", err)
	}
	if s.vis.commit(pos.Index) {
		s.hub.Notify()
		s.events.push(event{committed: pos.Index})
	}
	return nil
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
		results, err := s.kv.Stage(b.ents)
		if err != nil {
			return fmt.Errorf("server: applying entries %d-%d: %w", b.ents[0].Index, b.ents[len(b.ents)-1].Index, err)
		}
		s.vis.stage(b.ents[len(b.ents)-1].Index)
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
