// Package confchange plans membership changes: given the current
// configuration and progress of a raft group, it computes the configuration
// and progress map that result from a set of changes, or an error saying
// which safety rule the changes would break. It never mutates its input.
//
// Two kinds of transition exist. A simple change (Simple) alters the
// incoming voter set by at most one node, which is safe because any two
// majorities of configurations that differ by one voter intersect. Anything
// larger goes through joint consensus: EnterJoint copies the voters into an
// outgoing half and applies the changes to the incoming half, so that every
// decision needs a majority of both; LeaveJoint later drops the outgoing
// half.
package confchange

import (
	"errors"
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// Changer computes configuration changes against a ProgressTracker. The
// tracker is only read: every method works on copies and returns the new
// configuration and progress map, leaving it to the caller to install them.
// On error nothing is returned and nothing has changed.
//
// Changes apply in order and are idempotent. A change naming node 0 is
// skipped. ConfChangeUpdateNode changes neither membership nor progress
// (and, as in etcd v3.6, starts no progress for an unknown node): only the
// application's metadata carried in the change's context is updated.
type Changer struct {
	Tracker tracker.ProgressTracker
	// LastIndex is the leader's last log index; progress created for a new
	// node starts probing from it.
	LastIndex uint64
}

// EnterJoint turns the current configuration C into the joint
// configuration C_new && C, where C_new is C with ccs applied. If autoLeave
// is set, raft leaves the joint configuration by itself once it is
// committed; otherwise it stays joint until the application proposes an
// empty ConfChangeV2, which raft applies with LeaveJoint.
//
// A voter demoted to learner by ccs keeps voting in the outgoing half, so
// it waits in LearnersNext and becomes a learner in LeaveJoint.
func (c Changer) EnterJoint(autoLeave bool, ccs ...pb.ConfChangeSingle) (tracker.Config, tracker.ProgressMap, error) {
	cfg, prs, err := c.checkAndCopy()
	if err != nil {
		return c.fail(err)
	}
	if isJoint(cfg) {
		return c.fail(fmt.Errorf("confchange: cannot enter a joint config: already joint %s; leave it first", describeVoters(cfg)))
	}
	if len(incoming(cfg.Voters)) == 0 {
		// Joint consensus over an empty outgoing half would let the
		// incoming half decide alone, defeating its purpose.
		return c.fail(errors.New("confchange: cannot enter a joint config from a config with no voters"))
	}
	cfg.Voters[1] = cloneSet(incoming(cfg.Voters))
	if err := c.apply(&cfg, prs, ccs...); err != nil {
		return c.fail(err)
	}
	cfg.AutoLeave = autoLeave
	return c.checkAndReturn(cfg, prs)
}

// LeaveJoint turns the joint configuration C_new && C_old into C_new: the
// outgoing half is dropped, nodes waiting in LearnersNext become learners,
// and progress is dropped for outgoing voters that are in neither the
// incoming voters nor the learners.
func (c Changer) LeaveJoint() (tracker.Config, tracker.ProgressMap, error) {
	cfg, prs, err := c.checkAndCopy()
	if err != nil {
		return c.fail(err)
	}
	if !isJoint(cfg) {
		return c.fail(fmt.Errorf("confchange: cannot leave a joint config: config %s is not joint", describeVoters(cfg)))
	}
	for id := range cfg.LearnersNext {
		addTo(&cfg.Learners, id)
		prs[id].IsLearner = true
	}
	cfg.LearnersNext = nil
	for id := range outgoing(cfg.Voters) {
		_, isVoter := incoming(cfg.Voters)[id]
		_, isLearner := cfg.Learners[id]
		if !isVoter && !isLearner {
			delete(prs, id)
		}
	}
	cfg.Voters[1] = nil
	cfg.AutoLeave = false
	return c.checkAndReturn(cfg, prs)
}

// Simple applies ccs to a non-joint configuration, provided that taken
// together they add or remove at most one voter. Learners may be added,
// removed, promoted or demoted freely alongside.
func (c Changer) Simple(ccs ...pb.ConfChangeSingle) (tracker.Config, tracker.ProgressMap, error) {
	cfg, prs, err := c.checkAndCopy()
	if err != nil {
		return c.fail(err)
	}
	if isJoint(cfg) {
		return c.fail(fmt.Errorf("confchange: cannot make a simple change in joint config %s; leave it first", describeVoters(cfg)))
	}
	if err := c.apply(&cfg, prs, ccs...); err != nil {
		return c.fail(err)
	}
	if changed := symmetricDifference(incoming(c.Tracker.Voters), incoming(cfg.Voters)); len(changed) > 1 {
		return c.fail(fmt.Errorf("confchange: a simple change may alter at most one voter, but it would change voters %s, turning %s into %s; use joint consensus (EnterJoint)",
			describeIDs(changed), describeIDs(incoming(c.Tracker.Voters)), describeIDs(incoming(cfg.Voters))))
	}
	return c.checkAndReturn(cfg, prs)
}

// fail is the common error return, so that no caller ever sees a half-built
// configuration next to an error.
func (Changer) fail(err error) (tracker.Config, tracker.ProgressMap, error) {
	return tracker.Config{}, nil, err
}

// checkAndReturn verifies the planned configuration before handing it out.
func (c Changer) checkAndReturn(cfg tracker.Config, prs tracker.ProgressMap) (tracker.Config, tracker.ProgressMap, error) {
	if err := checkInvariants(cfg, prs); err != nil {
		return c.fail(fmt.Errorf("confchange: the planned configuration is inconsistent: %w", err))
	}
	return cfg, prs, nil
}

// checkAndCopy verifies the Changer's current configuration and returns a
// deep copy of it that the caller may modify freely.
func (c Changer) checkAndCopy() (tracker.Config, tracker.ProgressMap, error) {
	if err := checkInvariants(c.Tracker.Config, c.Tracker.Progress); err != nil {
		return tracker.Config{}, nil, fmt.Errorf("confchange: the current configuration is inconsistent: %w", err)
	}
	return cloneConfig(c.Tracker.Config), cloneProgress(c.Tracker.Progress), nil
}
