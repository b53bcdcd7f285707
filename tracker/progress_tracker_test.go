package tracker

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

func set(ids ...uint64) map[uint64]struct{} {
	m := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// trackerWith builds a tracker for voters (incoming, outgoing) and learners,
// with a Progress for each of them.
func trackerWith(incoming, outgoing, learners []uint64) *ProgressTracker {
	p := MakeProgressTracker(4, 0)
	p.Voters = quorum.JointConfig{set(incoming...), nil}
	if outgoing != nil {
		p.Voters[1] = set(outgoing...)
	}
	if learners != nil {
		p.Learners = set(learners...)
	}
	for _, id := range slices.Concat(incoming, outgoing, learners) {
		p.Progress[id] = &Progress{Next: 1, Inflights: NewInflights(4, 0), IsLearner: slices.Contains(learners, id)}
	}
	return &p
}

func TestMakeProgressTracker(t *testing.T) {
	p := MakeProgressTracker(7, 1024)
	if p.MaxInflight != 7 || p.MaxInflightBytes != 1024 {
		t.Fatalf("limits %d, %d; want 7, 1024", p.MaxInflight, p.MaxInflightBytes)
	}
	if p.Voters[0] == nil || p.Voters[1] != nil || p.Learners != nil || p.LearnersNext != nil {
		t.Fatalf("config %+v: want empty non-nil incoming voters, everything else nil", p.Config)
	}
	if p.Votes == nil || p.Progress == nil || len(p.Votes)+len(p.Progress) != 0 {
		t.Fatal("want empty non-nil Votes and Progress")
	}
}

func TestVisitInAscendingIDOrder(t *testing.T) {
	// Sizes on both sides of the on-stack buffer.
	for _, n := range []int{0, 1, 5, visitOnStack, visitOnStack + 1, 100} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		p := MakeProgressTracker(1, 0)
		var want []uint64
		for len(want) < n {
			id := 1 + rng.Uint64N(1000)
			if _, dup := p.Progress[id]; !dup {
				p.Progress[id] = &Progress{Match: id}
				want = append(want, id)
			}
		}
		slices.Sort(want)
		var got []uint64
		p.Visit(func(id uint64, pr *Progress) {
			if pr.Match != id {
				t.Fatalf("Visit passed progress of %d with id %d", pr.Match, id)
			}
			got = append(got, id)
		})
		if !slices.Equal(got, want) {
			t.Fatalf("%d progresses: visited %v, want %v", n, got, want)
		}
	}
}

func TestVisitDoesNotAllocateForSmallClusters(t *testing.T) {
	p := trackerWith([]uint64{1, 2, 3, 4, 5}, nil, []uint64{6, 7})
	var sum uint64
	f := func(id uint64, _ *Progress) { sum += id }
	if allocs := testing.AllocsPerRun(100, func() { p.Visit(f) }); allocs != 0 {
		t.Fatalf("Visit over 7 progresses: %v allocations, want 0", allocs)
	}
	if sum != 101*28 {
		t.Fatalf("visited ids summed to %d over 101 runs, want %d", sum, 101*28)
	}
}

