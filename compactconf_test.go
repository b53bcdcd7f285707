package raft

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// A configuration survives compacting unchanged in either form: sets and
// lists that were nil stay nil, empty ones stay empty, and membership
// answers match.
func TestCompactConfRoundTrip(t *testing.T) {
	set := func(ids ...uint64) map[uint64]struct{} {
		m := map[uint64]struct{}{}
		for _, id := range ids {
			m[id] = struct{}{}
		}
		return m
	}
	for _, cfg := range []tracker.Config{
		{},
		{Voters: quorum.JointConfig{set(), nil}},
		{Voters: quorum.JointConfig{set(3, 1, 2), nil}},
		{Voters: quorum.JointConfig{set(1, 2), set(1, 2, 3)}, LearnersNext: set(3), Learners: set(), AutoLeave: true},
		{Voters: quorum.JointConfig{set(1), set()}, Learners: set(5, 4), LearnersNext: set()},
	} {
		c := compactConfig(&cfg)
		got := c.config()
		if !cmp.Equal(got, cfg) || got.String() != cfg.String() {
			t.Errorf("config %s came back as %s (%#v)", cfg.String(), got.String(), got)
		}
		for id := uint64(0); id <= 6; id++ {
			_, v0 := cfg.Voters[0][id]
			_, v1 := cfg.Voters[1][id]
			_, l := cfg.Learners[id]
			if c.has(confVoters, id) != v0 || c.has(confVotersOutgoing, id) != v1 || c.has(confLearners, id) != l {
				t.Errorf("config %s: membership of %d differs", cfg.String(), id)
			}
		}
		trk := tracker.ProgressTracker{Config: cfg}
		cs := trk.ConfState()
		cc := compactConfState(&cs)
		if got := cc.confState(); !cmp.Equal(got, cs) {
			t.Errorf("conf state %s came back as %s", cs.String(), got.String())
		}
	}
	// Appending to a list handed out does not write into the array.
	cs := pb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}}
	c := compactConfState(&cs)
	_ = append(c.list(confVoters), 9)
	if got := c.list(confLearners); !cmp.Equal(got, []uint64{3}) {
		t.Errorf("an append to the voters wrote into the learners: %v", got)
	}
}
