package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// maxBatch bounds how many queued proposals, reads or peer messages one
// loop iteration takes before it hands the work to raft's next Ready.
const maxBatch = 512

// loopState is everything only the loop goroutine touches.
type loopState struct {
	confState raftpb.ConfState
	applied   uint64 // last index kv has committed: what readers see
	staged    uint64 // last index the apply goroutine finished; confState is as of it
	// markAt is a snapshot marker waiting for kv to commit its index.
	markAt *markJob
	// appliedTerm is the highest term of an applied entry or installed
	// snapshot seen since start (leaderchange.go).
	appliedTerm uint64
	// The snapshot policy's counters since the last marker request.
	sinceSnapEntries, sinceSnapBytes uint64
	reads                            readQueue
	events                           []event
	out                              []raftpb.Message
	removed                          bool
	heldConf                         []confRequest
	confIndex                        uint64            // last conf change entry appended (members.go)
	publishTicks                     int               // ticks since the client address was last proposed
	lead                             uint64            // leader last reported to Metrics
	dropped                          map[uint64]uint64 // transport drops already reported, by peer
}

// run is the node loop: the only goroutine that touches the RawNode.
func (s *Server) run() {
	defer close(s.loopDone)
	ticker := time.NewTicker(s.cfg.TickInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			s.rn.Tick()
			s.tickLeases()
			s.tickReads()
			s.retryHeldConf()
			s.publishClient()
			s.pollDropped()
		case p := <-s.propc:
			s.propose(p)
			for i := 0; i < maxBatch && len(s.propc) > 0; i++ {
				s.propose(<-s.propc)
			}
		case r := <-s.readc:
			s.loop.reads.add(r)
			for i := 0; i < maxBatch && len(s.readc) > 0; i++ {
				s.loop.reads.add(<-s.readc)
			}
		case m := <-s.recvc:
			s.step(m)
			for i := 0; i < maxBatch && len(s.recvc) > 0; i++ {
				s.step(<-s.recvc)
			}
		case <-s.events.notify:
			s.handleEvents()
		case c := <-s.confc:
			s.proposeConfChange(c)
		case <-s.stopc:
			return
		case <-s.failc:
			s.waitStop()
			return
		}
		s.startReadBatch()
		if s.rn.HasReady() {
			s.handleReady(s.rn.Ready())
		}
		s.commitForReads()
		s.publishStatus()
	}
}

// waitStop idles a failed member until Stop, refusing new work.
func (s *Server) waitStop() {
	for {
		select {
		case <-s.stopc:
			return
		case p := <-s.propc:
			s.waiters.deliver(p.id, outcome{err: ErrStopped})
		case r := <-s.readc:
			r.finish(ErrStopped)
		case c := <-s.confc:
			s.waiters.deliver(c.id, outcome{err: ErrStopped})
		case <-s.recvc:
		case <-s.events.notify:
		}
	}
}

func (s *Server) step(m raftpb.Message) {
	if m.Type == raftpb.MsgProp && !acceptProposal(&m, s.rn.BasicStatus().Term) {
		s.cfg.Logger.Debug("dropping a proposal forwarded in another term",
			"from", fmt.Sprintf("%x", m.From), "stamp", m.Term)
		return
	}
	if err := s.rn.Step(m); err != nil && !errors.Is(err, raft.ErrStepPeerNotFound) {
		s.cfg.Logger.Debug("raft refused a message", "type", m.Type.String(), "from", m.From, "err", err)
	}
}

func (s *Server) handleEvents() {
	s.loop.events = s.events.drain(s.loop.events)
	for i := range s.loop.events {
		ev := &s.loop.events[i]
		switch {
		case ev.step != nil:
			for _, m := range ev.step {
				s.step(m)
			}
		case ev.applied != nil:
			s.finishApply(ev.applied)
		case ev.committed != 0:
			s.finishCommit(ev.committed)
		case ev.unreachable != 0:
			s.rn.ReportUnreachable(ev.unreachable)
		case ev.snapTo != 0:
			s.rn.ReportSnapshot(ev.snapTo, ev.snapStatus)
			if ev.snapStatus == raft.SnapshotFinish {
				s.cfg.Metrics.SnapshotSent()
			}
		}
		*ev = event{}
	}
}

