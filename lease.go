package raft

import "github.com/tickraft/raft/quorum"

// A lease-based read (ReadOnlyLeaseBased, which requires CheckQuorum) is
// answered without a heartbeat round only while the leader can show that no
// other leader can have been elected. A follower refuses votes for
// ElectionTick of its ticks after it last heard from the leader (inLease),
// so a new leader needs a quorum whose windows have all run out. The leader
// keeps, per voter, its own tick count when that voter last answered one of
// its appends or heartbeats in this term, and trusts its lease while a
// quorum answered within the last ElectionTick-1 of its ticks.
//
// This assumes every node's clock ticks at the same rate: the one tick kept
// in hand absorbs the phase between the leader's ticks and the follower's,
// and the delay between a follower receiving the leader's message and its
// answer arriving must fit in the same margin. Nodes whose clocks can drift
// apart must not use lease-based reads.
//
// A leader that has sent MsgTimeoutNow gives up its lease for the rest of
// its term: the transferee campaigns with campaignTransfer, which voters
// grant despite their lease, so a new leader may appear at any time.
type leaseState struct {
	// ticks counts this node's ticks; it only grows.
	ticks uint64
	// heard maps each voter to ticks+1 as of its latest answer in this
	// term (0: not heard).
	heard map[uint64]uint64
	// revoked is set once MsgTimeoutNow went out in this term.
	revoked bool
}

// reset forgets everything heard: it belongs to the previous term.
func (l *leaseState) reset() {
	clear(l.heard)
	l.revoked = false
}

// recordHeard notes that id answered the leader just now.
func (r *raft) recordHeard(id uint64) {
	if r.lease.heard == nil {
		r.lease.heard = make(map[uint64]uint64)
	}
	r.lease.heard[id] = r.lease.ticks + 1
}

// leaseHolds reports whether the leader may answer a read from its lease.
func (r *raft) leaseHolds() bool {
	if r.lease.revoked || r.leadTransferee != None {
		return false
	}
	h := uint64(r.trk.Voters.CommittedIndex(heardAcks{r}))
	if h == 0 {
		return false // a quorum has not answered in this term
	}
	// Ticks since the quorum's answer: at most ElectionTick-2, so the
	// answer came strictly within the last ElectionTick-1 ticks.
	return r.lease.ticks+1-h < uint64(r.cfg.ElectionTick-1)
}

// heardAcks presents the ticks at which voters were heard to the quorum
// math; the leader always hears itself.
type heardAcks struct{ r *raft }

func (a heardAcks) AckedIndex(id uint64) (quorum.Index, bool) {
	if id == a.r.id {
		return quorum.Index(a.r.lease.ticks + 1), true
	}
	h, ok := a.r.lease.heard[id]
	return quorum.Index(h), ok
}
