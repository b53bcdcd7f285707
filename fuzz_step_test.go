package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// FuzzStepMessage steps an arbitrary decoded message into every node of a
// live cluster caught in one of several states (fuzzStates), then lets the
// cluster run: nothing a peer sends may panic or make two nodes commit
// different entries. Errors from Step are allowed. The first input byte
// picks the state; the rest is the message.
func FuzzStepMessage(f *testing.F) {
	seeds := []pb.Message{
		{Type: pb.MsgApp, From: 2, To: 1, Term: 2, Index: 3, LogTerm: 1, Entries: []pb.Entry{{Index: 4, Term: 2}}},
		{Type: pb.MsgAppResp, From: 2, To: 1, Term: 2, Index: 1 << 40, Reject: true, RejectHint: 7},
		{Type: pb.MsgSnap, From: 2, To: 1, Term: 3, Snapshot: &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 9, Term: 3}}},
		{Type: pb.MsgHeartbeatResp, From: 3, To: 1, Term: 2, Context: []byte{0, 0, 0, 0, 0, 0, 0, 9}},
		{Type: pb.MsgHeartbeatResp, From: 3, To: 1, Term: 2, Context: []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 200}},
		{Type: pb.MsgReadIndex, From: 3, To: 1},
		{Type: pb.MsgVote, From: 3, To: 1, Term: 5, Index: 100, LogTerm: 4},
		{Type: pb.MsgPreVoteResp, From: 3, To: 2, Term: 3},
		{Type: pb.MsgTimeoutNow, From: 1, To: 2, Term: 2},
		{Type: pb.MsgTransferLeader, From: 3, To: 1, Term: 2},
	}
	for i, m := range seeds {
		b, err := m.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{byte(i % len(fuzzStates))}, b...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		var m pb.Message
		if m.Unmarshal(in[1:]) != nil {
			return
		}
		st := fuzzStates[int(in[0])%len(fuzzStates)]
		tn := st.build(t)
		for _, id := range tn.ids() {
			m.To = id
			_ = tn.nodes[id].Step(m)
		}
		tn.drop, tn.holdStorage = nil, false
		tn.tickAll(2)
		checkCommittedPrefixes(t, 0, tn)
	})
}

// fuzzState is a cluster caught in a state worth stepping messages into.
type fuzzState struct {
	name  string
	build func(t *testing.T) *testNet
}

// fuzzStates are the roles and states FuzzStepMessage covers; each build
// leaves the cluster mid-way, without settling what is in flight.
var fuzzStates = []fuzzState{
	{"leader with followers", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		tn.propose(1, "a")
		return tn
	}},
	{"pre-candidate, CheckQuorum", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, func(c *Config) { c.PreVote, c.CheckQuorum = true, true })
		tn.elect(1)
		campaignUnsettled(t, tn, 2)
		return tn
	}},
	{"candidate", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		campaignUnsettled(t, tn, 2)
		return tn
	}},
	{"joint configuration left explicitly", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		tn.addNode(4, nil, nil)
		proposeCC(t, tn, 1, pb.ConfChangeV2{Transition: pb.ConfChangeTransitionJointExplicit, Changes: []pb.ConfChangeSingle{
			{Type: pb.ConfChangeAddNode, NodeID: 4}, {Type: pb.ConfChangeRemoveNode, NodeID: 3}}})
		return tn
	}},
	{"learner", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		tn.addNode(4, nil, nil)
		proposeCC(t, tn, 1, pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 4})
		tn.propose(1, "a")
		return tn
	}},
	{"leader transferring to a lagging follower", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		tn.drop = func(m pb.Message) bool { return m.To == 2 }
		tn.propose(1, "a")
		tn.nodes[1].TransferLeader(2)
		return tn
	}},
	{"async storage with writes queued", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, func(c *Config) { c.AsyncStorageWrites = true })
		tn.elect(1)
		tn.holdStorage = true
		if err := tn.nodes[1].Propose([]byte("a")); err != nil {
			t.Fatal(err)
		}
		tn.settle()
		return tn
	}},
	{"lease reads waiting", func(t *testing.T) *testNet {
		tn := newLeaseNet(t)
		tn.nodes[1].ReadIndex([]byte("r"))
		tn.nodes[2].ReadIndex([]byte("f"))
		return tn
	}},
	{"follower behind a compacted leader", func(t *testing.T) *testNet {
		tn := newTestNet(t, 3, nil)
		tn.elect(1)
		tn.drop = func(m pb.Message) bool { return m.To == 3 }
		tn.propose(1, "a")
		tn.propose(1, "b")
		tn.compact(1)
		tn.drop = nil
		tn.nodes[1].Tick() // a heartbeat starts node 3's catch-up
		return tn
	}},
}

// campaignUnsettled makes id campaign and hands its vote requests to the
// network without delivering them.
func campaignUnsettled(t *testing.T, tn *testNet, id uint64) {
	t.Helper()
	if err := tn.nodes[id].Campaign(); err != nil {
		t.Fatal(err)
	}
	tn.handleReady(id)
}

// TestFuzzStatesReachTheirState checks that each fuzzState builds what its
// name says, so that the fuzz target covers what it claims to.
func TestFuzzStatesReachTheirState(t *testing.T) {
	checks := map[string]func(tn *testNet) bool{
		"leader with followers":      func(tn *testNet) bool { return tn.nodes[1].raft.state == StateLeader },
		"pre-candidate, CheckQuorum": func(tn *testNet) bool { return tn.nodes[2].raft.state == StatePreCandidate },
		"candidate":                  func(tn *testNet) bool { return tn.nodes[2].raft.state == StateCandidate },
		"joint configuration left explicitly": func(tn *testNet) bool {
			return len(tn.nodes[1].raft.config().Voters[1]) > 0 && !tn.nodes[1].raft.config().AutoLeave
		},
		"learner": func(tn *testNet) bool {
			_, ok := tn.nodes[1].raft.config().Learners[4]
			return ok && tn.nodes[4].raft.raftLog.lastIndex() == tn.nodes[1].raft.raftLog.lastIndex()
		},
		"leader transferring to a lagging follower": func(tn *testNet) bool { return tn.nodes[1].raft.leadTransferee == 2 },
		"async storage with writes queued":          func(tn *testNet) bool { return len(tn.appendQ[1]) > 0 },
		"lease reads waiting": func(tn *testNet) bool {
			return tn.nodes[1].raft.state == StateLeader && tn.nodes[1].raft.cfg.ReadOnlyOption == ReadOnlyLeaseBased
		},
		"follower behind a compacted leader": func(tn *testNet) bool {
			fi, _ := tn.stores[1].FirstIndex()
			return tn.nodes[3].raft.raftLog.lastIndex() < fi
		},
	}
	for _, st := range fuzzStates {
		check, ok := checks[st.name]
		if !ok {
			t.Errorf("no check for fuzz state %q", st.name)
			continue
		}
		if !check(st.build(t)) {
			t.Errorf("fuzz state %q was not reached", st.name)
		}
	}
}
