package raft

import (
	"encoding/binary"

	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// readIndexQueue holds the leader's ReadIndex requests until leadership is
// confirmed for them.
//
// Each request gets the next sequence number when it is registered, and
// heartbeats sent while requests wait carry the latest number in their
// Context; followers echo it back. A request with number s is confirmed once
// a quorum of voters echoed a number >= s: those heartbeats left after the
// request arrived, so a quorum still followed this leader after that. The
// caller's context bytes play no part, so a retried request (same bytes) can
// never be confirmed by answers to heartbeats that predate it.
type readIndexQueue struct {
	seq     uint64            // the last number issued
	acked   map[uint64]uint64 // the highest number each peer echoed
	pending []readRequest     // in increasing seq order
	// waiting holds requests that arrived before the leader committed an
	// entry of its term; until then its commit index may be stale.
	waiting []pb.Message
}

type readRequest struct {
	from  uint64
	ctx   []byte
	index uint64
	seq   uint64
}

// readQueue returns the leader's read queue, making it on the first read:
// a node that serves no ReadIndex requests keeps only the nil pointer.
func (r *raft) readQueue() *readIndexQueue {
	if r.reads == nil {
		r.reads = &readIndexQueue{}
	}
	return r.reads
}

// heartbeatContext returns the Context for heartbeats. A lease leader
// always sends the latest sequence number and its tick (lease.go); a
// ReadIndex leader sends the number while requests wait, nothing otherwise.
func (r *raft) heartbeatContext() []byte {
	var seq uint64
	if r.reads != nil {
		seq = r.reads.seq
	}
	if r.cfg.ReadOnlyOption == ReadOnlyLeaseBased {
		return r.leaseHeartbeatContext(seq)
	}
	if r.reads == nil || len(r.reads.pending) == 0 {
		return nil
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

func (r *raft) committedInCurrentTerm() bool {
	t, err := r.raftLog.term(r.raftLog.committed)
	return err == nil && t == r.term
}

// handleReadIndex registers a read on the leader, or holds it until the
// leader has committed an entry of its term.
func (r *raft) handleReadIndex(m *pb.Message) {
	if !r.committedInCurrentTerm() {
		q := r.readQueue()
		q.waiting = append(q.waiting, *m)
		return
	}
	if r.serveReadIndex(m) {
		r.bcastHeartbeat()
	}
}

// serveReadIndex answers a read at the commit index at once when no quorum
// round is needed (a single voter, or a lease that provably holds), and
// otherwise queues it; it reports whether it queued. A lease-based read
// whose lease cannot be shown falls back to a quorum round.
func (r *raft) serveReadIndex(m *pb.Message) bool {
	index := r.raftLog.committed
	if r.trk.IsSingleton() || (r.cfg.ReadOnlyOption == ReadOnlyLeaseBased && r.leaseHolds()) {
		r.answerRead(m.From, m.Entries[0].Data, index)
		return false
	}
	q := r.readQueue()
	q.seq++
	q.pending = append(q.pending, readRequest{from: m.From, ctx: m.Entries[0].Data, index: index, seq: q.seq})
	return true
}

// releaseWaitingReads serves the reads held for the leader's first commit.
func (r *raft) releaseWaitingReads() {
	if r.reads == nil || len(r.reads.waiting) == 0 || !r.committedInCurrentTerm() {
		return
	}
	queued := false
	for _, m := range r.reads.waiting {
		queued = r.serveReadIndex(&m) || queued
	}
	r.reads.waiting = nil
	if queued {
		r.bcastHeartbeat()
	}
}

// confirmReads records the sequence number a heartbeat response echoes (the
// first 8 bytes of its Context) and answers every read that a quorum has
// now confirmed.
func (r *raft) confirmReads(m *pb.Message) {
	q := r.reads
	if q == nil || len(q.pending) == 0 || (len(m.Context) != 8 && len(m.Context) != heartbeatContextLen) {
		return
	}
	seq := binary.BigEndian.Uint64(m.Context)
	if seq > q.seq {
		return // not a number this leader issued
	}
	if q.acked == nil {
		q.acked = make(map[uint64]uint64)
	}
	if seq <= q.acked[m.From] {
		return
	}
	q.acked[m.From] = seq
	confirmed := uint64(r.trk.Voters.CommittedIndex(seqAcks{r}))
	n := 0
	for ; n < len(q.pending) && q.pending[n].seq <= confirmed; n++ {
		req := q.pending[n]
		r.answerRead(req.from, req.ctx, req.index)
	}
	q.pending = q.pending[n:]
}

// seqAcks presents the echoed sequence numbers to the quorum math; the
// leader has seen all of its own.
type seqAcks struct{ r *raft }

func (a seqAcks) AckedIndex(id uint64) (quorum.Index, bool) {
	if id == a.r.id {
		return quorum.Index(a.r.reads.seq), true
	}
	s, ok := a.r.reads.acked[id]
	return quorum.Index(s), ok
}

// answerRead delivers a confirmed read: locally as a ReadState, or to the
// follower that forwarded it.
func (r *raft) answerRead(from uint64, ctx []byte, index uint64) {
	if from == None || from == r.id {
		r.readStates = append(r.readStates, ReadState{Index: index, RequestCtx: ctx})
		return
	}
	r.send(&pb.Message{To: from, Type: pb.MsgReadIndexResp, Index: index, Entries: []pb.Entry{{Data: ctx}}})
}

// forwardReadIndex passes a follower's read to the leader.
func (r *raft) forwardReadIndex(m *pb.Message) {
	if r.lead == None {
		r.logger.Infof("%x no leader at term %d; dropping index reading msg", r.id, r.term)
		return
	}
	fwd := *m
	fwd.To = r.lead
	r.send(&fwd)
}

func (r *raft) handleReadIndexResp(m *pb.Message) {
	r.readStates = append(r.readStates, ReadState{Index: m.Index, RequestCtx: m.Entries[0].Data})
}
