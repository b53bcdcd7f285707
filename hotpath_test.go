package raft

import (
	"errors"
	"math/rand/v2"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// A follower forwards proposals in the next Ready. Propose steps its entry
// from scratch space, so each forwarded message must hold its own copy.
func TestForwardedProposalsKeepTheirData(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	f := tn.nodes[2]
	for _, d := range []string{"a", "b"} {
		if err := f.Propose([]byte(d)); err != nil {
			t.Fatalf("propose %q: %v", d, err)
		}
	}
	rd := f.Ready()
	var got []string
	for _, m := range rd.Messages {
		if m.Type != pb.MsgProp {
			continue
		}
		if m.To != 1 || len(m.Entries) != 1 {
			t.Fatalf("forwarded %s, want one entry to 1", DescribeMessage(m, nil))
		}
		got = append(got, string(m.Entries[0].Data))
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("forwarded data %q, want [a b]", got)
	}
	if f.propEnt[0].Data != nil {
		t.Fatalf("Propose keeps a reference to the last proposal's data")
	}
}

// The broadcast order follows the peers slice, which must track the
// configuration: after adding node 4 the leader replicates to it too.
func TestPeersFollowConfiguration(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	r := tn.nodes[1].raft
	want := []uint64{1, 2, 3}
	if len(r.peers) != len(want) {
		t.Fatalf("peers %v, want ids %v", r.peers, want)
	}
	for i, p := range r.peers {
		if p.id != want[i] || p.pr != r.trk.Progress[p.id] {
			t.Fatalf("peer %d is %d (%p), want %d (%p)", i, p.id, p.pr, want[i], r.trk.Progress[want[i]])
		}
	}
	cs := r.applyConfChange(pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: 4}.AsV2())
	if len(cs.Voters) != 4 || len(r.peers) != 4 || r.peers[3].id != 4 || r.peers[3].pr != r.trk.Progress[4] {
		t.Fatalf("after adding 4: voters %v, peers %v", cs.Voters, r.peers)
	}
	r.msgs = nil
	r.bcastHeartbeat()
	var to []uint64
	for _, m := range r.msgs {
		to = append(to, m.To)
	}
	if len(to) != 3 || to[0] != 2 || to[1] != 3 || to[2] != 4 {
		t.Fatalf("heartbeats to %v, want [2 3 4]", to)
	}
}

// A single voter's proposal round allocates less than once per proposal:
// Propose itself allocates nothing, the unstable log and MemoryStorage
// grow in amortized steps.
func TestSingleVoterRoundAllocations(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	tn.elect(1)
	rn, s := tn.nodes[1], tn.stores[1]
	data := make([]byte, 64)
	round := func() {
		if err := rn.Propose(data); err != nil {
			t.Fatal(err)
		}
		for rn.HasReady() {
			rd := rn.Ready()
			_ = s.Append(rd.Entries)
			if !IsEmptyHardState(rd.HardState) {
				_ = s.SetHardState(rd.HardState)
			}
			rn.Advance(rd)
		}
	}
	for range 100 {
		round()
	}
	if allocs := testing.AllocsPerRun(400, round); allocs > 0.9 {
		t.Fatalf("%.2f allocations per single-voter proposal, want below 1", allocs)
	}
}

// The table behind knownMessageType agrees with raftpb's names, in and
// out of the table's range.
func TestKnownMessageType(t *testing.T) {
	for _, typ := range []pb.MessageType{-1, 24, 63, 64, 1 << 20} {
		_, named := pb.MessageType_name[int32(typ)]
		if knownMessageType(typ) != named {
			t.Errorf("knownMessageType(%d) = %v, raftpb names it: %v", typ, !named, named)
		}
	}
	for v := range pb.MessageType_name {
		if !knownMessageType(pb.MessageType(v)) {
			t.Errorf("knownMessageType(%d) = false for a named type", v)
		}
	}
	rn := newTestNet(t, 1, nil).nodes[1]
	if err := rn.Step(pb.Message{Type: 24, From: 2, Term: 1}); !errors.Is(err, errMalformed) {
		t.Errorf("stepping type 24: %v, want a malformed-message error", err)
	}
}

// committedIndex agrees with the tracker's quorum computation whatever the
// acknowledged indexes, with a learner present, and after a removal.
func TestCommittedIndexMatchesTracker(t *testing.T) {
	tn := newTestNet(t, 5, nil)
	tn.elect(1)
	r := tn.nodes[1].raft
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(stage string, voters int) {
		t.Helper()
		if len(r.config().Voters[0]) != voters {
			t.Fatalf("%s: %d voters, want %d", stage, len(r.config().Voters[0]), voters)
		}
		for range 200 {
			for _, p := range r.peers {
				p.pr.Match = rng.Uint64N(20)
			}
			if got, want := r.committedIndex(), r.trk.Committed(); got != want {
				t.Fatalf("%s: committedIndex %d, tracker says %d", stage, got, want)
			}
		}
	}
	check("five voters", 5)
	r.applyConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 6}.AsV2())
	check("with a learner", 5)
	r.applyConfChange(pb.ConfChange{Type: pb.ConfChangeRemoveNode, NodeID: 5}.AsV2())
	check("after removing 5", 4)
	// Hand-worked: Match 1..4 on voters 1-4, quorum of 3 has 2.
	for i, p := range r.peers {
		p.pr.Match = uint64(i + 1)
	}
	if got := r.committedIndex(); got != 2 {
		t.Fatalf("committedIndex %d with matches 1 2 3 4 (and a learner at 5), want 2", got)
	}
}

// With Propose stepping from scratch space, a leader round allocates only
// the two Ready's Messages slices (plus amortized log growth).
func TestLeaderRoundAllocationsWithoutProposalSlice(t *testing.T) {
	rn, s := steadyLeader(t)
	data := make([]byte, 64)
	for range 100 {
		leaderRound(rn, s, data)
	}
	if allocs := testing.AllocsPerRun(200, func() { leaderRound(rn, s, data) }); allocs > 2.1 {
		t.Fatalf("%.2f allocations per leader round, want about 2", allocs)
	}
}
