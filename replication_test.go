package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// newNodeWithLog starts node id of voters (1 2) whose log holds entries
// with the given terms from index 1 (index 1 is a snapshot), at term term.
func newNodeWithLog(t *testing.T, tn *testNet, id uint64, terms []uint64, term uint64) {
	t.Helper()
	s := NewMemoryStorage()
	if err := s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: terms[0],
		ConfState: pb.ConfState{Voters: []uint64{1, 2}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ents(2, terms[1:]...)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHardState(pb.HardState{Term: term, Commit: 1}); err != nil {
		t.Fatal(err)
	}
	rn, err := NewRawNode(newTestConfig(id, s))
	if err != nil {
		t.Fatal(err)
	}
	tn.nodes[id], tn.stores[id] = rn, s
}

func emptyNet(t *testing.T) *testNet {
	return &testNet{t: t, nodes: map[uint64]*RawNode{}, stores: map[uint64]*MemoryStorage{}, counts: map[uint64]*countingStorage{},
		applied: map[uint64][]pb.Entry{}, appliedIndex: map[uint64]uint64{},
		appendQ: map[uint64][]pb.Message{}, applyQ: map[uint64][]pb.Message{}}
}

func TestFastLogRejectionSkipsWholeTerms(t *testing.T) {
	tn := emptyNet(t)
	//          index: 1 2 3 4 5 6 7 8 9 10 11
	newNodeWithLog(t, tn, 1, []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}, 6)
	newNodeWithLog(t, tn, 2, []uint64{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 3)
	r := tn.nodes[1].raft
	r.becomeCandidate() // term 7, log up to date for node 2's vote
	r.becomeLeader()    // appends 7/11
	rejections := 0
	tn.drop = func(m pb.Message) bool {
		if m.Type == pb.MsgAppResp && m.Reject {
			rejections++
			// The follower hints at its last entry with a term <= 6 at or
			// below the probe's index 10: 10, of term 3.
			if m.RejectHint != 10 || m.LogTerm != 3 {
				t.Errorf("rejection hint %d/%d, want 3/10", m.LogTerm, m.RejectHint)
			}
		}
		return false
	}
	r.bcastAppend()
	tn.settle()
	if rejections != 1 {
		t.Fatalf("%d rejections, want 1: the leader skips to index 3 at once", rejections)
	}
	l1, l2 := &r.raftLog, &tn.nodes[2].raft.raftLog
	if l1.lastEntryID() != l2.lastEntryID() || l2.lastEntryID() != (entryID{7, 11}) {
		t.Fatalf("logs end at %v and %v", l1.lastEntryID(), l2.lastEntryID())
	}
	for i := uint64(2); i <= 11; i++ {
		a, _ := l1.term(i)
		b, _ := l2.term(i)
		if a != b {
			t.Fatalf("logs differ at %d: %d vs %d", i, a, b)
		}
	}
}

func TestSnapshotOlderThanPendingStillReconnects(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.drop = func(m pb.Message) bool { return m.To == 3 }
	tn.propose(1, "a")
	tn.propose(1, "b")
	tn.drop = nil
	r := tn.nodes[1].raft
	pr := r.trk.Progress[3]
	pr.BecomeSnapshot(6)
	// Node 3 got an older snapshot (at 5) by other means and acknowledges it.
	if err := tn.nodes[1].Step(pb.Message{Type: pb.MsgAppResp, From: 3, To: 1, Term: r.term, Index: 5}); err != nil {
		t.Fatal(err)
	}
	if pr.State != tracker.StateReplicate || pr.Match != 5 {
		t.Fatalf("progress of 3: %v", pr)
	}
}

func TestHeartbeatResponseMovesCaughtUpProbeToReplicate(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.nodes[1].ReportUnreachable(2)
	pr := tn.nodes[1].raft.trk.Progress[2]
	if pr.State != tracker.StateProbe {
		t.Fatal("not probing")
	}
	tn.tickAll(1)
	if pr.State != tracker.StateReplicate {
		t.Fatalf("after a heartbeat round: %v", pr)
	}
}

func TestFullInflightsDrainThroughEmptyAppends(t *testing.T) {
	for _, bytes := range []bool{false, true} {
		tn := newTestNet(t, 3, func(c *Config) {
			if bytes {
				c.MaxInflightMsgs, c.MaxInflightBytes, c.MaxSizePerMsg = 100, 100, 60
			} else {
				c.MaxInflightMsgs = 2
			}
		})
		tn.elect(1)
		pr := tn.nodes[1].raft.trk.Progress[2]
		tn.drop = func(m pb.Message) bool { return m.From == 2 } // acks from 2 are lost
		data := string(make([]byte, 60))
		for i := 0; i < 4; i++ {
			tn.propose(1, data)
		}
		if !pr.Inflights.Full() || pr.Inflights.Count() != 2 || pr.Next != 7 {
			t.Fatalf("bytes=%v: progress of 2 with lost acks: %v", bytes, pr)
		}
		tn.drop = nil
		tn.tickAll(2)
		if pr.Inflights.Count() != 0 || pr.Match != 8 || len(tn.applied[2]) != 4 {
			t.Fatalf("bytes=%v: after heartbeats: %v, node 2 applied %d", bytes, pr, len(tn.applied[2]))
		}
	}
}

func TestSnapshotAcceptance(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	r := tn.nodes[3].raft
	snap := func(index uint64, cs pb.ConfState) pb.Snapshot {
		return pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: index, Term: 2, ConfState: cs}}
	}
	if r.restore(snap(20, pb.ConfState{Voters: []uint64{1, 2}})) {
		t.Fatal("accepted a snapshot whose configuration omits this node")
	}
	if r.restore(snap(3, pb.ConfState{Voters: []uint64{1, 2, 3}})) {
		t.Fatal("accepted a snapshot at or below the commit index")
	}
	if !r.restore(snap(20, pb.ConfState{Voters: []uint64{1, 2}, VotersOutgoing: []uint64{1, 2, 3}})) {
		t.Fatal("refused a snapshot whose outgoing configuration holds this node")
	}
	if r.raftLog.committed != 20 || r.raftLog.lastEntryID() != (entryID{2, 20}) || len(r.config().Voters[1]) != 3 {
		t.Fatalf("after restore: %s, %v", &r.raftLog, r.config())
	}
	// Committed entries wait for the snapshot to be durable.
	if r.raftLog.hasNextCommittedEnts(true) {
		t.Fatal("committed entries alongside a snapshot")
	}
}

