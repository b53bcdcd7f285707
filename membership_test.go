package raft

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/tickraft/raft/raftpb"
)

func proposeCC(t *testing.T, tn *testNet, id uint64, cc pb.ConfChangeI) {
	t.Helper()
	if err := tn.nodes[id].ProposeConfChange(cc); err != nil {
		t.Fatal(err)
	}
	tn.settle()
}

func TestAddLearnerThenPromote(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.propose(1, "a")
	tn.addNode(4, nil, nil)
	proposeCC(t, tn, 1, pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 4})
	tn.tickAll(1)
	tn.propose(1, "b")
	if got := tn.appliedData(4); got != "[a b]" {
		t.Fatalf("learner applied %s", got)
	}
	if tn.nodes[4].raft.promotable() {
		t.Fatal("a learner must not be promotable")
	}
	proposeCC(t, tn, 1, pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: 4})
	cs := tn.nodes[4].raft.confState()
	if len(cs.Voters) != 4 || len(cs.Learners) != 0 {
		t.Fatalf("after promotion: %v", cs)
	}
}

func TestSecondConfChangeRefusedWhileOneIsUnapplied(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	rn := tn.nodes[1]
	if err := rn.ProposeConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 4}); err != nil {
		t.Fatal(err)
	}
	if err := rn.ProposeConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 5}); err != nil {
		t.Fatal(err)
	}
	last := rn.raft.raftLog.lastIndex()
	ents, err := rn.raft.raftLog.slice(last-1, last+1, unlimitedSize)
	if err != nil {
		t.Fatal(err)
	}
	if ents[0].Type != pb.EntryConfChange || ents[1].Type != pb.EntryNormal || len(ents[1].Data) != 0 {
		t.Fatalf("the second change must be replaced by an empty entry: %v", ents)
	}
	// A change the planner refuses (no voter left) is replaced too.
	tn.settle()
	if err := rn.ProposeConfChange(pb.ConfChangeV2{Transition: pb.ConfChangeTransitionJointExplicit, Changes: []pb.ConfChangeSingle{
		{Type: pb.ConfChangeRemoveNode, NodeID: 1}, {Type: pb.ConfChangeRemoveNode, NodeID: 2}, {Type: pb.ConfChangeRemoveNode, NodeID: 3}}}); err != nil {
		t.Fatal(err)
	}
	last = rn.raft.raftLog.lastIndex()
	if tm, _ := rn.raft.raftLog.term(last); tm != rn.raft.term {
		t.Fatal("the refused change was not appended as an entry")
	}
	ents, _ = rn.raft.raftLog.slice(last, last+1, unlimitedSize)
	if ents[0].Type != pb.EntryNormal {
		t.Fatalf("an invalid change was let through: %v", ents[0])
	}
	tn.settle()
	if cs := rn.raft.confState(); len(cs.Voters) != 3 {
		t.Fatalf("configuration changed: %v", cs)
	}
}

func TestJointAutoLeave(t *testing.T) {
	for _, tr := range []pb.ConfChangeTransition{pb.ConfChangeTransitionAuto, pb.ConfChangeTransitionJointImplicit} {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		tn.addNode(4, nil, nil)
		tn.addNode(5, nil, nil)
		cc := pb.ConfChangeV2{Transition: tr, Changes: []pb.ConfChangeSingle{
			{Type: pb.ConfChangeAddNode, NodeID: 4}, {Type: pb.ConfChangeAddNode, NodeID: 5}}}
		// No tick: the leave is proposed and sent as soon as the joint
		// configuration is applied on the leader.
		proposeCC(t, tn, 1, cc)
		for _, id := range tn.ids() {
			cs := tn.nodes[id].raft.confState()
			if len(cs.VotersOutgoing) != 0 || len(cs.Voters) != 5 {
				t.Errorf("transition %v: node %d still in %v", tr, id, cs)
			}
		}
	}
}

