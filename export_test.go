package raft

// SetRandomizedElectionTimeout pins the node's current randomized election
// timeout to ticks, so a script can make an election fire after a known
// number of ticks. The next reset draws from the node's source again.
func SetRandomizedElectionTimeout(rn *RawNode, ticks int) {
	rn.raft.randomizedElectionTimeout = ticks
}