func TestTickQuiescedAndWithProgress(t *testing.T) {
	tn := newTestNet(t, 2, nil)
	tn.elect(1)
	rn := tn.nodes[2]
	for i := 0; i < 100; i++ {
		rn.TickQuiesced()
	}
	if rn.raft.state != StateFollower || rn.raft.electionElapsed != 100 {
		t.Fatalf("TickQuiesced: %v elapsed %d", rn.raft.state, rn.raft.electionElapsed)
	}
	seen := map[uint64]ProgressType{}
	tn.nodes[1].WithProgress(func(id uint64, typ ProgressType, pr tracker.Progress) {
		if pr.Inflights != nil {
			t.Error("WithProgress must not copy Inflights")
		}
		seen[id] = typ
	})
	if len(seen) != 2 || seen[1] != ProgressTypePeer {
		t.Fatalf("WithProgress saw %v", seen)
	}
}

func TestStatusJSON(t *testing.T) {
	tn := newTestNet(t, 2, nil)
	tn.elect(1)
	// 2 bootstrap entries and the leader's empty one at term 2, all applied.
	want := `{"id":"1","term":2,"vote":"1","commit":3,"lead":"1","raftState":"StateLeader","applied":3,` +
		`"progress":{"1":{"match":3,"next":4,"state":"StateReplicate"},"2":{"match":3,"next":4,"state":"StateReplicate"}},` +
		`"leadtransferee":"0"}`
	if got := tn.nodes[1].Status().String(); got != want {
		t.Fatalf("Status:\n got %s\nwant %s", got, want)
	}
	want = `{"id":"2","term":2,"vote":"1","commit":3,"lead":"1","raftState":"StateFollower","applied":3,"progress":{},"leadtransferee":"0"}`
	if got := tn.nodes[2].Status().String(); got != want {
		t.Fatalf("Status:\n got %s\nwant %s", got, want)
	}
}

// selfProgress finds the node's own Progress, the one trk.Progress maps
// its id to, whether it scans the peers (small groups) or hashes (large
// ones), and reports none for a node outside the configuration. A
// follower holds no Progresses and tells members from its configuration.
func TestSelfProgress(t *testing.T) {
	for _, tc := range []struct {
		voters []uint64
		id     uint64
		member bool
	}{
		{[]uint64{1}, 1, true},
		{[]uint64{1, 2, 3}, 2, true},
		{[]uint64{1, 2, 3}, 3, true},
		{[]uint64{2, 3}, 1, false},
		{[]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 7, true},
		{[]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 12, false},
	} {
		s := NewMemoryStorage()
		if err := s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: 1,
			ConfState: pb.ConfState{Voters: tc.voters}}}); err != nil {
			t.Fatal(err)
		}
		rn, err := NewRawNode(newTestConfig(tc.id, s))
		if err != nil {
			t.Fatal(err)
		}
		r := rn.raft
		if r.selfProgress() != nil || r.isMember(tc.id) != tc.member {
			t.Errorf("voters %v, id %d: follower's selfProgress %p, isMember %v; want none, %v", tc.voters, tc.id, r.selfProgress(), r.isMember(tc.id), tc.member)
		}
		r.holdTracker()
		if r.isMember(tc.id) != tc.member {
			t.Errorf("voters %v, id %d: isMember %v over Progresses, want %v", tc.voters, tc.id, r.isMember(tc.id), tc.member)
		}
		got, want := r.selfProgress(), r.trk.Progress[tc.id]
		if (got != nil) != tc.member || got != want {
			t.Errorf("voters %v, id %d: selfProgress %p, want %p (member %v)", tc.voters, tc.id, got, want, tc.member)
		}
	}
}
