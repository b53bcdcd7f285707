package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// snapshotOnlyStorage returns a storage bootstrapped by a snapshot at index
// 5, term 1, with voter 1, and hard state hs.
func snapshotOnlyStorage(t *testing.T, hs pb.HardState) *MemoryStorage {
	t.Helper()
	s := NewMemoryStorage()
	snap := pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 5, Term: 1, ConfState: pb.ConfState{Voters: []uint64{1}}}}
	if err := s.ApplySnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if !IsEmptyHardState(hs) {
		if err := s.SetHardState(hs); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestNewRawNodeFromSnapshotWithoutHardState(t *testing.T) {
	rn, err := NewRawNode(newTestConfig(1, snapshotOnlyStorage(t, pb.HardState{})))
	if err != nil {
		t.Fatalf("NewRawNode: %v", err)
	}
	st := rn.BasicStatus()
	if st.Term != 0 || st.Vote != 0 || st.Commit != 5 || st.Applied != 5 {
		t.Fatalf("status %+v, want term 0, no vote, commit and applied at the snapshot's 5", st)
	}
	if rn.HasReady() {
		t.Fatalf("a fresh node has a Ready: %+v", rn.Ready())
	}
	// It works as a node: it elects itself and appends after the snapshot.
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready()
	if want := (pb.HardState{Term: 1, Vote: 1, Commit: 5}); rd.HardState != want {
		t.Fatalf("candidate HardState %+v, want %+v", rd.HardState, want)
	}
	rn.Advance(rd)
	rd = rn.Ready()
	if rn.raft.state != StateLeader || len(rd.Entries) != 1 || rd.Entries[0].Index != 6 || rd.Entries[0].Term != 1 {
		t.Fatalf("state %v, entries %v; want leader appending 6@1", rn.raft.state, rd.Entries)
	}
}

func TestNewRawNodeTakesSnapshotAsCommitted(t *testing.T) {
	// A persisted commit index below the snapshot's is stale (with
	// AsyncStorageWrites a snapshot can be taken of applied entries before
	// their commit index is durable): the snapshot's index is committed.
	rn, err := NewRawNode(newTestConfig(1, snapshotOnlyStorage(t, pb.HardState{Term: 1})))
	if err != nil {
		t.Fatalf("NewRawNode: %v", err)
	}
	if st := rn.BasicStatus(); st.Term != 1 || st.Commit != 5 || st.Applied != 5 {
		t.Fatalf("status %+v, want term 1 with commit and applied at the snapshot's 5", st)
	}
	// A commit index past the log is lost data: refused.
	if _, err := NewRawNode(newTestConfig(1, snapshotOnlyStorage(t, pb.HardState{Term: 1, Commit: 6}))); err == nil {
		t.Fatal("NewRawNode accepted a commit index past the last index 5")
	}
}
