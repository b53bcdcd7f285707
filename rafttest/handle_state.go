package rafttest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// raft-state prints one line per node: role, membership, term, leader,
// commit and applied index.
func (env *InteractionEnv) handleRaftState(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	if err := a.checkUsed(); err != nil {
		return err
	}
	nodes, err := env.targets(a)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		st := n.Status()
		member := membership(st.Config.Voters[0], st.Config.Voters[1], st.Config.Learners, st.ID)
		fmt.Fprintf(&env.out, "%d: %s (%s) Term:%d Lead:%d Commit:%d Applied:%d\n",
			st.ID, st.RaftState, member, st.Term, st.Lead, st.Commit, st.Applied)
	}
	return nil
}

// status ID prints the progress the node (a leader) tracks for each peer.
func (env *InteractionEnv) handleStatus(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	id, err := a.oneID()
	if err != nil {
		return err
	}
	if err := a.checkUsed(); err != nil {
		return err
	}
	n, err := env.node(id)
	if err != nil {
		return err
	}
	st := n.Status()
	if len(st.Progress) == 0 {
		fmt.Fprintf(&env.out, "node %d tracks no progress (it is %s)\n", id, st.RaftState)
		return nil
	}
	ids := make([]uint64, 0, len(st.Progress))
	for peer := range st.Progress {
		ids = append(ids, peer)
	}
	slices.Sort(ids)
	for _, peer := range ids {
		pr := st.Progress[peer]
		fmt.Fprintf(&env.out, "%d: %s\n", peer, pr.String())
	}
	return nil
}

// membership names id's role in a configuration; in a joint configuration
// it says which halves count the node's vote.
func membership(incoming, outgoing map[uint64]struct{}, learners map[uint64]struct{}, id uint64) string {
	_, in := incoming[id]
	_, out := outgoing[id]
	_, learner := learners[id]
	switch {
	case len(outgoing) == 0 && in:
		return "Voter"
	case in && out:
		return "Voter (incoming and outgoing)"
	case in:
		return "Voter (incoming)"
	case out:
		return "Voter (outgoing)"
	case learner:
		return "Learner"
	}
	return "Non-Voter"
}
