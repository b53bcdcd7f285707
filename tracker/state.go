package tracker

import "strconv"

// StateType is how the leader replicates to one follower. The transitions
// between the states are described on Progress.
type StateType uint64

const (
	// StateProbe is for a follower whose log the leader cannot place yet:
	// it sends one append at a time and waits for the answer, which either
	// confirms Next-1 or hints where the two logs diverge.
	StateProbe StateType = iota
	// StateReplicate is the steady state: the follower's log agrees with the
	// leader's up to Match, and the leader streams appends to it, limited
	// only by Inflights.
	StateReplicate
	// StateSnapshot is for a follower that is behind the start of the
	// leader's log: the entries it lacks were compacted, so only a snapshot
	// can catch it up. No appends are sent meanwhile.
	StateSnapshot
)

var stateNames = [...]string{
	StateProbe:     "StateProbe",
	StateReplicate: "StateReplicate",
	StateSnapshot:  "StateSnapshot",
}

func (st StateType) String() string {
	if st < StateType(len(stateNames)) {
		return stateNames[st]
	}
	// State is an exported field, so any value can reach us; never panic.
	return "StateType(" + strconv.FormatUint(uint64(st), 10) + ")"
}
