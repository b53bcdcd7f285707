// Package quorum computes vote outcomes and commit indexes over majority and
// joint (two-majority) configurations. It is pure: no state, no I/O, no
// randomness, and it knows nothing of package raft.
package quorum

import (
	"math"
	"strconv"
)

// Index is a position in the Raft log.
type Index uint64

// String renders the index in decimal, or "∞" for math.MaxUint64, the value an
// empty configuration reports as committed.
func (i Index) String() string {
	if i == math.MaxUint64 {
		return "∞"
	}
	return strconv.FormatUint(uint64(i), 10)
}

// AckedIndexer reports the highest log index each voter has acknowledged
// (for the leader: durably replicated). A voter it does not know counts as
// having acknowledged index 0.
type AckedIndexer interface {
	AckedIndex(voterID uint64) (idx Index, found bool)
}

// VoteResult is the state of an election as far as the votes seen so far tell.
type VoteResult uint8

const (
	// VotePending means the outcome still depends on voters not yet heard
	// from: both winning and losing remain possible.
	VotePending VoteResult = 1 + iota
	// VoteLost means enough voters refused that a majority of yes is impossible.
	VoteLost
	// VoteWon means a majority voted yes.
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
