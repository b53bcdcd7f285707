package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

func TestSingleNodeCommitsOnlyAfterDurableAppend(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	tn.elect(1)
	rn := tn.nodes[1]
	if err := rn.Propose([]byte("a")); err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready()
	if len(rd.Entries) != 1 || string(rd.Entries[0].Data) != "a" {
		t.Fatalf("Ready.Entries = %v", rd.Entries)
	}
	if len(rd.CommittedEntries) != 0 || rn.raft.raftLog.committed >= rd.Entries[0].Index {
		t.Fatal("a single voter must not commit before its own write is acknowledged")
	}
	tn.persist(1, rd.HardState, nil, rd.Entries)
	rn.Advance(rd)
	rd = rn.Ready()
	if len(rd.CommittedEntries) != 1 || string(rd.CommittedEntries[0].Data) != "a" {
		t.Fatalf("after Advance: CommittedEntries = %v", rd.CommittedEntries)
	}
	if rd.Commit != rd.CommittedEntries[0].Index {
		t.Fatalf("HardState.Commit = %d", rd.Commit)
	}
	rn.Advance(rd)
	if rn.HasReady() {
		t.Fatal("nothing should be left")
	}
	if got := rn.BasicStatus().Applied; got != rd.CommittedEntries[0].Index {
		t.Fatalf("Applied = %d", got)
	}
}

func TestThreeNodesReplicateInBothModes(t *testing.T) {
	for _, async := range []bool{false, true} {
		tn := newTestNet(t, 3, func(c *Config) { c.AsyncStorageWrites = async })
		tn.elect(1)
		for _, d := range []string{"a", "b", "c"} {
			tn.propose(1, d)
		}
		tn.propose(2, "d") // forwarded to the leader
		for id := uint64(1); id <= 3; id++ {
			if got := tn.appliedData(id); got != "[a b c d]" {
				t.Errorf("async=%v node %d applied %s", async, id, got)
			}
			st := tn.nodes[id].Status()
			// 3 bootstrap conf changes, the leader's empty entry, then a b c d.
			if st.Commit != 8 || st.Applied != 8 || st.Lead != 1 || st.Term != 2 {
				t.Errorf("async=%v node %d status %+v", async, id, st.BasicStatus)
			}
		}
		st := tn.nodes[1].Status()
		for id, pr := range st.Progress {
			if pr.Match != 8 || pr.State != tracker.StateReplicate {
				t.Errorf("async=%v leader's progress of %d: %v", async, id, &pr)
			}
		}
	}
}

func TestElectionByTimeoutAndPreVote(t *testing.T) {
	for _, preVote := range []bool{false, true} {
		tn := newTestNet(t, 3, func(c *Config) { c.PreVote = preVote; c.CheckQuorum = true })
		tn.tickAll(40)
		leaders := 0
		var lead uint64
		for _, id := range tn.ids() {
			if tn.nodes[id].raft.state == StateLeader {
				leaders++
				lead = id
			}
		}
		if leaders != 1 {
			t.Fatalf("preVote=%v: %d leaders after timeouts", preVote, leaders)
		}
		for _, id := range tn.ids() {
			if got := tn.nodes[id].raft.lead; got != lead {
				t.Errorf("preVote=%v: node %d follows %d, want %d", preVote, id, got, lead)
			}
		}
	}
}

func TestPreVoteDoesNotRaiseTermOfPartitionedNode(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.PreVote = true })
	tn.elect(1)
	term := tn.nodes[1].raft.term
	tn.drop = func(m pb.Message) bool { return m.To == 3 || m.From == 3 }
	for i := 0; i < 50; i++ {
		tn.nodes[3].Tick()
		tn.settle()
	}
	if got := tn.nodes[3].raft.term; got != term {
		t.Fatalf("isolated pre-candidate raised its term to %d (was %d)", got, term)
	}
	tn.drop = nil
	tn.tickAll(3)
	if tn.nodes[1].raft.state != StateLeader || tn.nodes[1].raft.term != term {
		t.Fatal("the rejoining node disrupted the leader")
	}
}

func TestCheckQuorumStepsDownIsolatedLeader(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.CheckQuorum = true })
	tn.elect(1)
	tn.drop = func(m pb.Message) bool { return m.From == 1 || m.To == 1 }
	for i := 0; i < 25; i++ {
		tn.nodes[1].Tick()
		tn.settle()
	}
	if st := tn.nodes[1].raft.state; st != StateFollower {
		t.Fatalf("isolated leader is %v", st)
	}
}

func TestLeaderCommitsOnlyCurrentTermByCounting(t *testing.T) {
	// Figure 8: an entry of an older term replicated to a majority must not
	// be committed by counting replicas.
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	r := tn.nodes[1].raft
	// Fake the leader into a newer term without appending its empty entry.
	r.term++
	for id := range r.trk.Progress {
		r.trk.Progress[id].Match = r.raftLog.lastIndex()
	}
	if r.maybeCommit() {
		t.Fatal("committed an entry of an older term by counting")
	}
}

func TestMalformedMessagesChangeNothing(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.propose(1, "x")
	for _, m := range []pb.Message{
		{Type: pb.MsgApp, From: 1, To: 2, Term: 2, Index: 3, LogTerm: 2, Entries: []pb.Entry{{Index: 9, Term: 2}}},
		{Type: pb.MsgApp, From: 1, To: 2, Term: 2, Index: 3, LogTerm: 2, Entries: []pb.Entry{{Index: 4, Term: 7}}},
		{Type: pb.MsgApp, From: 1, To: 2, Term: 2, Index: 3, LogTerm: 5},
		{Type: pb.MsgSnap, From: 1, To: 2, Term: 2},
		{Type: pb.MsgReadIndex, From: 1, To: 2, Term: 2},
		{Type: pb.MessageType(99), From: 1, To: 2, Term: 2},
		{Type: pb.MsgHeartbeat, From: 1, To: 2},
	} {
		before := tn.nodes[2].Status()
		if err := tn.nodes[2].Step(m); err == nil {
			t.Errorf("Step(%v) accepted a malformed message", m)
		}
		if after := tn.nodes[2].Status(); after.BasicStatus != before.BasicStatus || tn.nodes[2].HasReady() {
			t.Errorf("Step(%v) changed the node", m)
		}
	}
}

func TestPeerInputIsClamped(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.propose(1, "x")
	last := tn.nodes[2].raft.raftLog.lastIndex()
	// A heartbeat and an append announcing a commit past the log.
	for _, m := range []pb.Message{
		{Type: pb.MsgHeartbeat, From: 1, To: 2, Term: 2, Commit: 1000},
		{Type: pb.MsgApp, From: 1, To: 2, Term: 2, Index: last, LogTerm: 2, Commit: 1000},
		{Type: pb.MsgAppResp, From: 2, To: 1, Term: 2, Index: 1000},
		{Type: pb.MsgAppResp, From: 2, To: 1, Term: 2, Index: 1000, Reject: true, RejectHint: 5000, LogTerm: 9},
		{Type: pb.MsgHeartbeatResp, From: 2, To: 1, Term: 2, Context: []byte{1, 2, 3}},
	} {
		if err := tn.nodes[m.To].Step(m); err != nil {
			t.Fatalf("Step(%v): %v", m, err)
		}
		if c := tn.nodes[m.To].raft.raftLog.committed; c > last {
			t.Fatalf("commit %d past the log %d after %v", c, last, m)
		}
	}
	tn.settle()
	tn.propose(1, "y")
	if got := tn.appliedData(2); got != "[x y]" {
		t.Fatalf("node 2 applied %s", got)
	}
}