func TestCommitted(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		incoming, outgoing, learners []uint64
		match                        map[uint64]uint64
		want                         uint64
	}{
		{"single voter", []uint64{1}, nil, nil, map[uint64]uint64{1: 9}, 9},
		// Sorted descending 10, 7, 5: the second of three is a majority.
		{"three voters", []uint64{1, 2, 3}, nil, nil, map[uint64]uint64{1: 10, 2: 5, 3: 7}, 7},
		// 5, 4, 3, 2, 1: the third of five.
		{"five voters", []uint64{1, 2, 3, 4, 5}, nil, nil, map[uint64]uint64{1: 1, 2: 2, 3: 3, 4: 4, 5: 5}, 3},
		{"learners do not count", []uint64{1, 2, 3}, nil, []uint64{4, 5}, map[uint64]uint64{1: 3, 2: 1, 3: 1, 4: 50, 5: 50}, 1},
		// Incoming 10, 9, 8 commits 9; outgoing 8, 2, 1 commits 2.
		{"joint takes the lower half", []uint64{1, 2, 3}, []uint64{3, 4, 5}, nil, map[uint64]uint64{1: 10, 2: 9, 3: 8, 4: 2, 5: 1}, 2},
		{"empty config", nil, nil, nil, nil, math.MaxUint64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := trackerWith(tc.incoming, tc.outgoing, tc.learners)
			for id, m := range tc.match {
				p.Progress[id].Match = m
			}
			if got := p.Committed(); got != tc.want {
				t.Fatalf("Committed() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestCommittedCountsVoterWithoutProgressAsZero(t *testing.T) {
	p := trackerWith([]uint64{1, 2, 3}, nil, nil)
	p.Progress[1].Match, p.Progress[2].Match = 10, 5
	delete(p.Progress, 3)
	if got := p.Committed(); got != 5 {
		t.Fatalf("Committed() = %d, want 5 (10, 5, 0)", got)
	}
}

func TestProgressMapAckedIndex(t *testing.T) {
	m := ProgressMap{2: {Match: 7}}
	if idx, ok := m.AckedIndex(2); idx != 7 || !ok {
		t.Fatalf("AckedIndex(2) = %d, %v; want 7, true", idx, ok)
	}
	if idx, ok := m.AckedIndex(3); idx != 0 || ok {
		t.Fatalf("AckedIndex(3) = %d, %v; want 0, false", idx, ok)
	}
}

func TestQuorumActive(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		incoming, outgoing, learners []uint64
		active                       []uint64
		want                         bool
	}{
		{"majority active", []uint64{1, 2, 3}, nil, nil, []uint64{1, 2}, true},
		{"minority active", []uint64{1, 2, 3}, nil, nil, []uint64{1}, false},
		{"half of four", []uint64{1, 2, 3, 4}, nil, nil, []uint64{1, 2}, false},
		{"active learners do not count", []uint64{1, 2, 3}, nil, []uint64{4, 5}, []uint64{1, 4, 5}, false},
		{"joint, only incoming active", []uint64{1, 2, 3}, []uint64{4, 5, 6}, nil, []uint64{1, 2, 4}, false},
		{"joint, both active", []uint64{1, 2, 3}, []uint64{4, 5, 6}, nil, []uint64{1, 2, 4, 5}, true},
		{"joint overlapping", []uint64{1, 2, 3}, []uint64{1, 2}, nil, []uint64{1, 2}, true},
		{"joint, outgoing half inactive", []uint64{1, 2, 3}, []uint64{4, 5}, nil, []uint64{1, 2, 3, 4}, false},
		{"single voter inactive", []uint64{1}, nil, nil, nil, false},
		{"no voters", nil, nil, nil, nil, true},
		{"active voter without progress", []uint64{1, 2, 3}, nil, nil, []uint64{1, 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := trackerWith(tc.incoming, tc.outgoing, tc.learners)
			for _, id := range tc.active {
				p.Progress[id].RecentActive = true
			}
			if tc.name == "active voter without progress" {
				delete(p.Progress, 3) // 1 of 3 voters left active
			}
			if got := p.QuorumActive(); got != tc.want {
				t.Fatalf("QuorumActive() = %v, want %v", got, tc.want)
			}
			if allocs := testing.AllocsPerRun(10, func() { p.QuorumActive() }); allocs != 0 {
				t.Fatalf("QuorumActive allocates %v times", allocs)
			}
		})
	}
}

func TestTallyVotesJoint(t *testing.T) {
	type vote struct {
		id uint64
		v  bool
	}
	for _, tc := range []struct {
		name              string
		votes             []vote
		granted, rejected int
		result            quorum.VoteResult
	}{
		{"no votes", nil, 0, 0, quorum.VotePending},
		{"incoming won, outgoing silent", []vote{{1, true}, {2, true}}, 2, 0, quorum.VotePending},
		{"both won through shared voter", []vote{{1, true}, {2, true}, {3, true}, {4, true}}, 4, 0, quorum.VoteWon},
		{"outgoing undecided", []vote{{1, true}, {2, true}, {3, true}, {4, false}}, 3, 1, quorum.VotePending},
		{"outgoing won late", []vote{{1, true}, {2, true}, {3, true}, {4, false}, {5, true}}, 4, 1, quorum.VoteWon},
		{"outgoing lost", []vote{{1, true}, {2, true}, {4, false}, {5, false}}, 2, 2, quorum.VoteLost},
		{"incoming lost", []vote{{1, false}, {2, false}, {4, true}, {5, true}}, 2, 2, quorum.VoteLost},
		// Learner 6 and unknown node 9 are neither tallied nor decisive.
		{"learner and stranger ignored", []vote{{1, true}, {6, true}, {9, true}}, 1, 0, quorum.VotePending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := trackerWith([]uint64{1, 2, 3}, []uint64{3, 4, 5}, []uint64{6})
			for _, v := range tc.votes {
				p.RecordVote(v.id, v.v)
			}
			granted, rejected, result := p.TallyVotes()
			if granted != tc.granted || rejected != tc.rejected || result != tc.result {
				t.Fatalf("TallyVotes() = %d, %d, %v; want %d, %d, %v",
					granted, rejected, result, tc.granted, tc.rejected, tc.result)
			}
		})
	}
}

func TestRecordVoteFirstVoteWins(t *testing.T) {
	p := trackerWith([]uint64{1, 2, 3}, nil, nil)
	p.RecordVote(2, true)
	p.RecordVote(2, false) // a duplicated, reordered response
	p.RecordVote(3, false)
	p.RecordVote(3, true)
	if !p.Votes[2] || p.Votes[3] {
		t.Fatalf("votes %v, want 2 granted and 3 rejected", p.Votes)
	}
	if g, r, res := p.TallyVotes(); g != 1 || r != 1 || res != quorum.VotePending {
		t.Fatalf("TallyVotes() = %d, %d, %v; want 1, 1, VotePending", g, r, res)
	}
	p.ResetVotes()
	if len(p.Votes) != 0 {
		t.Fatalf("votes %v after ResetVotes, want none", p.Votes)
	}
	p.RecordVote(2, false)
	if p.Votes[2] {
		t.Fatal("a new round must accept a new vote")
	}
}

func TestVoterAndLearnerNodes(t *testing.T) {
	p := trackerWith([]uint64{5, 1, 3}, []uint64{3, 4, 1}, []uint64{9, 7})
	if got, want := p.VoterNodes(), []uint64{1, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("VoterNodes() = %v, want %v", got, want)
	}
	if got, want := p.LearnerNodes(), []uint64{7, 9}; !slices.Equal(got, want) {
		t.Fatalf("LearnerNodes() = %v, want %v", got, want)
	}
	if got := trackerWith([]uint64{1}, nil, nil).LearnerNodes(); got != nil {
		t.Fatalf("LearnerNodes() = %v without learners, want nil", got)
	}
	if got := trackerWith(nil, nil, nil).VoterNodes(); len(got) != 0 {
		t.Fatalf("VoterNodes() = %v without voters, want none", got)
	}
}

func TestIsSingleton(t *testing.T) {
	for _, tc := range []struct {
		incoming, outgoing []uint64
		want               bool
	}{
		{[]uint64{1}, nil, true},
		{[]uint64{1}, []uint64{}, true},
		{nil, nil, false},
		{[]uint64{1, 2}, nil, false},
		{[]uint64{1}, []uint64{1}, false},
		{[]uint64{1}, []uint64{2}, false},
	} {
		p := trackerWith(tc.incoming, tc.outgoing, nil)
		if got := p.IsSingleton(); got != tc.want {
			t.Errorf("voters %s: IsSingleton() = %v, want %v", p.Voters, got, tc.want)
		}
	}
}

// fromConfState builds a tracker whose configuration is cs, the way a
// restore would, without relying on the confchange package.
func fromConfState(cs pb.ConfState) *ProgressTracker {
	p := trackerWith(cs.Voters, cs.VotersOutgoing, cs.Learners)
	if len(cs.VotersOutgoing) == 0 {
		p.Voters[1] = nil
	}
	if len(cs.Learners) == 0 {
		p.Learners = nil
	}
	if len(cs.LearnersNext) > 0 {
		p.LearnersNext = set(cs.LearnersNext...)
	}
	p.AutoLeave = cs.AutoLeave
	return p
}

func TestConfStateRoundTrip(t *testing.T) {
	for _, cs := range []pb.ConfState{
		{},
		{Voters: []uint64{1}},
		{Voters: []uint64{1, 2, 3}, Learners: []uint64{4, 5}},
		// Demoting 3 while replacing 2 by 4.
		{Voters: []uint64{1, 4}, VotersOutgoing: []uint64{1, 2, 3}, LearnersNext: []uint64{3}, AutoLeave: true},
		{Voters: []uint64{1, 2}, VotersOutgoing: []uint64{1, 2, 3}, Learners: []uint64{7}, LearnersNext: []uint64{3}},
	} {
		got := fromConfState(cs).ConfState()
		if diff := cmp.Diff(cs, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ConfState round trip (-want +got):\n%s", diff)
		}
	}
}

func TestConfStateIsSorted(t *testing.T) {
	p := trackerWith([]uint64{30, 10, 20}, []uint64{9, 3}, []uint64{8, 2})
	p.LearnersNext = set(6, 4)
	want := pb.ConfState{Voters: []uint64{10, 20, 30}, VotersOutgoing: []uint64{3, 9}, Learners: []uint64{2, 8}, LearnersNext: []uint64{4, 6}}
	if diff := cmp.Diff(want, p.ConfState()); diff != "" {
		t.Fatalf("ConfState (-want +got):\n%s", diff)
	}
}

func TestConfigString(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Voters: quorum.JointConfig{set(1, 2, 3)}}, "voters=(1 2 3)"},
		{Config{Voters: quorum.JointConfig{set(1, 2), set(1, 2, 3)}, LearnersNext: set(3), AutoLeave: true},
			"voters=(1 2)&&(1 2 3) learners_next=(3) autoleave"},
		{Config{Voters: quorum.JointConfig{set(1)}, Learners: set(5, 4)}, "voters=(1) learners=(4 5)"},
		// An allocated but empty set is shown, a nil one is not.
		{Config{Voters: quorum.JointConfig{set(1)}, Learners: set()}, "voters=(1) learners=()"},
	} {
		if got := tc.cfg.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestConfigCloneSharesNoMemory(t *testing.T) {
	orig := Config{
		Voters:       quorum.JointConfig{set(1, 2), set(1, 2, 3)},
		AutoLeave:    true,
		LearnersNext: set(3),
	}
	c := orig.Clone()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	if c.Learners != nil || c.Voters[1] == nil {
		t.Fatal("clone must keep nil sets nil and non-nil sets non-nil")
	}
	c.Voters[0][9] = struct{}{}
	c.Voters[1][9] = struct{}{}
	c.LearnersNext[9] = struct{}{}
	if want := "voters=(1 2)&&(1 2 3) learners_next=(3) autoleave"; orig.String() != want {
		t.Fatalf("original changed through its clone: %s", orig.String())
	}
}

// QuorumActive agrees with a vote by RecentActive counted by the quorum
// package, over random joint configurations with voters missing a Progress.
func TestQuorumActiveMatchesVoteResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() []uint64 {
		var ids []uint64
		for id := uint64(1); id <= 7; id++ {
			if rng.IntN(2) == 0 {
				ids = append(ids, id)
			}
		}
		return ids
	}
	for range 2000 {
		var outgoing []uint64
		if rng.IntN(2) == 0 {
			outgoing = pick()
		}
		p := trackerWith(pick(), outgoing, nil)
		votes := map[uint64]bool{}
		for id, pr := range p.Progress {
			if rng.IntN(5) == 0 {
				delete(p.Progress, id)
				continue
			}
			pr.RecentActive = rng.IntN(2) == 0
			votes[id] = pr.RecentActive
		}
		want := p.Voters.VoteResult(votes) == quorum.VoteWon
		if got := p.QuorumActive(); got != want {
			t.Fatalf("voters %s, votes %v: QuorumActive() = %v, want %v", p.Voters, votes, got, want)
		}
	}
}
