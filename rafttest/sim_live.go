package rafttest

import (
	"fmt"
	"math"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// runLiveness stops the faults, heals the network and runs until the
// cluster settles: one leader that every node follows, with its whole log
// written, committed and applied by every node, and no proposal in flight. That must happen within
// simLivenessTicks ticks. Proposals still unapplied then are in no log, so
// they are definitively dropped.
func (s *Sim) runLiveness() error {
	s.faulty = false
	s.trace.addf(s, "faults stop")
	s.net.heal(s)
	for i := range s.net.flights {
		s.net.flights[i].due = min(s.net.flights[i].due, s.step+1)
	}
	limit := s.step + simLivenessTicks*simTickEvery
	start := s.step
	for ; s.step <= limit; s.step++ {
		if err := s.runStep(); err != nil {
			return err
		}
		if s.settled() {
			s.Stats.LivenessTicks = int((s.step-start)/simTickEvery + 1)
			s.Stats.ProposalsDropped += len(s.proposed)
			return s.checkDropped()
		}
	}
	return s.violation(fmt.Sprintf("liveness: the cluster did not settle within %d ticks after the faults stopped: %s",
		simLivenessTicks, s.describeNodes()))
}

func (s *Sim) settled() bool {
	// Heartbeats never stop, but a proposal on its way to the leader could
	// still be appended.
	for _, f := range s.net.flights {
		if f.m.Type == pb.MsgProp {
			return false
		}
	}
	var leader *simNode
	var lbs raft.BasicStatus
	for _, n := range s.nodes {
		if bs := n.rn.BasicStatus(); bs.RaftState == raft.StateLeader && (leader == nil || bs.Term > lbs.Term) {
			leader, lbs = n, bs
		}
	}
	if leader == nil || !leader.caughtUp() {
		return false
	}
	last, _ := leader.vol.LastIndex()
	if t, _ := leader.vol.Term(last); t != lbs.Term || lbs.Commit != last {
		return false
	}
	for _, n := range s.nodes {
		bs := n.rn.BasicStatus()
		if bs.Lead != leader.id || bs.Term != lbs.Term || n.applied != last {
			return false
		}
	}
	return true
}

func (s *Sim) describeNodes() string {
	var out string
	for _, n := range s.nodes {
		bs := n.rn.BasicStatus()
		last, _ := n.vol.LastIndex()
		out += fmt.Sprintf("\n  node %d: %s term %d lead %d commit %d applied %d last %d idle %t",
			n.id, bs.RaftState, bs.Term, bs.Lead, bs.Commit, n.applied, last, n.idle())
	}
	return out + fmt.Sprintf("\n  %d messages in flight", len(s.net.flights))
}

// checkDropped confirms that the proposals never applied are in no log, so
// that counting them as dropped is right.
func (s *Sim) checkDropped() error {
	for _, n := range s.nodes {
		first, _ := n.vol.FirstIndex()
		last, _ := n.vol.LastIndex()
		if last < first {
			continue
		}
		ents, err := n.vol.Entries(first, last+1, math.MaxUint64)
		if err != nil {
			return s.violation(fmt.Sprintf("liveness: reading node %d's log: %v", n.id, err))
		}
		for _, e := range ents {
			if s.proposed[string(e.Data)] {
				return s.violation(fmt.Sprintf("liveness: proposal %q is at %d/%d in node %d's log but was never applied",
					e.Data, e.Index, e.Term, n.id))
			}
		}
	}
	return nil
}
