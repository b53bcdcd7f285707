package raft

import (
	"slices"
	"testing"
	"unsafe"

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

// A list whose length does not fit the header's 20-bit field moves the
// lengths into words of their own; the lists come back unchanged either
// side of the bound, and a small configuration keeps the one-word header.
func TestCompactConfLongLists(t *testing.T) {
	seq := func(n int) []uint64 {
		l := make([]uint64, n)
		for i := range l {
			l[i] = uint64(i + 1)
		}
		return l
	}
	longest := confLenMask - 1 // its length plus one fills the field
	for _, tc := range []struct {
		name string
		cs   pb.ConfState
		wide bool
	}{
		{"three voters", pb.ConfState{Voters: seq(3)}, false},
		{"longest narrow voters", pb.ConfState{Voters: seq(longest), Learners: []uint64{}, LearnersNext: []uint64{7}}, false},
		{"wide voters", pb.ConfState{Voters: seq(longest + 1), Learners: []uint64{}, LearnersNext: []uint64{7}}, true},
		{"wide outgoing voters", pb.ConfState{Voters: seq(2), VotersOutgoing: seq(longest + 1), AutoLeave: true}, true},
		{"wide learners, nil voters", pb.ConfState{Learners: seq(longest + 2)}, true},
	} {
		c := compactConfState(&tc.cs)
		if got := c.header()&confWide != 0; got != tc.wide {
			t.Errorf("%s: wide %v, want %v", tc.name, got, tc.wide)
		}
		// slices.Equal, not cmp.Equal, which takes seconds on these lists.
		same := func(a, b []uint64) bool { return (a == nil) == (b == nil) && slices.Equal(a, b) }
		if got := c.confState(); !same(got.Voters, tc.cs.Voters) || !same(got.Learners, tc.cs.Learners) ||
			!same(got.VotersOutgoing, tc.cs.VotersOutgoing) || !same(got.LearnersNext, tc.cs.LearnersNext) || got.AutoLeave != tc.cs.AutoLeave {
			t.Errorf("%s: the conf state did not come back unchanged (voters %d, learners %d, outgoing %d, next %d, auto-leave %v)",
				tc.name, len(got.Voters), len(got.Learners), len(got.VotersOutgoing), len(got.LearnersNext), got.AutoLeave)
		}
		if want := len(tc.cs.Voters) + len(tc.cs.Learners) + len(tc.cs.VotersOutgoing) + len(tc.cs.LearnersNext); len(c.ids()) != want {
			t.Errorf("%s: %d ids, want %d", tc.name, len(c.ids()), want)
		}
	}
	if c := compactConfState(&pb.ConfState{Voters: seq(3)}); cap(c.words) != 4 {
		t.Errorf("three voters take %d words, want 4 (a header and the ids)", cap(c.words))
	}
	if got := unsafe.Sizeof(compactConf{}); got != 24 {
		t.Errorf("compactConf is %d bytes, want 24 (one slice)", got)
	}
}
