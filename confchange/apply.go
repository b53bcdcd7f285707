package confchange

import (
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// apply carries out ccs, in order, on the incoming half of cfg and on prs.
// Each change is idempotent: adding a node that already has the role, or
// removing one that is absent, changes nothing.
func (c Changer) apply(cfg *tracker.Config, prs tracker.ProgressMap, ccs ...pb.ConfChangeSingle) error {
	for i, cc := range ccs {
		if cc.NodeID == 0 {
			// Node id 0 means "none" throughout raft; etcd proposes such
			// changes as no-ops, so they are skipped rather than refused.
			continue
		}
		switch cc.Type {
		case pb.ConfChangeAddNode:
			c.makeVoter(cfg, prs, cc.NodeID)
		case pb.ConfChangeAddLearnerNode:
			c.makeLearner(cfg, prs, cc.NodeID)
		case pb.ConfChangeRemoveNode:
			remove(cfg, prs, cc.NodeID)
		case pb.ConfChangeUpdateNode:
			// Only the application's metadata (the change's context)
			// changes; membership and progress stay as they are.
		default:
			return fmt.Errorf("confchange: change %d of %d has unknown type %d (node %d)", i+1, len(ccs), cc.Type, cc.NodeID)
		}
	}
	if len(incoming(cfg.Voters)) == 0 {
		return fmt.Errorf("confchange: after changes %s the config would have no voters (it had %s); a configuration needs at least one voter",
			Describe(ccs...), describeIDs(incoming(c.Tracker.Voters)))
	}
	return nil
}

// makeVoter adds id to the incoming voters, promoting it if it is a learner
// or was about to become one.
func (c Changer) makeVoter(cfg *tracker.Config, prs tracker.ProgressMap, id uint64) {
	pr := prs[id]
	if pr == nil {
		c.initProgress(cfg, prs, id, false)
		return
	}
	pr.IsLearner = false
	removeFrom(&cfg.Learners, id)
	removeFrom(&cfg.LearnersNext, id)
	incoming(cfg.Voters)[id] = struct{}{}
}

// makeLearner makes id a learner of the incoming configuration. A node that
// is still an outgoing voter cannot also be a learner, so its demotion is
// staged in LearnersNext until the joint configuration is left.
func (c Changer) makeLearner(cfg *tracker.Config, prs tracker.ProgressMap, id uint64) {
	pr := prs[id]
	if pr == nil {
		c.initProgress(cfg, prs, id, true)
		return
	}
	if pr.IsLearner {
		return
	}
	// Drop every current role, but keep the progress: the node's log
	// position is still known and the node stays in the group.
	remove(cfg, prs, id)
	prs[id] = pr
	if _, stillVoting := outgoing(cfg.Voters)[id]; stillVoting {
		addTo(&cfg.LearnersNext, id)
		return
	}
	pr.IsLearner = true
	addTo(&cfg.Learners, id)
}

// remove takes id out of the incoming configuration. Its progress is kept
// while it is still an outgoing voter, which needs it to count votes and
// acknowledgements until the joint configuration is left.
func remove(cfg *tracker.Config, prs tracker.ProgressMap, id uint64) {
	if _, ok := prs[id]; !ok {
		return
	}
	delete(incoming(cfg.Voters), id)
	removeFrom(&cfg.Learners, id)
	removeFrom(&cfg.LearnersNext, id)
	if _, stillVoting := outgoing(cfg.Voters)[id]; !stillVoting {
		delete(prs, id)
	}
}

// initProgress adds a node the group has never tracked, as a voter or a
// learner.
func (c Changer) initProgress(cfg *tracker.Config, prs tracker.ProgressMap, id uint64, isLearner bool) {
	if isLearner {
		addTo(&cfg.Learners, id)
	} else {
		incoming(cfg.Voters)[id] = struct{}{}
	}
	prs[id] = &tracker.Progress{
		// The new node's log is unknown; probing starts at the leader's
		// last index (Next must stay above Match, hence at least 1).
		Match:     0,
		Next:      max(c.LastIndex, 1),
		Inflights: tracker.NewInflights(c.Tracker.MaxInflight, c.Tracker.MaxInflightBytes),
		IsLearner: isLearner,
		// A node that has just joined has had no chance to talk to the
		// leader yet; counting it inactive would let CheckQuorum depose a
		// leader that is in fact healthy.
		RecentActive: true,
	}
}
