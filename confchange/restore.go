package confchange

import (
	"fmt"
	"strings"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// Restore builds the configuration described by cs, with fresh progress for
// every node, by replaying it as changes on chg, whose tracker must hold an
// empty configuration. An empty ConfState restores an empty configuration.
//
// A joint ConfState is replayed by first building its outgoing voters one
// simple change at a time and then entering the joint config with the
// incoming voters, learners and LearnersNext; so the result is exactly what
// the original sequence of EnterJoint calls produced.
func Restore(chg Changer, cs pb.ConfState) (tracker.Config, tracker.ProgressMap, error) {
	if err := validateConfState(cs); err != nil {
		return chg.fail(err)
	}
	if err := checkEmpty(chg.Tracker); err != nil {
		return chg.fail(err)
	}
	// chg is our copy, but its maps are the caller's: replace them before
	// anything can be returned.
	chg.Tracker.Config = cloneConfig(chg.Tracker.Config)
	chg.Tracker.Progress = cloneProgress(chg.Tracker.Progress)

	outgoingSteps, incomingSteps := restoreSteps(cs)
	steps := incomingSteps
	if len(outgoingSteps) > 0 {
		steps = outgoingSteps
	}
	for _, cc := range steps {
		cfg, prs, err := chg.Simple(cc)
		if err != nil {
			return chg.fail(fmt.Errorf("confchange: restoring %s: %w", describeConfState(cs), err))
		}
		chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	}
	if len(outgoingSteps) == 0 {
		return chg.Tracker.Config, chg.Tracker.Progress, nil
	}
	cfg, prs, err := chg.EnterJoint(cs.AutoLeave, incomingSteps...)
	if err != nil {
		return chg.fail(fmt.Errorf("confchange: restoring %s: %w", describeConfState(cs), err))
	}
	return cfg, prs, nil
}

// restoreSteps returns the changes that build the outgoing voters (each a
// simple change) and those that then turn them into the incoming config. If
// the ConfState is not joint, the first list is empty and the second one
// builds the config one simple change at a time.
func restoreSteps(cs pb.ConfState) (outgoingSteps, incomingSteps []pb.ConfChangeSingle) {
	for _, id := range cs.VotersOutgoing {
		outgoingSteps = append(outgoingSteps, pb.ConfChangeSingle{Type: pb.ConfChangeAddNode, NodeID: id})
	}
	// Entering the joint config copies the outgoing voters into the
	// incoming half, so they are removed first and Voters added back.
	for _, id := range cs.VotersOutgoing {
		incomingSteps = append(incomingSteps, pb.ConfChangeSingle{Type: pb.ConfChangeRemoveNode, NodeID: id})
	}
	for _, id := range cs.Voters {
		incomingSteps = append(incomingSteps, pb.ConfChangeSingle{Type: pb.ConfChangeAddNode, NodeID: id})
	}
	for _, id := range cs.Learners {
		incomingSteps = append(incomingSteps, pb.ConfChangeSingle{Type: pb.ConfChangeAddLearnerNode, NodeID: id})
	}
	// A learner that is still an outgoing voter lands in LearnersNext.
	for _, id := range cs.LearnersNext {
		incomingSteps = append(incomingSteps, pb.ConfChangeSingle{Type: pb.ConfChangeAddLearnerNode, NodeID: id})
	}
	return outgoingSteps, incomingSteps
}

// validateConfState rejects a ConfState that no sequence of changes could
// have produced; replaying it would silently yield a different config.
func validateConfState(cs pb.ConfState) error {
	wrap := func(format string, args ...any) error {
		return fmt.Errorf("confchange: invalid ConfState %s: %s", describeConfState(cs), fmt.Sprintf(format, args...))
	}
	voters, learners := toSet(cs.Voters), toSet(cs.Learners)
	out, next := toSet(cs.VotersOutgoing), toSet(cs.LearnersNext)
	lists := []struct {
		name string
		set  map[uint64]struct{}
	}{{"Voters", voters}, {"VotersOutgoing", out}, {"Learners", learners}, {"LearnersNext", next}}
	for _, l := range lists {
		if _, ok := l.set[0]; ok {
			return wrap("node id 0 in %s", l.name)
		}
	}
	if len(voters) == 0 && (len(learners) > 0 || len(out) > 0 || len(next) > 0) {
		return wrap("no voters; a configuration needs at least one voter")
	}
	for _, id := range sortedIDs(learners) {
		if _, ok := voters[id]; ok {
			return wrap("node %d is both a voter and a learner", id)
		}
		if _, ok := out[id]; ok {
			return wrap("node %d is both an outgoing voter and a learner; a demoted voter belongs in LearnersNext", id)
		}
	}
	for _, id := range sortedIDs(next) {
		if _, ok := out[id]; !ok {
			return wrap("node %d is in LearnersNext but is not an outgoing voter", id)
		}
		if _, ok := voters[id]; ok {
			return wrap("node %d is in LearnersNext but is also a voter", id)
		}
		// Not a learner either: learners were checked against the
		// outgoing voters above.
	}
	if cs.AutoLeave && len(out) == 0 {
		return wrap("AutoLeave is set but the config is not joint")
	}
	return nil
}

// checkEmpty enforces Restore's precondition: restoring on top of an
// existing configuration would merge the two.
func checkEmpty(trk tracker.ProgressTracker) error {
	if len(trk.Voters.IDs()) > 0 || len(trk.Learners) > 0 || len(trk.LearnersNext) > 0 || len(trk.Progress) > 0 || trk.AutoLeave {
		return fmt.Errorf("confchange: Restore needs a Changer with an empty configuration, but it has voters %s, learners %s and %d progress entries",
			describeVoters(trk.Config), describeIDs(trk.Learners), len(trk.Progress))
	}
	return nil
}

func toSet(ids []uint64) map[uint64]struct{} {
	set := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return set
}

// describeConfState renders cs like a Config, keeping the order of its
// lists, e.g. "voters=(1 2)&&(1 2 3) learners=(4) learners_next=(3) autoleave".
func describeConfState(cs pb.ConfState) string {
	s := "voters=" + describeList(cs.Voters)
	if len(cs.VotersOutgoing) > 0 {
		s += "&&" + describeList(cs.VotersOutgoing)
	}
	if len(cs.Learners) > 0 {
		s += " learners=" + describeList(cs.Learners)
	}
	if len(cs.LearnersNext) > 0 {
		s += " learners_next=" + describeList(cs.LearnersNext)
	}
	if cs.AutoLeave {
		s += " autoleave"
	}
	return s
}

func describeList(ids []uint64) string {
	return "(" + strings.Trim(fmt.Sprint(ids), "[]") + ")"
}
