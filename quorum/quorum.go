// Package quorum computes vote outcomes and commit indexes over majority and
// joint (two-majority) configurations. It is pure: no state, no I/O, no
// randomness, and it knows nothing of package raft.
package quorum

import (
	"math"
	"strconv"
)

// Index is a Raft log position.
type Index uint64

// String renders the index in decimal, or "∞" for math.MaxUint64, the value an
// empty configuration reports as committed.
func (i Index) String() string {
	if i == math.MaxUint64 {
		return "∞"
	}
	return strconv.FormatUint(uint64(i), 10)
}

// AckedIndexer allows looking up a commit index for a given ID of a voter from
// a corresponding MajorityConfig. A voter that is not found counts as having
// acknowledged index 0.
type AckedIndexer interface {
	AckedIndex(voterID uint64) (idx Index, found bool)
}

// VoteResult indicates the outcome of a vote.
type VoteResult uint8

const (
	// VotePending indicates that the decision of the vote depends on future
	// votes, i.e. neither "yes" or "no" has reached quorum yet.
	VotePending VoteResult = 1 + iota
	// VoteLost indicates that the quorum has voted "no".
	VoteLost
	// VoteWon indicates that the quorum has voted "yes".
	VoteWon
)

// String returns the constant's name, or VoteResult(n) for an unknown value.
func (v VoteResult) String() string {
	switch v {
	case VotePending:
		return "VotePending"
	case VoteLost:
		return "VoteLost"
	case VoteWon:
		return "VoteWon"
	}
	return "VoteResult(" + strconv.FormatUint(uint64(v), 10) + ")"
}
