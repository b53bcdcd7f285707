package tracker

import "strconv"

// StateType is the state of a tracked follower.
type StateType uint64

const (
	// StateProbe indicates a follower whose last index isn't known. The
	// leader sends it at most one append at a time and waits for the answer,
	// which either confirms Next-1 or hints where the logs diverge.
	StateProbe StateType = iota
	// StateReplicate indicates a follower whose log is known to match the
	// leader's up to Match; the leader streams appends to it, limited only
	// by Inflights.
	StateReplicate
	// StateSnapshot indicates a follower that needs entries the leader has
	// already compacted. It has to install a snapshot before it can receive
	// appends again.
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
