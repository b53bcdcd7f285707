package raftpb

import (
	"fmt"
	"slices"
)

// Equivalent returns nil if cs and other describe the same configuration:
// the same four sets of ids, in any order, and the same AutoLeave. On a
// mismatch the error shows both sides, sorted and as given. Neither
// argument's slices are modified.
func (cs ConfState) Equivalent(other ConfState) error {
	a, b := cs.sorted(), other.sorted()
	if a.sameAs(b) {
		return nil
	}
	return fmt.Errorf("ConfStates not equivalent after sorting:\n%+#v\n%+#v\nInputs were:\n%+#v\n%+#v",
		a, b, cs, other)
}

// sorted returns a copy of cs whose id lists are sorted copies, so that
// sorting never reorders a slice the caller still holds.
func (cs ConfState) sorted() ConfState {
	cs.Voters = sortedCopy(cs.Voters)
	cs.Learners = sortedCopy(cs.Learners)
	cs.VotersOutgoing = sortedCopy(cs.VotersOutgoing)
	cs.LearnersNext = sortedCopy(cs.LearnersNext)
	return cs
}

// sortedCopy returns a sorted copy of ids, nil when ids is empty, so that
// a nil and an empty list compare equal.
func sortedCopy(ids []uint64) []uint64 {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func (cs ConfState) sameAs(other ConfState) bool {
	return slices.Equal(cs.Voters, other.Voters) &&
		slices.Equal(cs.Learners, other.Learners) &&
		slices.Equal(cs.VotersOutgoing, other.VotersOutgoing) &&
		slices.Equal(cs.LearnersNext, other.LearnersNext) &&
		cs.AutoLeave == other.AutoLeave
}
