package quorum

import "math"

// The naive reference implementations below restate the definitions as
// directly as possible, ignoring efficiency, so that the real code can be
// checked against them.

// naiveAcked is the index a voter counts as having acknowledged.
func naiveAcked(l AckedIndexer, id uint64) Index {
	if idx, ok := l.AckedIndex(id); ok {
		return idx
	}
	return 0
}

// naiveHasMajorityAt reports whether more than half the voters of c
// acknowledged at least idx. An empty config agrees with everything.
func naiveHasMajorityAt(c MajorityConfig, l AckedIndexer, idx Index) bool {
	if len(c) == 0 {
		return true
	}
	count := 0
	for id := range c {
		if naiveAcked(l, id) >= idx {
			count++
		}
	}
	return 2*count > len(c)
}

// naiveJointCommitted tries every index any voter acknowledged (and 0) and
// returns the largest that a majority of each non-empty half acknowledged.
// With no voters at all, everything is committed.
func naiveJointCommitted(c JointConfig, l AckedIndexer) Index {
	if len(c[0]) == 0 && len(c[1]) == 0 {
		return math.MaxUint64
	}
	var best Index
	for _, half := range c {
		for id := range half {
			candidate := naiveAcked(l, id)
			if candidate > best && naiveHasMajorityAt(c[0], l, candidate) && naiveHasMajorityAt(c[1], l, candidate) {
				best = candidate
			}
		}
	}
	return best
}

// naiveWins reports whether yes votes are a strict majority of c once every
// voter that has not voted is assumed to vote missingAs.
func naiveWins(c MajorityConfig, votes map[uint64]bool, missingAs bool) bool {
	if len(c) == 0 {
		return true
	}
	yes := 0
	for id := range c {
		vote, ok := votes[id]
		if !ok {
			vote = missingAs
		}
		if vote {
			yes++
		}
	}
	return 2*yes > len(c)
}

// naiveJointVote decides by the two extreme completions of the vote: won if
// both halves win even when every missing voter says no, lost if some half
// loses even when every missing voter says yes, otherwise pending.
func naiveJointVote(c JointConfig, votes map[uint64]bool) VoteResult {
	switch {
	case naiveWins(c[0], votes, false) && naiveWins(c[1], votes, false):
		return VoteWon
	case !naiveWins(c[0], votes, true) || !naiveWins(c[1], votes, true):
		return VoteLost
	default:
		return VotePending
	}
}
