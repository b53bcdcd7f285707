package raft

import (
	"cmp"
	"slices"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// The leader's hot paths read the progress of every peer several times per
// proposal. Going through the tracker's maps for each read (sorting the
// keys for a broadcast, hashing each voter's id for the commit index) cost
// more than the Raft logic itself, so raft keeps a plain slice of the same
// *Progress pointers, rebuilt by indexPeers whenever switchToConfig
// installs a configuration and by holdTracker (the only writers of
// trk.Progress and trk.Config).

// peerProgress is one entry of raft.peers. The Progress lives in the entry
// itself (prog, which pr points to and trk.Progress maps to): a heartbeat
// reads each follower's id and Match, and with thousands of groups one
// array costs fewer cache misses than an array of pointers to scattered
// Progresses. Loops take the entry by value and go through pr.
type peerProgress struct {
	id   uint64
	pr   *tracker.Progress
	prog tracker.Progress
}

// Only a leader and a (pre-)candidate keep a tracker: the configuration's
// sets and a Progress per peer, with which the leader paces replication
// and the candidate tallies votes. A follower keeps neither the tracker
// nor peers, only its configuration as a compactConf (r.conf): with
// thousands of idle groups per process, the Progress map, the peers
// array, a map per set and the tracker itself were over half of what an
// idle follower held. becomeFollower drops them (dropTracker), and the
// other roles rebuild them (holdTracker); a follower that needs them
// anyway (a conf change to plan, WithProgress, Status) gets fresh ones.

// indexPeers rebuilds r.peers, moving every Progress into it, and points
// trk.Progress at the moved ones. The configuration was just installed, so
// nothing holds the old pointers. Only a leader keeps Inflights windows,
// and only for the other peers (see openInflights): a conf change gives new
// peers one, which a non-leader drops here.
func (r *raft) indexPeers() {
	// A new array each time: the old one may be the previous
	// configuration's, whose Progresses confchange copied from.
	peers := make([]peerProgress, 0, len(r.trk.Progress))
	for id, pr := range r.trk.Progress {
		peers = append(peers, peerProgress{id: id, prog: *pr})
	}
	slices.SortFunc(peers, func(a, b peerProgress) int { return cmp.Compare(a.id, b.id) })
	for i := range peers {
		p := &peers[i]
		p.pr = &p.prog
		r.trk.Progress[p.id] = p.pr
		if r.state != StateLeader || p.id == r.id {
			p.pr.Inflights = nil
		}
	}
	r.peers = peers
}

// dropTracker lets a follower's tracker and peers go, keeping the
// configuration compact.
func (r *raft) dropTracker() {
	if r.trk != nil {
		r.installCompact(&r.trk.Config)
	}
}

// installCompact makes cfg a follower's configuration.
func (r *raft) installCompact(cfg *tracker.Config) {
	c := compactConfig(cfg)
	r.conf, r.trk, r.peers = &c, nil, nil
}

// holdTracker gives a node about to campaign or lead a tracker, if it has
// none, with a Progress per peer as reset would leave them.
func (r *raft) holdTracker() {
	if r.trk == nil {
		r.trk, r.conf = r.newTracker(r.conf.config()), nil
		r.peers, r.trk.Progress = r.freshProgress()
	}
}

// newTracker returns a tracker of cfg with no Progresses.
func (r *raft) newTracker(cfg tracker.Config) *tracker.ProgressTracker {
	return &tracker.ProgressTracker{Config: cfg, MaxInflight: r.cfg.MaxInflightMsgs, MaxInflightBytes: r.cfg.MaxInflightBytes}
}

// config returns a copy of the configuration, whatever its form.
func (r *raft) config() tracker.Config {
	if r.conf != nil {
		return r.conf.config()
	}
	return r.trk.Config.Clone()
}

// confState returns the configuration as the tracker renders it.
func (r *raft) confState() pb.ConfState {
	if r.conf != nil {
		return r.newTracker(r.conf.config()).ConfState()
	}
	return r.trk.ConfState()
}

// voterNodes returns the ids of the voters of either half, ascending.
func (r *raft) voterNodes() []uint64 {
	if r.conf == nil {
		return r.trk.VoterNodes()
	}
	ids := append(slices.Clone(r.conf.list(confVoters)), r.conf.list(confVotersOutgoing)...)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// freshProgress returns a Progress for every member of the configuration,
// by ascending id, as reset leaves them (see freshPeer). The map points
// into the array.
func (r *raft) freshProgress() ([]peerProgress, tracker.ProgressMap) {
	var onStack [maxFastVoters]uint64
	ids := r.memberIDs(onStack[:0])
	peers := make([]peerProgress, len(ids))
	prs := make(tracker.ProgressMap, len(ids))
	for i, id := range ids {
		p := &peers[i]
		p.id, p.prog = id, r.freshPeer(id)
		p.pr = &p.prog
		prs[id] = p.pr
	}
	return peers, prs
}

// memberIDs appends the id of every member of the configuration to buf,
// once each and ascending, and returns it. A caller's buf on the stack
// keeps a small configuration's walk free of allocations.
func (r *raft) memberIDs(buf []uint64) []uint64 {
	ids := buf
	if r.conf != nil {
		ids = append(ids, r.conf.ids()...)
	} else {
		for _, set := range [...]map[uint64]struct{}{r.trk.Voters[0], r.trk.Voters[1], r.trk.Learners, r.trk.LearnersNext} {
			for id := range set {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// freshPeer returns member id's Progress as reset leaves it: nothing
// acknowledged, the next append just past the last index, this node's own
// Match at what is durable.
func (r *raft) freshPeer(id uint64) tracker.Progress {
	learner := (r.trk != nil && inSet(r.trk.Learners, id)) || (r.conf != nil && r.conf.has(confLearners, id))
	pr := tracker.Progress{Next: r.raftLog.lastIndex() + 1, IsLearner: learner}
	if id == r.id {
		pr.Match = r.raftLog.unstable.prev.index
	}
	return pr
}

// isMember reports whether id is in the configuration, as a voter of
// either half or a learner; these are the peers a leader tracks.
func (r *raft) isMember(id uint64) bool {
	if r.trk != nil {
		return r.trk.Progress[id] != nil
	}
	return slices.Contains(r.conf.ids(), id)
}

// isVoter reports whether id votes in either half of the configuration.
func (r *raft) isVoter(id uint64) bool {
	if r.conf != nil {
		return r.conf.has(confVoters, id) || r.conf.has(confVotersOutgoing, id)
	}
	return inSet(r.trk.Voters[0], id) || inSet(r.trk.Voters[1], id)
}

func inSet[M ~map[uint64]struct{}](m M, id uint64) bool {
	_, ok := m[id]
	return ok
}

// openInflights gives every other peer the window that paces a leader's
// appends. Followers and candidates send no appends, so reset leaves them
// without: an idle follower saves a 64-byte window per peer.
func (r *raft) openInflights() {
	for _, p := range r.peers {
		if p.id != r.id {
			p.pr.Inflights = tracker.NewInflights(r.cfg.MaxInflightMsgs, r.cfg.MaxInflightBytes)
		}
	}
}

// maxFastVoters is how many voters committedIndex handles on the stack.
const maxFastVoters = 16

// committedIndex returns r.trk.Committed(): the highest index acknowledged
// by a quorum of voters. Outside joint configurations the voters are the
// peers that are not learners, so it reads r.peers instead of the
// tracker's maps.
func (r *raft) committedIndex() uint64 {
	n := len(r.trk.Voters[0])
	if n == 0 || n > maxFastVoters || len(r.trk.Voters[1]) > 0 {
		return r.trk.Committed()
	}
	var buf [maxFastVoters]uint64
	k := 0
	for _, p := range r.peers {
		if p.pr.IsLearner {
			continue
		}
		if k == n {
			return r.trk.Committed() // more voters than the config names
		}
		buf[k] = p.pr.Match
		k++
	}
	if k != n {
		// A voter without a Progress counts as having acknowledged
		// nothing; leave that case to the tracker.
		return r.trk.Committed()
	}
	acked := buf[:n]
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
