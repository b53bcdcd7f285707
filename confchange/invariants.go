package confchange

import (
	"errors"
	"fmt"

	"github.com/tickraft/raft/tracker"
)

// checkInvariants reports the first broken rule of a configuration and its
// progress map, checking nodes in ascending id order so that the report is
// deterministic:
//
//   - a learner is in neither voter half, and its progress says learner;
//   - a node in LearnersNext is an outgoing voter only (it is being
//     demoted), and its progress does not say learner yet;
//   - voters' progress does not say learner;
//   - progress exists for exactly the voters, learners and LearnersNext;
//   - a config that is not joint has no LearnersNext and no AutoLeave.
func checkInvariants(cfg tracker.Config, prs tracker.ProgressMap) error {
	if err := checkVoters(cfg, prs); err != nil {
		return err
	}
	if err := checkLearners(cfg, prs); err != nil {
		return err
	}
	if err := checkLearnersNext(cfg, prs); err != nil {
		return err
	}
	for _, id := range sortedIDs(prs) {
		if !isMember(cfg, id) {
			return fmt.Errorf("node %d has progress but is neither a voter nor a learner", id)
		}
	}
	if !isJoint(cfg) {
		if len(cfg.LearnersNext) > 0 {
			return fmt.Errorf("nodes %s are in LearnersNext but the config is not joint", describeIDs(cfg.LearnersNext))
		}
		if cfg.AutoLeave {
			return errors.New("AutoLeave is set but the config is not joint")
		}
	}
	return nil
}

func checkVoters(cfg tracker.Config, prs tracker.ProgressMap) error {
	for _, id := range sortedIDs(cfg.Voters.IDs()) {
		pr := prs[id]
		switch {
		case pr == nil:
			return fmt.Errorf("voter %d has no progress", id)
		case pr.IsLearner:
			return fmt.Errorf("voter %d has progress marked as learner", id)
		}
	}
	return nil
}

func checkLearners(cfg tracker.Config, prs tracker.ProgressMap) error {
	for _, id := range sortedIDs(cfg.Learners) {
		pr := prs[id]
		if _, ok := incoming(cfg.Voters)[id]; ok {
			return fmt.Errorf("node %d is both a learner and an incoming voter", id)
		}
		if _, ok := outgoing(cfg.Voters)[id]; ok {
			return fmt.Errorf("node %d is both a learner and an outgoing voter", id)
		}
		switch {
		case pr == nil:
			return fmt.Errorf("learner %d has no progress", id)
		case !pr.IsLearner:
			return fmt.Errorf("learner %d has progress not marked as learner", id)
		}
	}
	return nil
}

func checkLearnersNext(cfg tracker.Config, prs tracker.ProgressMap) error {
	for _, id := range sortedIDs(cfg.LearnersNext) {
		if _, ok := outgoing(cfg.Voters)[id]; !ok {
			return fmt.Errorf("node %d is in LearnersNext but is not an outgoing voter", id)
		}
		if _, ok := incoming(cfg.Voters)[id]; ok {
			return fmt.Errorf("node %d is in LearnersNext but is also an incoming voter", id)
		}
		if _, ok := cfg.Learners[id]; ok {
			return fmt.Errorf("node %d is in both LearnersNext and Learners", id)
		}
	}
	// Progress of these nodes is covered by checkVoters: they are outgoing
	// voters, and still vote as such.
	return nil
}

func isMember(cfg tracker.Config, id uint64) bool {
	_, in := incoming(cfg.Voters)[id]
	_, out := outgoing(cfg.Voters)[id]
	_, learner := cfg.Learners[id]
	return in || out || learner
}
