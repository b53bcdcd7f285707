package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// steadyLeader returns the leader of a settled three-node cluster, whose
// followers are simulated: the caller acknowledges appends by hand.
func steadyLeader(tb testing.TB) (*RawNode, *MemoryStorage) {
	tn := newTestNet(tb, 3, nil)
	tn.elect(1)
	tn.propose(1, "warm")
	return tn.nodes[1], tn.stores[1]
}

// leaderRound runs one proposal through the leader: propose, Ready with
// the entries and two MsgApps, persist, Advance, the followers' acks, and
// the Ready that carries the commit.
func leaderRound(rn *RawNode, s *MemoryStorage, data []byte) {
	_ = rn.Propose(data)
	rd := rn.Ready()
	_ = s.Append(rd.Entries)
	rn.Advance(rd)
	idx := rd.Entries[len(rd.Entries)-1].Index
	term := rn.raft.term
	for _, id := range []uint64{2, 3} {
		_ = rn.Step(pb.Message{Type: pb.MsgAppResp, From: id, To: 1, Term: term, Index: idx})
	}
	rd = rn.Ready()
	_ = s.SetHardState(rd.HardState)
	rn.Advance(rd)
}

func BenchmarkLeaderRound(b *testing.B) {
	rn, s := steadyLeader(b)
	data := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		leaderRound(rn, s, data)
	}
}

func TestLeaderRoundAllocations(t *testing.T) {
	rn, s := steadyLeader(t)
	data := make([]byte, 64)
	for i := 0; i < 100; i++ {
		leaderRound(rn, s, data) // let slices reach their steady size
	}
	allocs := testing.AllocsPerRun(200, func() { leaderRound(rn, s, data) })
	// The proposal's entry slice, one Messages slice per Ready (two
	// Readies) and the unstable log's amortized growth.
	if allocs > 4 {
		t.Fatalf("%.1f allocations per proposal round, want at most 4", allocs)
	}
}
