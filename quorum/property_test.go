package quorum

import (
	"math"
	"math/rand/v2"
	"testing"
)

const propertyRuns = 5000

// randomMajority draws up to maxVoters distinct IDs from 1..idRange, so that
// two draws often overlap.
func randomMajority(rng *rand.Rand, maxVoters int, idRange uint64) MajorityConfig {
	c := MajorityConfig{}
	n := rng.IntN(maxVoters + 1)
	for len(c) < n {
		c[1+rng.Uint64N(idRange)] = struct{}{}
	}
	return c
}

// randomAcks acknowledges indexes for a random subset of 1..idRange, so some
// voters are missing and some acks come from non-voters. Indexes come from a
// small range, so ties are common, with the occasional extreme value.
func randomAcks(rng *rand.Rand, idRange uint64) ackedMap {
	acked := ackedMap{}
	for id := uint64(1); id <= idRange; id++ {
		switch r := rng.IntN(20); {
		case r < 4:
			// missing
		case r == 4:
			acked[id] = math.MaxUint64 - Index(rng.IntN(2))
		default:
			acked[id] = Index(rng.IntN(10))
		}
	}
	return acked
}

// randomVotes gives each of 1..idRange a yes, a no, or no vote.
func randomVotes(rng *rand.Rand, idRange uint64) map[uint64]bool {
	votes := map[uint64]bool{}
	for id := uint64(1); id <= idRange; id++ {
		switch rng.IntN(3) {
		case 0:
			votes[id] = true
		case 1:
			votes[id] = false
		}
	}
	return votes
}

func TestMajorityCommittedIndexMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range propertyRuns {
		// Up to 20 voters, beyond the allocation-free size, to cover both paths.
		c := randomMajority(rng, 20, 24)
		acked := randomAcks(rng, 24)
		want := naiveJointCommitted(JointConfig{c, nil}, acked)
		if got := c.CommittedIndex(acked); got != want {
			t.Fatalf("run %d: %s with acks %v: CommittedIndex = %s, reference = %s", i, c, acked, got, want)
		}
	}
}

func TestJointCommittedIndexMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range propertyRuns {
		c := JointConfig{randomMajority(rng, 7, 9), randomMajority(rng, 7, 9)}
		acked := randomAcks(rng, 9)
		want := naiveJointCommitted(c, acked)
		if got := c.CommittedIndex(acked); got != want {
			t.Fatalf("run %d: %s with acks %v: CommittedIndex = %s, reference = %s", i, c, acked, got, want)
		}
	}
}

func TestMajorityVoteResultMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[VoteResult]int{}
	for i := range propertyRuns {
		c := randomMajority(rng, 9, 12)
		votes := randomVotes(rng, 12)
		want := naiveJointVote(JointConfig{c, nil}, votes)
		got := c.VoteResult(votes)
		if got != want {
			t.Fatalf("run %d: %s with votes %v: VoteResult = %s, reference = %s", i, c, votes, got, want)
		}
		seen[got]++
	}
	checkAllOutcomesSeen(t, seen)
}

func TestJointVoteResultMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	seen := map[VoteResult]int{}
	for i := range propertyRuns {
		c := JointConfig{randomMajority(rng, 7, 9), randomMajority(rng, 7, 9)}
		votes := randomVotes(rng, 9)
		want := naiveJointVote(c, votes)
		got := c.VoteResult(votes)
		if got != want {
			t.Fatalf("run %d: %s with votes %v: VoteResult = %s, reference = %s", i, c, votes, got, want)
		}
		seen[got]++
	}
	checkAllOutcomesSeen(t, seen)
}

// checkAllOutcomesSeen guards against a generator that never produces some
// outcome, which would leave that branch untested.
func checkAllOutcomesSeen(t *testing.T, seen map[VoteResult]int) {
	t.Helper()
	for _, r := range []VoteResult{VotePending, VoteLost, VoteWon} {
		if seen[r] < propertyRuns/20 {
			t.Errorf("only %d of %d random votes were %s; the generator is too narrow", seen[r], propertyRuns, r)
		}
	}
}
