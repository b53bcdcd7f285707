package raft

import (
	"errors"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

func TestRawNodeStepRefusesLocalAndUnknownPeers(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	rn := tn.nodes[1]
	for _, typ := range []pb.MessageType{pb.MsgHup, pb.MsgBeat, pb.MsgStorageAppendResp, pb.MsgSnapStatus} {
		if err := rn.Step(pb.Message{Type: typ, From: 2, Term: 2}); !errors.Is(err, ErrStepLocalMsg) {
			t.Errorf("Step(%v from a peer) = %v, want ErrStepLocalMsg", typ, err)
		}
	}
	if err := rn.Step(pb.Message{Type: pb.MsgAppResp, From: 9, Term: 2}); !errors.Is(err, ErrStepPeerNotFound) {
		t.Errorf("a response from an unknown peer: %v", err)
	}
}

func TestDisableConfChangeValidation(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.DisableConfChangeValidation = true })
	tn.elect(1)
	rn := tn.nodes[1]
	for _, id := range []uint64{4, 5} {
		if err := rn.ProposeConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: id}); err != nil {
			t.Fatal(err)
		}
	}
	last := rn.raft.raftLog.lastIndex()
	ents, _ := rn.raft.raftLog.slice(last-1, last+1, unlimitedSize)
	if ents[0].Type != pb.EntryConfChange || ents[1].Type != pb.EntryConfChange {
		t.Fatalf("with validation disabled both changes are kept: %v", ents)
	}
	tn.settle()
	if got := len(rn.raft.config().Learners); got != 2 {
		t.Fatalf("%d learners", got)
	}
}

func TestForgetLeaderIgnoredWithLeaseReads(t *testing.T) {
	tn := newLeaseNet(t)
	if err := tn.nodes[2].ForgetLeader(); err != nil {
		t.Fatal(err)
	}
	if tn.nodes[2].raft.lead != 1 {
		t.Fatal("a lease-based follower must keep its leader")
	}
}

func TestTransferToLearnerOrSelfIgnored(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.addNode(4, nil, nil)
	proposeCC(t, tn, 1, pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 4})
	for _, to := range []uint64{4, 1, 9} {
		tn.nodes[1].TransferLeader(to)
		if got := tn.nodes[1].raft.leadTransferee; got != None {
			t.Fatalf("transfer to %d started (%d)", to, got)
		}
	}
	// A follower forwards the request to the leader.
	tn.nodes[2].TransferLeader(2)
	tn.settle()
	if tn.nodes[2].raft.state != StateLeader {
		t.Fatal("a forwarded transfer did not complete")
	}
}

func TestHeartbeatCommitNeedsLogOfThatLeader(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.propose(1, "a")
	r := tn.nodes[2].raft
	c := r.raftLog.committed
	// A new leader at term 9 heartbeats before it appended anything here:
	// this log was written under term 2, so its commit index is not taken.
	r.becomeFollower(9, 3)
	if err := r.step(pb.Message{Type: pb.MsgHeartbeat, From: 3, To: 2, Term: 9, Commit: r.raftLog.lastIndex()}); err != nil {
		t.Fatal(err)
	}
	if r.raftLog.committed != c {
		t.Fatalf("commit moved to %d on a heartbeat from a leader that did not write this log", r.raftLog.committed)
	}
}

func TestSingleVoterLeaderReplicatesToLearner(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	tn.elect(1)
	tn.addNode(2, nil, nil)
	proposeCC(t, tn, 1, pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 2})
	tn.tickAll(1)
	// Re-elect: the new leader's first append must reach the learner at
	// once, without waiting for a heartbeat.
	r := tn.nodes[1].raft
	r.becomeFollower(r.term, None)
	if err := tn.nodes[1].Campaign(); err != nil {
		t.Fatal(err)
	}
	// It wins when Advance steps its own vote, now durable.
	tn.handleReady(1)
	if r.state != StateLeader {
		t.Fatalf("node 1 is %v after its vote is durable, want leader", r.state)
	}
	sent := false
	for _, m := range r.msgs {
		sent = sent || (m.Type == pb.MsgApp && m.To == 2)
	}
	if !sent {
		t.Fatalf("no append to the learner on winning: %v", r.msgs)
	}
	tn.settle()
	if got, want := tn.nodes[2].raft.raftLog.lastIndex(), r.raftLog.lastIndex(); got != want {
		t.Fatalf("learner's log ends at %d, leader's at %d", got, want)
	}
}
