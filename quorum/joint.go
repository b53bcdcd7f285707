package quorum

// JointConfig is a configuration of two groups of (possibly overlapping)
// majority configurations. Decisions require the support of both majorities.
// By convention c[0] is the incoming config and c[1] the outgoing one, which
// is empty outside a joint transition.
type JointConfig [2]MajorityConfig

// String renders the incoming config, followed by "&&" and the outgoing config
// when the latter is not empty, e.g. "(1 2 3)&&(1 2)".
func (c JointConfig) String() string {
	if len(c[1]) > 0 {
		return c[0].String() + "&&" + c[1].String()
	}
	return c[0].String()
}

// IDs returns a newly initialized map representing the set of voters present
// in the joint configuration.
func (c JointConfig) IDs() map[uint64]struct{} {
	ids := make(map[uint64]struct{}, len(c[0])+len(c[1]))
	for _, half := range c {
		for id := range half {
			ids[id] = struct{}{}
		}
	}
	return ids
}

// CommittedIndex returns the largest committed index for the given joint
// quorum: an index is jointly committed if it is committed in both halves.
// An empty half commits math.MaxUint64, so the other half decides alone.
func (c JointConfig) CommittedIndex(l AckedIndexer) Index {
	return min(c[0].CommittedIndex(l), c[1].CommittedIndex(l))
}

// VoteResult takes a mapping of voters to yes/no (true/false) votes and
// returns a result indicating whether the vote is pending, lost, or won.
// A joint quorum requires both majority quorums to vote in favor: the vote is
// lost as soon as either half loses, and won only once both have won.
func (c JointConfig) VoteResult(votes map[uint64]bool) VoteResult {
	incoming, outgoing := c[0].VoteResult(votes), c[1].VoteResult(votes)
	switch {
	case incoming == outgoing:
		return incoming
	case incoming == VoteLost || outgoing == VoteLost:
		return VoteLost
	default:
		return VotePending
	}
}