// A follower keeps a joint configuration compactly, AutoLeave included:
// when the leader that entered it is cut off before leaving it, the
// follower elected next holds the same configuration and leaves it on its
// own.
func TestJointAutoLeaveByNextLeader(t *testing.T) {
	tn := newTestNet(t, 4, nil)
	tn.elect(1)
	tn.drop = func(m pb.Message) bool { return m.From == 1 && m.Type == pb.MsgApp && carriesLeaveJoint(m) }
	proposeCC(t, tn, 1, pb.ConfChangeV2{Transition: pb.ConfChangeTransitionJointImplicit,
		Changes: []pb.ConfChangeSingle{{Type: pb.ConfChangeAddLearnerNode, NodeID: 4}}})
	lead, f := tn.nodes[1].Status().Config, tn.nodes[2].Status().Config
	if !lead.AutoLeave || len(lead.Voters[1]) == 0 || !cmp.Equal(f, lead) {
		t.Fatalf("follower 2 holds %s (%#v), leader 1 %s (%#v); want the same auto-leave joint configuration",
			f.String(), f, lead.String(), lead)
	}
	tn.drop = func(m pb.Message) bool { return m.From == 1 || m.To == 1 }
	tn.elect(2)
	for _, id := range []uint64{2, 3, 4} {
		cfg := tn.nodes[id].Status().Config
		if len(cfg.Voters[1]) != 0 || cfg.AutoLeave || len(cfg.Learners) != 1 {
			t.Errorf("node %d is in %s after 2 took over, want voters=(1 2 3) learners=(4)", id, cfg.String())
		}
	}
}

func TestJointExplicitNeedsLeave(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	proposeCC(t, tn, 1, pb.ConfChangeV2{Transition: pb.ConfChangeTransitionJointExplicit,
		Changes: []pb.ConfChangeSingle{{Type: pb.ConfChangeRemoveNode, NodeID: 3}}})
	if len(tn.nodes[1].raft.config().Voters[1]) == 0 {
		t.Fatal("not joint")
	}
	tn.tickAll(2)
	if len(tn.nodes[1].raft.config().Voters[1]) == 0 {
		t.Fatal("left an explicit joint config without being asked")
	}
	proposeCC(t, tn, 1, pb.ConfChangeV2{})
	if cs := tn.nodes[1].raft.confState(); len(cs.VotersOutgoing) != 0 || len(cs.Voters) != 2 {
		t.Fatalf("after leaving: %v", cs)
	}
}

func TestRemoveLeader(t *testing.T) {
	for _, stepDown := range []bool{false, true} {
		tn := newTestNet(t, 3, func(c *Config) { c.StepDownOnRemoval = stepDown })
		tn.elect(1)
		proposeCC(t, tn, 1, pb.ConfChange{Type: pb.ConfChangeRemoveNode, NodeID: 1})
		r := tn.nodes[1].raft
		if got := r.state == StateLeader; got == stepDown {
			t.Fatalf("stepDown=%v: removed leader is %v", stepDown, r.state)
		}
		if err := tn.nodes[1].Propose([]byte("x")); err == nil && r.state == StateLeader {
			t.Fatalf("stepDown=%v: a removed leader accepted a proposal", stepDown)
		}
		delete(tn.nodes, 1)
		tn.tickAll(30)
		var lead uint64
		for _, id := range tn.ids() {
			if tn.nodes[id].raft.state == StateLeader {
				lead = id
			}
		}
		if lead == 0 {
			t.Fatalf("stepDown=%v: the remaining nodes elected no leader", stepDown)
		}
		tn.propose(lead, "after")
		for _, id := range tn.ids() {
			if got := tn.appliedData(id); got != "[after]" {
				t.Errorf("stepDown=%v: node %d applied %s", stepDown, id, got)
			}
		}
	}
}

func TestRestartWithApplied(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	tn.elect(1)
	tn.propose(1, "a")
	tn.propose(1, "b")
	s := tn.stores[1]
	hs, _, _ := s.InitialState()
	c := newTestConfig(1, s)
	c.Applied = hs.Commit - 1
	rn, err := NewRawNode(c)
	if err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready()
	if len(rd.CommittedEntries) != 1 || string(rd.CommittedEntries[0].Data) != "b" {
		t.Fatalf("after restart: %v", rd.CommittedEntries)
	}
	if len(rd.Entries) != 0 || !IsEmptyHardState(rd.HardState) {
		t.Fatalf("a restart rewrites nothing: %v %v", rd.Entries, rd.HardState)
	}
	c.Applied = hs.Commit + 1
	if _, err := NewRawNode(c); err == nil {
		t.Fatal("Applied past the commit index must be refused")
	}
}

func TestBootstrapRefusesNonEmptyStorage(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	tn.settle()
	rn, err := NewRawNode(newTestConfig(1, tn.stores[1]))
	if err != nil {
		t.Fatal(err)
	}
	if rn.Bootstrap([]Peer{{ID: 1}}) == nil {
		t.Fatal("bootstrapped a non-empty storage")
	}
	if rn.Bootstrap(nil) == nil {
		t.Fatal("bootstrapped without peers")
	}
}
