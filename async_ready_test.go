package raft

import (
	"reflect"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// checkAsyncReadyMirrorsMessages checks that, with AsyncStorageWrites, the
// informational Ready fields describe exactly the work carried by the
// MsgStorageAppend and MsgStorageApply messages.
func checkAsyncReadyMirrorsMessages(t *testing.T, rd Ready) {
	t.Helper()
	var app, apply pb.Message
	for _, m := range rd.Messages {
		switch m.Type {
		case pb.MsgStorageAppend:
			app = m
		case pb.MsgStorageApply:
			apply = m
		}
	}
	if hs := (pb.HardState{Term: app.Term, Vote: app.Vote, Commit: app.Commit}); rd.HardState != hs {
		t.Errorf("Ready.HardState %+v, MsgStorageAppend carries %+v", rd.HardState, hs)
	}
	if !reflect.DeepEqual(rd.Entries, app.Entries) {
		t.Errorf("Ready.Entries %v, MsgStorageAppend carries %v", rd.Entries, app.Entries)
	}
	var snap pb.Snapshot
	if app.Snapshot != nil {
		snap = *app.Snapshot
	}
	if !reflect.DeepEqual(rd.Snapshot, snap) {
		t.Errorf("Ready.Snapshot %v, MsgStorageAppend carries %v", rd.Snapshot, snap)
	}
	if !reflect.DeepEqual(rd.CommittedEntries, apply.Entries) {
		t.Errorf("Ready.CommittedEntries %v, MsgStorageApply carries %v", rd.CommittedEntries, apply.Entries)
	}
}

// readyAsync takes node id's Ready, checks it and queues its storage work.
func readyAsync(t *testing.T, tn *testNet, id uint64) Ready {
	t.Helper()
	rd := tn.nodes[id].Ready()
	checkAsyncReadyMirrorsMessages(t, rd)
	for _, m := range rd.Messages {
		switch m.To {
		case LocalAppendThread:
			tn.appendQ[id] = append(tn.appendQ[id], m)
		case LocalApplyThread:
			tn.applyQ[id] = append(tn.applyQ[id], m)
		default:
			tn.queue = append(tn.queue, m)
		}
	}
	return rd
}

func TestAsyncReadyFieldsDescribeTheWork(t *testing.T) {
	tn := newCampaignNet(t, 1, func(c *Config) { c.AsyncStorageWrites = true })
	rn := tn.nodes[1]
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	// The bootstrap entry 1@1 is committed and applied; the campaign moves
	// to term 2.
	rd := readyAsync(t, tn, 1)
	if want := (pb.HardState{Term: 2, Vote: 1, Commit: 1}); rd.HardState != want || !rd.MustSync {
		t.Fatalf("candidate Ready: HardState %+v MustSync=%v, want %+v and a sync", rd.HardState, rd.MustSync, want)
	}
	tn.runStorage(1)
	tn.deliver()
	rd = readyAsync(t, tn, 1)
	if len(rd.Entries) != 1 || rd.Entries[0].Index != 2 || rd.Entries[0].Term != 2 || !rd.MustSync || !IsEmptyHardState(rd.HardState) {
		t.Fatalf("leader Ready: Entries %v HardState %+v MustSync=%v, want 2@2 alone, synced", rd.Entries, rd.HardState, rd.MustSync)
	}
	tn.runStorage(1)
	tn.deliver()
	rd = readyAsync(t, tn, 1)
	if len(rd.CommittedEntries) != 1 || rd.CommittedEntries[0].Index != 2 || rd.Commit != 2 || rd.MustSync {
		t.Fatalf("commit Ready: CommittedEntries %v Commit %d MustSync=%v, want 2 committed without a sync", rd.CommittedEntries, rd.Commit, rd.MustSync)
	}
	tn.settle()
	if st := rn.BasicStatus(); st.Applied != 2 {
		t.Fatalf("applied %d, want 2", st.Applied)
	}
	if rn.HasReady() {
		t.Fatal("work is left over")
	}
}

func TestAsyncReadyFieldsDescribeASnapshot(t *testing.T) {
	tn := &testNet{t: t, nodes: map[uint64]*RawNode{}, stores: map[uint64]*MemoryStorage{}, counts: map[uint64]*countingStorage{},
		applied: map[uint64][]pb.Entry{}, appliedIndex: map[uint64]uint64{},
		appendQ: map[uint64][]pb.Message{}, applyQ: map[uint64][]pb.Message{}}
	rn := tn.addNode(1, func(c *Config) { c.AsyncStorageWrites = true }, nil)
	snap := pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 5, Term: 1, ConfState: pb.ConfState{Voters: []uint64{1, 2}}}}
	if err := rn.Step(pb.Message{Type: pb.MsgSnap, From: 2, To: 1, Term: 1, Snapshot: &snap}); err != nil {
		t.Fatal(err)
	}
	rd := readyAsync(t, tn, 1)
	if rd.Snapshot.Metadata.Index != 5 || rd.Commit != 5 || rd.Term != 1 {
		t.Fatalf("Ready: Snapshot at %d, HardState %+v; want the snapshot at 5, commit 5 in term 1", rd.Snapshot.Metadata.Index, rd.HardState)
	}
}
