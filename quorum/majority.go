package quorum

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// MajorityConfig is a set of voter IDs. A decision needs more than half of
// them.
type MajorityConfig map[uint64]struct{}

// quorumSize is the number of voters that make a majority of n.
func quorumSize(n int) int { return n/2 + 1 }

// String renders the voters as a sorted, space-separated list in parentheses,
// e.g. "(1 2 3)"; the empty config is "()".
func (c MajorityConfig) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, id := range c.Slice() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(id, 10))
	}
	b.WriteByte(')')
	return b.String()
}

// Slice returns the voter IDs in ascending order, in a new slice.
func (c MajorityConfig) Slice() []uint64 {
	ids := make([]uint64, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// stackVoters is how many voters CommittedIndex handles without allocating.
const stackVoters = 16

// CommittedIndex returns the largest index acknowledged by a majority of the
// voters. A voter the AckedIndexer does not know counts as index 0. The empty
// config returns math.MaxUint64 so that, as one half of a joint config, it
// never holds back the other half.
func (c MajorityConfig) CommittedIndex(l AckedIndexer) Index {
	n := len(c)
	if n == 0 {
		return math.MaxUint64
	}
	var onStack [stackVoters]Index
	var acked []Index
	if n <= len(onStack) {
		acked = onStack[:n]
	} else {
		acked = make([]Index, n)
	}
	i := 0
	for id := range c {
		if idx, found := l.AckedIndex(id); found {
			acked[i] = idx
		}
		i++
	}
	sortIndexes(acked)
	// Ascending order: the quorumSize(n) voters from position n-quorumSize(n)
	// upward all acknowledged at least that position's index, and no larger
	// index is acknowledged by that many.
	return acked[n-quorumSize(n)]
}

// sortIndexes sorts ascending. Insertion sort is cheap for the small configs
// Raft uses and, unlike a generic sort, is plainly allocation-free.
func sortIndexes(s []Index) {
	if len(s) > stackVoters {
		slices.Sort(s)
		return
	}
	for i := 1; i < len(s); i++ {
		v := s[i]
		j := i
		for ; j > 0 && s[j-1] > v; j-- {
			s[j] = s[j-1]
		}
		s[j] = v
	}
}

// VoteResult tallies votes (true for yes, false for no; an absent voter has not
// voted yet): won once a majority said yes, lost once a majority of yes can no
// longer be reached, pending otherwise. Votes from IDs outside the config are
// ignored. The empty config wins every vote, so that as one half of a
// joint config it defers to the other half.
func (c MajorityConfig) VoteResult(votes map[uint64]bool) VoteResult {
	if len(c) == 0 {
		return VoteWon
	}
	var yes, missing int
	for id := range c {
		vote, voted := votes[id]
		switch {
		case !voted:
			missing++
		case vote:
			yes++
		}
	}
	q := quorumSize(len(c))
	switch {
	case yes >= q:
		return VoteWon
	case yes+missing >= q:
		return VotePending
	default:
		return VoteLost
	}
}
