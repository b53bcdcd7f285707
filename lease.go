package raft

import (
	"encoding/binary"

	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// A lease-based read (ReadOnlyLeaseBased, which requires CheckQuorum) is
// answered without a heartbeat round only while the leader can show that no
// other leader can have been elected.
//
// The follower side: a voter refuses votes that a transfer does not force
// for ElectionTick of its ticks after it last received a message from a
// leader (voteFloor), and for ElectionTick ticks after it starts, since it
// may have heard a leader just before a crash. The window is kept as a tick
// number rather than derived from lead and electionElapsed, so that a term
// raised by a delayed response (which clears lead) does not end it early.
//
// The leader side: its heartbeats carry the tick at which it sent them, and
// followers echo that back. When voter v echoes send tick s, v received the
// heartbeat no earlier than the leader's tick s, so v refuses votes until
// after the leader's tick s+ElectionTick-1: v's ElectionTick-th tick after
// receipt is at least ElectionTick-1 tick lengths after the leader's tick s
// (ticks run at one rate; the tick kept in hand absorbs their phase). The
// leader trusts its lease while a quorum echoed a send tick within the last
// ElectionTick-2 of its ticks. An answer delayed in transit or behind a disk
// write thus shortens the lease rather than stretching it. Nodes whose
// clocks can drift apart must not use lease-based reads.
//
// A leader that has sent MsgTimeoutNow gives up its lease for the rest of
// its term: the transferee campaigns with campaignTransfer, which voters
// grant despite their window, so a new leader may appear at any time.
type leaseState struct {
	// ticks counts this node's ticks; it only grows.
	ticks uint64
	// voteFloor is the tick before which this node refuses unforced votes,
	// with lease-based reads; it outlives terms.
	voteFloor uint64
	// held is a lease leader's bookkeeping, made on first use and dropped
	// at the next term (reset): nodes that do not lead with lease-based
	// reads, idle followers above all, carry one word instead of five.
	held *heldLease
}

// heldLease is what a lease leader tracks within its term.
type heldLease struct {
	// heard maps each voter to 1 + the latest send tick it echoed in this
	// term (0: not heard).
	heard map[uint64]uint64
	// ctx is the last heartbeat context built, reused while it is current.
	ctx []byte
	// revoked is set once MsgTimeoutNow went out in this term.
	revoked bool
}

// leader returns the lease leader's bookkeeping, making it if needed.
func (l *leaseState) leader() *heldLease {
	if l.held == nil {
		l.held = &heldLease{}
	}
	return l.held
}

// heartbeatContextLen is the size of a lease leader's heartbeat Context: the
// read sequence number, then the send tick, both big-endian. A ReadIndex
// leader sends only the sequence number, and only while reads wait.
const heartbeatContextLen = 16

// holdVotes opens the vote refusal window anew: the node has just started,
// or just received a message from a leader.
func (r *raft) holdVotes() {
	r.lease.voteFloor = r.lease.ticks + uint64(r.cfg.ElectionTick)
}

// leaseRefusesVote reports whether a lease-based node must ignore the
// (pre-)vote m: it is not forced by a transfer, and this node may have
// heard from a leader within its last ElectionTick ticks.
func (r *raft) leaseRefusesVote(m *pb.Message) bool {
	return r.cfg.ReadOnlyOption == ReadOnlyLeaseBased &&
		string(m.Context) != string(campaignTransfer) &&
		r.lease.ticks < r.lease.voteFloor
}

// leaseHeartbeatContext returns the Context for a lease leader's heartbeats:
// seq and the current tick. One slice serves every heartbeat of a tick.
func (r *raft) leaseHeartbeatContext(seq uint64) []byte {
	held := r.lease.leader()
	c := held.ctx
	if len(c) == heartbeatContextLen && binary.BigEndian.Uint64(c) == seq &&
		binary.BigEndian.Uint64(c[8:]) == r.lease.ticks {
		return c
	}
	c = make([]byte, heartbeatContextLen)
	binary.BigEndian.PutUint64(c, seq)
	binary.BigEndian.PutUint64(c[8:], r.lease.ticks)
	held.ctx = c
	return c
}

// recordEcho credits a voter's heartbeat response with the send tick it
// echoes. A Context of another size (a heartbeat sent before this node used
// leases, or a malformed one) or a tick this node has not reached is
// ignored: it is a peer's input.
func (r *raft) recordEcho(m *pb.Message) {
	if r.cfg.ReadOnlyOption != ReadOnlyLeaseBased || len(m.Context) != heartbeatContextLen {
		return
	}
	sent := binary.BigEndian.Uint64(m.Context[8:])
	if sent > r.lease.ticks {
		return
	}
	held := r.lease.leader()
	if held.heard == nil {
		held.heard = make(map[uint64]uint64)
	}
	held.heard[m.From] = max(held.heard[m.From], sent+1)
}

// leaseHolds reports whether the leader may answer a read from its lease.
func (r *raft) leaseHolds() bool {
	if held := r.lease.held; (held != nil && held.revoked) || r.leadTransferee != None {
		return false
	}
	h := uint64(r.trk.Voters.CommittedIndex(heardAcks{r}))
	if h == 0 {
		return false // a quorum has not answered in this term
	}
	// Ticks since the quorum's send tick (h-1): at most ElectionTick-2.
	return r.lease.ticks+1-h < uint64(r.cfg.ElectionTick-1)
}

// heardAcks presents the voters' echoed send ticks to the quorum math; the
// leader always hears itself.
type heardAcks struct{ r *raft }

func (a heardAcks) AckedIndex(id uint64) (quorum.Index, bool) {
	if id == a.r.id {
		return quorum.Index(a.r.lease.ticks + 1), true
	}
	if a.r.lease.held == nil {
		return 0, false
	}
	h, ok := a.r.lease.held.heard[id]
	return quorum.Index(h), ok
}
