package raft

import (
	"testing"
	"unsafe"

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
	calls := rn.raft.raftLog.storage.(*countingStorage)
	before := calls.callCounts()
	for b.Loop() {
		leaderRound(rn, s, data)
	}
	reportStorageCalls(b, before, calls.callCounts())
}

// reportStorageCalls reports the Storage reads per operation.
func reportStorageCalls(b *testing.B, before, after storageCallCounts) {
	total := func(c storageCallCounts) uint32 {
		return c.initialState + c.entries + c.term + c.lastIndex + c.firstIndex + c.snapshot
	}
	b.ReportMetric(float64(total(after)-total(before))/float64(b.N), "storage-calls/op")
}

func TestLogPositionTypeSizes(t *testing.T) {
	// These travel by value through every append; keep them small.
	if got := unsafe.Sizeof(logSlice{}); got != 48 {
		t.Errorf("logSlice is %d bytes, want 48", got)
	}
	if got := unsafe.Sizeof(entryID{}) + unsafe.Sizeof(logMark{}); got != 32 {
		t.Errorf("entryID and logMark are %d bytes together, want 32", got)
	}
}

func TestLeaderRoundAllocations(t *testing.T) {
	rn, s := steadyLeader(t)
	data := make([]byte, 64)
	for i := 0; i < 100; i++ {
		leaderRound(rn, s, data) // let slices reach their steady size
	}
	allocs := testing.AllocsPerRun(200, func() { leaderRound(rn, s, data) })
	// A busy leader's two Readies take their messages from chunks
	// (msgchunk.go) and the unstable log grows in amortized steps: under
	// one allocation per round (two before chunks: one per Ready).
	if allocs > 1 {
		t.Fatalf("%.1f allocations per proposal round, want at most 1", allocs)
	}
}

// followerRound runs one append through a follower: the leader's MsgApp,
// the Ready with the entry and the ack, persist, Advance, then the commit
// through a heartbeat and the Ready that applies the entry.
func followerRound(rn *RawNode, s *MemoryStorage, ent []pb.Entry, commit uint64) {
	r := rn.raft
	last := r.raftLog.lastEntryID()
	ent[0].Index, ent[0].Term = last.index+1, r.term
	_ = rn.Step(pb.Message{Type: pb.MsgApp, From: 1, To: 2, Term: r.term, Index: last.index, LogTerm: last.term, Entries: ent, Commit: commit})
	rd := rn.Ready()
	_ = s.Append(rd.Entries)
	rn.Advance(rd)
	_ = rn.Step(pb.Message{Type: pb.MsgHeartbeat, From: 1, To: 2, Term: r.term, Commit: last.index + 1})
	rd = rn.Ready()
	_ = s.SetHardState(rd.HardState)
	rn.Advance(rd)
}

func steadyFollower(tb testing.TB) (*RawNode, *MemoryStorage) {
	tn := newTestNet(tb, 3, nil)
	tn.elect(1)
	tn.propose(1, "warm")
	return tn.nodes[2], tn.stores[2]
}

func BenchmarkFollowerRound(b *testing.B) {
	rn, s := steadyFollower(b)
	ent := []pb.Entry{{Data: make([]byte, 64)}}
	b.ReportAllocs()
	calls := rn.raft.raftLog.storage.(*countingStorage)
	before := calls.callCounts()
	for b.Loop() {
		followerRound(rn, s, ent, rn.raft.raftLog.committed)
	}
	reportStorageCalls(b, before, calls.callCounts())
}

func TestFollowerRoundAllocations(t *testing.T) {
	rn, s := steadyFollower(t)
	ent := []pb.Entry{{Data: make([]byte, 64)}}
	for i := 0; i < 100; i++ {
		followerRound(rn, s, ent, rn.raft.raftLog.committed)
	}
	allocs := testing.AllocsPerRun(200, func() { followerRound(rn, s, ent, rn.raft.raftLog.committed) })
	// The ack (msgsAfterAppend) and the heartbeat response (msgs) come
	// from each queue's chunk and the unstable log grows in amortized
	// steps: under one allocation per round (two before chunks: one per
	// Ready).
	if allocs > 1 {
		t.Fatalf("%.1f allocations per follower round, want at most 1", allocs)
	}
}