// handleReady routes a Ready's messages: storage work to the workers,
// snapshots to their own streams, everything else to the transport.
func (s *Server) handleReady(rd raft.Ready) {
	if rd.SoftState != nil {
		s.noteLeader(rd.SoftState.Lead)
	}
	for _, rs := range rd.ReadStates {
		s.loop.reads.confirmed(rs, s.loop.applied)
	}
	out := s.loop.out[:0]
	term := s.rn.BasicStatus().Term
	for _, m := range rd.Messages {
		switch {
		case m.To == raft.LocalAppendThread:
			s.noteConfEntries(&m)
			if m.Snapshot != nil && !raft.IsEmptySnap(*m.Snapshot) {
				// raft has switched to the snapshot's configuration.
				s.loop.confState = m.Snapshot.Metadata.ConfState
				s.noteSnapshot(m.Snapshot.Metadata)
			}
			s.appendc <- appendJob{msg: m}
		case m.To == raft.LocalApplyThread:
			s.applyc <- m
		case m.Type == raftpb.MsgSnap:
			s.routeSnapshot(m)
		default:
			stampProposal(&m, term)
			out = append(out, m)
		}
	}
	if len(out) > 0 {
		s.tr.Send(out)
	}
	clear(out)
	s.loop.out = out[:0]
}

// finishApply runs once the state machine staged a batch: conf changes
// reach raft and the transport, the snapshot policy runs, and raft hears
// that the batch is applied. Readers wait for the commit (finishCommit).
func (s *Server) finishApply(d *applyDone) {
	for _, e := range d.confChanges {
		s.applyConfChange(e)
	}
	s.loop.staged = max(s.loop.staged, d.last.Index)
	s.noteAppliedTerm(d.last.Term)
	s.loop.sinceSnapEntries += d.entries
	s.loop.sinceSnapBytes += d.bytes
	if s.loop.sinceSnapEntries >= s.cfg.SnapshotEntries || s.loop.sinceSnapBytes >= s.cfg.SnapshotBytes {
		s.loop.sinceSnapEntries, s.loop.sinceSnapBytes = 0, 0
		s.requestMark()
	}
	for _, m := range d.responses {
		s.step(m)
	}
}

// requestMark asks for a snapshot marker at the staged index, with the
// configuration as of it. It is made once kv has committed that index
// (asked for now: markers are rare): the WAL must keep every entry after
// kv's durable state, and a snapshot sent from the marker streams kv's
// committed state, which must reach it.
func (s *Server) requestMark() {
	s.loop.markAt = &markJob{index: s.loop.staged, cs: s.loop.confState}
	if s.loop.markAt.index > s.loop.applied {
		s.requestCommit()
	}
	s.releaseMark()
}

func (s *Server) releaseMark() {
	if m := s.loop.markAt; m != nil && m.index <= s.loop.applied {
		s.loop.markAt = nil
		s.appendc <- appendJob{mark: m}
	}
}

// finishCommit runs once kv committed up to index: reads waiting for it
// are served, and a marker waiting for it is made.
func (s *Server) finishCommit(index uint64) {
	s.loop.applied = max(s.loop.applied, index)
	s.loop.staged = max(s.loop.staged, index)
	s.loop.reads.release(s.loop.applied)
	s.releaseMark()
}

// commitForReads asks for a kv commit when a confirmed read waits for
// entries that are staged but not committed, instead of leaving it to the
// commit interval.
func (s *Server) commitForReads() {
	if idx, ok := s.loop.reads.lowestWaiting(); ok && idx > s.loop.applied && idx <= s.loop.staged {
		s.requestCommit()
	}
}

// routeSnapshot sends a MsgSnap, unless its marker predates the
// recipient's joining: the recipient would refuse a configuration without
// itself, so a fresh marker is made at the applied index and raft, told
// the snapshot failed, sends one again later from that marker.
func (s *Server) routeSnapshot(m raftpb.Message) {
	if m.Snapshot != nil && !isMember(m.Snapshot.Metadata.ConfState, m.To) {
		s.rn.ReportSnapshot(m.To, raft.SnapshotFailure)
		s.requestMark()
		return
	}
	s.sendSnapshot(m)
}
