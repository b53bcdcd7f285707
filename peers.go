package raft

import (
	"cmp"
	"slices"

	"github.com/tickraft/raft/tracker"
)

// The leader's hot paths read the progress of every peer several times per
// proposal. Going through the tracker's maps for each read (sorting the
// keys for a broadcast, hashing each voter's id for the commit index) cost
// more than the Raft logic itself, so raft keeps plain slices of the same
// *Progress pointers, rebuilt by indexPeers whenever switchToConfig
// installs a configuration (the only writer of trk.Progress and
// trk.Config).

// peerProgress is one entry of raft.peers.
type peerProgress struct {
	id uint64
	pr *tracker.Progress
}

// indexPeers rebuilds r.peers and r.voterPrs from the tracker.
func (r *raft) indexPeers() {
	r.peers = r.peers[:0]
	for id, pr := range r.trk.Progress {
		r.peers = append(r.peers, peerProgress{id: id, pr: pr})
	}
	slices.SortFunc(r.peers, func(a, b peerProgress) int { return cmp.Compare(a.id, b.id) })
	r.voterPrs = r.voterPrs[:0]
	if len(r.trk.Voters[1]) > 0 {
		return // joint: committedIndex asks the tracker
	}
	for id := range r.trk.Voters[0] {
		// nil if the voter has no progress; it then counts as having
		// acknowledged nothing, as in quorum.MajorityConfig.
		r.voterPrs = append(r.voterPrs, r.trk.Progress[id])
	}
}

// maxFastVoters is how many voters committedIndex handles on the stack.
const maxFastVoters = 16

// committedIndex returns r.trk.Committed(): the highest index acknowledged
// by a quorum of voters. Outside joint configurations it reads voterPrs
// instead of the tracker's maps.
func (r *raft) committedIndex() uint64 {
	n := len(r.voterPrs)
	if n == 0 || n > maxFastVoters || len(r.trk.Voters[1]) > 0 {
		return r.trk.Committed()
	}
	var buf [maxFastVoters]uint64
	acked := buf[:n]
	for i, pr := range r.voterPrs {
		if pr != nil {
			acked[i] = pr.Match
		}
	}
	// Insertion sort, ascending: the quorum n/2+1 voters from position
	// n-(n/2+1) upward all acknowledged at least that position's index.
	for i := 1; i < n; i++ {
		v, j := acked[i], i
		for ; j > 0 && acked[j-1] > v; j-- {
			acked[j] = acked[j-1]
		}
		acked[j] = v
	}
	return acked[n-(n/2+1)]
}
