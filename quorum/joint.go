package quorum

// JointConfig pairs two majority configs, which may share voters, for the
// duration of a membership change; a decision needs a majority of each.
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

// IDs returns the union of both halves' voters as a new map that the caller
// may modify.
func (c JointConfig) IDs() map[uint64]struct{} {
	ids := make(map[uint64]struct{}, len(c[0])+len(c[1]))
	for _, half := range c {
		for id := range half {
			ids[id] = struct{}{}
		}
	}
	return ids
}

// CommittedIndex is the lower of the two halves' commit indexes, since an
// entry is committed only once each half has a majority holding it.
// An empty half commits math.MaxUint64, so the other half decides alone.
func (c JointConfig) CommittedIndex(l AckedIndexer) Index {
	return min(c[0].CommittedIndex(l), c[1].CommittedIndex(l))
}

// VoteResult tallies votes in each half, as MajorityConfig.VoteResult does.
// The vote is lost as soon as either half loses, and won only once both have
// won.
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
