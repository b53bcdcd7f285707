package raft

import (
	"errors"
	"fmt"

	"github.com/tickraft/raft/confchange"
	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

func isConfChangeEntry(e *pb.Entry) bool {
	return e.Type == pb.EntryConfChange || e.Type == pb.EntryConfChangeV2
}

// confChangeOf decodes a conf change entry into its V2 form.
func confChangeOf(e *pb.Entry) (pb.ConfChangeV2, error) {
	switch e.Type {
	case pb.EntryConfChange:
		var cc pb.ConfChange
		if err := cc.Unmarshal(e.Data); err != nil {
			return pb.ConfChangeV2{}, err
		}
		return cc.AsV2(), nil
	case pb.EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if err := cc.Unmarshal(e.Data); err != nil {
			return pb.ConfChangeV2{}, err
		}
		return cc, nil
	}
	return pb.ConfChangeV2{}, fmt.Errorf("entry type %s is not a conf change", e.Type)
}

// checkConfChangeProposal refuses a conf change proposal that could not be
// applied safely. At most one conf change may be unapplied, so when there
// is none pending, the tracker's configuration is the latest one in the log
// and the change is checked against it by planning it (the planner only
// reads the tracker). DisableConfChangeValidation skips the checks.
func (r *raft) checkConfChangeProposal(e *pb.Entry) error {
	cc, err := confChangeOf(e)
	if err != nil {
		return fmt.Errorf("undecodable conf change: %w", err)
	}
	if r.cfg.DisableConfChangeValidation {
		return nil
	}
	if r.pendingConfIndex > r.raftLog.applied {
		return fmt.Errorf("possible unapplied conf change at index %d (applied to %d)", r.pendingConfIndex, r.raftLog.applied)
	}
	joint := len(r.trk.Voters[1]) > 0
	switch {
	case joint && !cc.LeaveJoint():
		return errors.New("must transition out of joint config first")
	case !joint && cc.LeaveJoint():
		return errors.New("not in joint state; refusing empty conf change")
	}
	_, _, err = r.planConfChange(cc)
	return err
}

// planConfChange computes the configuration cc leads to from the current
// one, without installing it.
func (r *raft) planConfChange(cc pb.ConfChangeV2) (tracker.Config, tracker.ProgressMap, error) {
	trk := r.trk
	if trk == nil {
		// A follower keeps no tracker; the changer checks the
		// configuration against the Progresses and copies them.
		trk = r.newTracker(r.conf.config())
		_, trk.Progress = r.freshProgress()
	}
	changer := confchange.Changer{Tracker: *trk, LastIndex: r.raftLog.lastIndex()}
	if cc.LeaveJoint() {
		return changer.LeaveJoint()
	}
	if autoLeave, ok := cc.EnterJoint(); ok {
		return changer.EnterJoint(autoLeave, cc.Changes...)
	}
	return changer.Simple(cc.Changes...)
}

// applyConfChange installs the configuration cc leads to. The application
// calls it when applying a conf change entry; a change that cannot be
// applied was either refused at proposal or let through by
// DisableConfChangeValidation, so failing here is a broken local contract.
func (r *raft) applyConfChange(cc pb.ConfChangeV2) pb.ConfState {
	cfg, prs, err := r.planConfChange(cc)
	if err != nil {
		r.logger.Panicf("raft: an applied conf change must be valid for the current configuration: %v", err)
	}
	return r.switchToConfig(cfg, prs)
}

// restoreConfig builds the configuration of a snapshot's ConfState.
func (r *raft) restoreConfig(cs pb.ConfState, last uint64) (tracker.Config, tracker.ProgressMap, error) {
	empty := tracker.MakeProgressTracker(r.cfg.MaxInflightMsgs, r.cfg.MaxInflightBytes)
	return confchange.Restore(confchange.Changer{Tracker: empty, LastIndex: last}, cs)
}

// switchToConfig installs a configuration and reacts to it: a leader that
// is no longer a voter steps down if so configured, and a leader
// re-evaluates commit and replication for the new set of voters.
func (r *raft) switchToConfig(cfg tracker.Config, prs tracker.ProgressMap) pb.ConfState {
	var cs pb.ConfState
	if r.state == StateFollower {
		t := tracker.ProgressTracker{Config: cfg}
		cs = t.ConfState()
		r.installCompact(&cfg)
	} else {
		r.trk.Config, r.trk.Progress = cfg, prs
		r.indexPeers()
		cs = r.trk.ConfState()
	}
	pr := prs[r.id]
	if (pr == nil || pr.IsLearner) && r.state == StateLeader {
		if r.cfg.StepDownOnRemoval {
			r.becomeFollower(r.term, None)
		}
		// Otherwise the leader keeps leading without counting itself, so
		// that the change can commit; the application removes it.
		return cs
	}
	if r.state != StateLeader || len(cs.Voters) == 0 {
		return cs
	}
	if r.maybeCommit() {
		r.bcastAppend()
	} else {
		for _, p := range r.peers {
			if p.id != r.id {
				r.maybeSendAppend(p.id, p.pr)
			}
		}
	}
	if _, ok := r.trk.Progress[r.leadTransferee]; !ok && r.leadTransferee != None {
		r.abortLeaderTransfer()
	}
	return cs
}

// hasUnappliedConfChanges reports whether a committed conf change is not
// applied yet. The scan is paged; a storage error counts as "yes", which
// only delays a campaign.
func (r *raft) hasUnappliedConfChanges() bool {
	if r.raftLog.applied >= r.raftLog.committed {
		return false
	}
	lo, hi := r.raftLog.applied+1, r.raftLog.committed+1
	const pageSize = 1 << 20
	for lo < hi {
		ents, err := r.raftLog.slice(lo, hi, pageSize)
		if err != nil {
			r.logger.Errorf("%x cannot scan for unapplied conf changes: %v", r.id, err)
			return true
		}
		for i := range ents {
			if isConfChangeEntry(&ents[i]) {
				return true
			}
		}
		lo += uint64(len(ents))
	}
	return false
}

// maybeAutoLeave proposes leaving a joint configuration entered with
// AutoLeave once that configuration is applied, and sends it at once.
func (r *raft) maybeAutoLeave() {
	if r.state != StateLeader || !r.trk.AutoLeave || r.raftLog.applied < r.pendingConfIndex {
		return
	}
	data, err := (&pb.ConfChangeV2{}).Marshal()
	if err != nil {
		r.logger.Panicf("raft: an empty ConfChangeV2 must marshal: %v", err)
	}
	if !r.appendEntry(pb.Entry{Type: pb.EntryConfChangeV2, Data: data}) {
		r.logger.Debugf("%x could not propose leaving the joint config yet", r.id)
		return
	}
	r.pendingConfIndex = r.raftLog.lastIndex()
	r.logger.Infof("%x initiating automatic transition out of joint configuration %s", r.id, r.trk.Config)
	r.bcastAppend()
}
