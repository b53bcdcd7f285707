package raftpb

import (
	"slices"
	"strings"
	"testing"
)

func TestConfStateEquivalentIgnoresOrder(t *testing.T) {
	a := ConfState{
		Voters:         []uint64{1, 2, 3},
		Learners:       []uint64{4, 5},
		VotersOutgoing: []uint64{1, 2, 6},
		LearnersNext:   []uint64{6, 7},
		AutoLeave:      true,
	}
	b := ConfState{
		Voters:         []uint64{3, 1, 2},
		Learners:       []uint64{5, 4},
		VotersOutgoing: []uint64{6, 2, 1},
		LearnersNext:   []uint64{7, 6},
		AutoLeave:      true,
	}
	if err := a.Equivalent(b); err != nil {
		t.Errorf("permuted lists: %v", err)
	}
	if err := b.Equivalent(a); err != nil {
		t.Errorf("permuted lists, swapped: %v", err)
	}
	if err := (ConfState{}).Equivalent(ConfState{Voters: []uint64{}, LearnersNext: []uint64{}}); err != nil {
		t.Errorf("nil and empty lists: %v", err)
	}
}

func TestConfStateEquivalentReportsEachDifference(t *testing.T) {
	base := func() ConfState {
		return ConfState{
			Voters:         []uint64{1, 2},
			Learners:       []uint64{3},
			VotersOutgoing: []uint64{1},
			LearnersNext:   []uint64{4},
		}
	}
	tests := []struct {
		name   string
		change func(*ConfState)
	}{
		{"extra voter", func(cs *ConfState) { cs.Voters = append(cs.Voters, 9) }},
		{"missing voter", func(cs *ConfState) { cs.Voters = cs.Voters[:1] }},
		{"other learner", func(cs *ConfState) { cs.Learners = []uint64{5} }},
		{"no learners", func(cs *ConfState) { cs.Learners = nil }},
		{"outgoing voter", func(cs *ConfState) { cs.VotersOutgoing = []uint64{2} }},
		{"learner next", func(cs *ConfState) { cs.LearnersNext = append(cs.LearnersNext, 8) }},
		{"auto leave", func(cs *ConfState) { cs.AutoLeave = true }},
		{"duplicate id", func(cs *ConfState) { cs.Voters = []uint64{1, 2, 2} }},
		{"id moved to another list", func(cs *ConfState) {
			cs.Learners, cs.LearnersNext = cs.LearnersNext, cs.Learners
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := base()
			tt.change(&changed)
			for _, pair := range [][2]ConfState{{base(), changed}, {changed, base()}} {
				err := pair[0].Equivalent(pair[1])
				if err == nil {
					t.Fatalf("%+v and %+v reported equivalent", pair[0], pair[1])
				}
				// Both sides are shown, with their AutoLeave.
				if n := strings.Count(err.Error(), "AutoLeave:"); n != 4 {
					t.Errorf("error shows %d states, want 4 (two sorted, two as given):\n%v", n, err)
				}
			}
		})
	}
}

func TestConfStateEquivalentDoesNotMutate(t *testing.T) {
	// Capacity beyond length would let a careless append write into the
	// caller's backing array, so give every list spare room.
	mk := func(ids ...uint64) []uint64 { return append(make([]uint64, 0, 2*len(ids)+1), ids...) }
	a := ConfState{Voters: mk(3, 1, 2), Learners: mk(5, 4), VotersOutgoing: mk(2, 1), LearnersNext: mk(9, 8)}
	b := ConfState{Voters: mk(2, 3, 1), Learners: mk(4, 5), VotersOutgoing: mk(1, 2), LearnersNext: mk(8, 9)}
	wantA := ConfState{Voters: []uint64{3, 1, 2}, Learners: []uint64{5, 4}, VotersOutgoing: []uint64{2, 1}, LearnersNext: []uint64{9, 8}}
	wantB := ConfState{Voters: []uint64{2, 3, 1}, Learners: []uint64{4, 5}, VotersOutgoing: []uint64{1, 2}, LearnersNext: []uint64{8, 9}}
	if err := a.Equivalent(b); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want ConfState }{{a, wantA}, {b, wantB}} {
		for i, pair := range [][2][]uint64{
			{c.got.Voters, c.want.Voters}, {c.got.Learners, c.want.Learners},
			{c.got.VotersOutgoing, c.want.VotersOutgoing}, {c.got.LearnersNext, c.want.LearnersNext},
		} {
			if !slices.Equal(pair[0], pair[1]) || !slices.Equal(pair[0][:cap(pair[0])][len(pair[0]):], make([]uint64, cap(pair[0])-len(pair[0]))) {
				t.Errorf("list %d changed to %v (spare capacity %v), want %v", i, pair[0], pair[0][len(pair[0]):cap(pair[0])], pair[1])
			}
		}
	}
}
