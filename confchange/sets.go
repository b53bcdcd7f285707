package confchange

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tickraft/raft/quorum"
	"github.com/tickraft/raft/tracker"
)

// incoming is the half of a joint config that changes apply to; it is the
// whole voter set when the config is not joint.
func incoming(voters quorum.JointConfig) quorum.MajorityConfig { return voters[0] }

// outgoing is the voter set being left behind; empty unless joint.
func outgoing(voters quorum.JointConfig) quorum.MajorityConfig { return voters[1] }

func isJoint(cfg tracker.Config) bool { return len(outgoing(cfg.Voters)) > 0 }

// addTo adds id to *set, allocating the set on first use: Learners and
// LearnersNext stay nil while empty, as in the configs raft builds.
func addTo(set *map[uint64]struct{}, id uint64) {
	if *set == nil {
		*set = map[uint64]struct{}{}
	}
	(*set)[id] = struct{}{}
}

// removeFrom deletes id from *set; the set becomes nil when emptied, so that
// an empty set is always represented the same way.
func removeFrom(set *map[uint64]struct{}, id uint64) {
	delete(*set, id)
	if len(*set) == 0 {
		*set = nil
	}
}

func symmetricDifference(a, b map[uint64]struct{}) map[uint64]struct{} {
	diff := map[uint64]struct{}{}
	for id := range a {
		if _, ok := b[id]; !ok {
			diff[id] = struct{}{}
		}
	}
	for id := range b {
		if _, ok := a[id]; !ok {
			diff[id] = struct{}{}
		}
	}
	return diff
}

func sortedIDs[V any](set map[uint64]V) []uint64 {
	ids := make([]uint64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// describeIDs renders a set of ids as "(1 2 3)", in ascending order so that
// error messages are deterministic.
func describeIDs(set map[uint64]struct{}) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, id := range sortedIDs(set) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(id, 10))
	}
	b.WriteByte(')')
	return b.String()
}

// describeVoters renders the voters as "(1 2)" or, when joint, as
// "(1 2)&&(1 2 3)" with the incoming half first.
func describeVoters(cfg tracker.Config) string {
	s := describeIDs(incoming(cfg.Voters))
	if isJoint(cfg) {
		s += "&&" + describeIDs(outgoing(cfg.Voters))
	}
	return s
}

func cloneSet[S ~map[uint64]struct{}](set S) S {
	if set == nil {
		return nil
	}
	c := make(S, len(set))
	for id := range set {
		c[id] = struct{}{}
	}
	return c
}

// cloneConfig returns a copy of cfg sharing no maps with it. The incoming
// voter set is always allocated, since changes write into it.
func cloneConfig(cfg tracker.Config) tracker.Config {
	in := cloneSet(incoming(cfg.Voters))
	if in == nil {
		in = quorum.MajorityConfig{}
	}
	return tracker.Config{
		Voters:       quorum.JointConfig{in, cloneSet(outgoing(cfg.Voters))},
		AutoLeave:    cfg.AutoLeave,
		Learners:     cloneSet(cfg.Learners),
		LearnersNext: cloneSet(cfg.LearnersNext),
	}
}

// cloneProgress copies every Progress, Inflights included, so that the
// planned map can be modified without touching the tracker's.
func cloneProgress(prs tracker.ProgressMap) tracker.ProgressMap {
	c := make(tracker.ProgressMap, len(prs))
	for id, pr := range prs {
		cp := *pr
		if pr.Inflights != nil {
			cp.Inflights = pr.Inflights.Clone()
		}
		c[id] = &cp
	}
	return c
}
