package rafttest

import (
	"fmt"
	"maps"
	"slices"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// Membership churn (SimOptions.Churn): the leader demotes voters to
// learners and promotes learners back, one at a time (v1, or v2 simple) or
// two at once through a joint configuration, and sometimes demotes itself.
// The set of node IDs never changes, so every node always exists; at least
// three voters remain.

// churnStorage is vol as raft sees it: its InitialState reports the
// configuration as of the applied index, which may be past the snapshot.
type churnStorage struct {
	*raft.MemoryStorage
	cs pb.ConfState
}

func (st churnStorage) InitialState() (pb.HardState, pb.ConfState, error) {
	hs, _, err := st.MemoryStorage.InitialState()
	return hs, st.cs, err
}

// confAt returns the configuration in effect once index is applied.
func (n *simNode) confAt(index uint64) pb.ConfState {
	for i := len(n.confs) - 1; i >= 0; i-- {
		if n.confs[i].index <= index {
			return n.confs[i].cs
		}
	}
	panic(fmt.Sprintf("node %d has no configuration at index %d", n.id, index))
}

// applyConfChange applies a committed conf change entry.
func (n *simNode) applyConfChange(e pb.Entry) {
	var cc pb.ConfChangeI
	switch e.Type {
	case pb.EntryConfChange:
		var v1 pb.ConfChange
		mustOK(v1.Unmarshal(e.Data))
		cc = v1
	case pb.EntryConfChangeV2:
		var v2 pb.ConfChangeV2
		mustOK(v2.Unmarshal(e.Data))
		cc = v2
	default:
		return
	}
	cs := n.rn.ApplyConfChange(cc)
	n.s.Stats.Reconfigured++
	n.confs = append(n.confs, indexedConf{index: e.Index, cs: *cs})
}

// churn proposes a membership change at the leader.
func (s *Sim) churn() {
	var leader *simNode
	for _, n := range s.nodes {
		if n.rn.BasicStatus().RaftState == raft.StateLeader {
			leader = n
		}
	}
	if leader == nil {
		return
	}
	cfg := leader.rn.Status().Config
	if len(cfg.Voters[1]) > 0 {
		return // joint: wait for the automatic leave
	}
	voters := slices.Sorted(maps.Keys(cfg.Voters[0]))
	learners := slices.Sorted(maps.Keys(cfg.Learners))
	var changes []pb.ConfChangeSingle
	demote := func() {
		if len(voters) > 3 {
			id := voters[s.rng.IntN(len(voters))]
			if s.rng.IntN(4) == 0 {
				id = leader.id // replace the leader
			}
			changes = append(changes, pb.ConfChangeSingle{Type: pb.ConfChangeAddLearnerNode, NodeID: id})
		}
	}
	promote := func() {
		if len(learners) > 0 {
			id := learners[s.rng.IntN(len(learners))]
			changes = append(changes, pb.ConfChangeSingle{Type: pb.ConfChangeAddNode, NodeID: id})
		}
	}
	if s.rng.IntN(2) == 0 {
		demote()
	} else {
		promote()
	}
	if len(changes) == 0 {
		return
	}
	var cc pb.ConfChangeI
	switch s.rng.IntN(3) {
	case 0:
		cc = pb.ConfChange{Type: changes[0].Type, NodeID: changes[0].NodeID}
	case 1:
		cc = pb.ConfChangeV2{Changes: changes}
	default:
		// A swap through a joint configuration, left automatically.
		if changes[0].Type == pb.ConfChangeAddNode {
			demote()
		} else {
			promote()
		}
		cc = pb.ConfChangeV2{Changes: changes}
	}
	err := leader.rn.ProposeConfChange(cc)
	if err == nil {
		s.Stats.ConfChanges++
	}
	s.trace.addf(s, "propose conf change %v at %d: %v", changes, leader.id, err)
}
