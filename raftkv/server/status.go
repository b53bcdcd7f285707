package server

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// Status is a member's view of itself and the cluster.
type Status struct {
	ID        uint64
	ClusterID uint64
	Leader    uint64 // 0 when no leader is known
	Term      uint64
	State     raft.StateType
	Commit    uint64 // raft commit index
	Applied   uint64 // last index the state machine applied
	Voters    []uint64
	Learners  []uint64
	Removed   bool
	DBSize    int64 // bytes of the state machine's file
}

// publishStatus refreshes the copy Status reads, when it changed.
func (s *Server) publishStatus() {
	bs := s.rn.BasicStatus()
	old := s.status.Load()
	cs := &s.loop.confState
	if old != nil && old.Leader == bs.Lead && old.Term == bs.Term && old.State == bs.RaftState &&
		old.Commit == bs.Commit && old.Applied == s.loop.applied && old.Removed == s.loop.removed &&
		slices.Equal(old.Voters, cs.Voters) && slices.Equal(old.Learners, cs.Learners) {
		return
	}
	s.status.Store(&Status{
		ID: s.cfg.ID, ClusterID: s.cfg.ClusterID,
		Leader: bs.Lead, Term: bs.Term, State: bs.RaftState, Commit: bs.Commit,
		Applied:  s.loop.applied,
		Voters:   slices.Clone(cs.Voters),
		Learners: slices.Clone(cs.Learners),
		Removed:  s.loop.removed,
	})
}

// Status reports the member's current view.
func (s *Server) Status() Status {
	st := *s.status.Load()
	// The loop publishes the commit a moment after kv made it; report it
	// as readers see it.
	s.vis.mu.Lock()
	st.Applied = max(st.Applied, s.vis.committed)
	s.vis.mu.Unlock()
	st.Voters = slices.Clone(st.Voters)
	st.Learners = slices.Clone(st.Learners)
	if fi, err := os.Stat(filepath.Join(s.cfg.Dir, "kv.db")); err == nil {
		st.DBSize = fi.Size()
	}
	return st
}

// isMember reports whether id is a voter or learner of cs.
func isMember(cs raftpb.ConfState, id uint64) bool {
	return slices.Contains(cs.Voters, id) || slices.Contains(cs.Learners, id)
}
