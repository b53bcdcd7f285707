package kv

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"

	"github.com/tickraft/raft/raftpb"
)

func confChangeV1(t *testing.T, typ raftpb.ConfChangeType, id uint64, ctx ConfChangeContext) []byte {
	t.Helper()
	b, err := json.Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := (&raftpb.ConfChange{Type: typ, NodeID: id, Context: b}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func confChangeV2(t *testing.T, ch raftpb.ConfChangeSingle, ctx []byte) []byte {
	t.Helper()
	data, err := (&raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{ch}, Context: ctx}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMemberTable: conf change entries of both encodings build the table
// in Apply's transaction; an update adds a client address without losing
// the peer address; a removal forgets the member; a foreign context and
// an undecodable entry change nothing; and a snapshot carries the table.
func TestMemberTable(t *testing.T) {
	s := openTest(t, Options{})
	if got, err := s.Members(); err != nil || len(got) != 0 {
		t.Fatalf("fresh store: members %v, %v; want none", got, err)
	}
	var l log
	l.raw(raftpb.EntryConfChange, confChangeV1(t, raftpb.ConfChangeAddNode, 1, ConfChangeContext{Addr: "h1:1"}))
	l.raw(raftpb.EntryConfChange, confChangeV1(t, raftpb.ConfChangeAddNode, 2, ConfChangeContext{Req: 9, Addr: "h2:1"}))
	l.raw(raftpb.EntryConfChange, confChangeV1(t, raftpb.ConfChangeAddLearnerNode, 3, ConfChangeContext{Addr: "h3:1"}))
	upd, _ := json.Marshal(ConfChangeContext{Client: "h1:2"})
	l.raw(raftpb.EntryConfChangeV2, confChangeV2(t, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeUpdateNode, NodeID: 1}, upd))
	l.raw(raftpb.EntryConfChangeV2, confChangeV2(t, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeRemoveNode, NodeID: 2}, nil))
	l.raw(raftpb.EntryConfChangeV2, confChangeV2(t, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeUpdateNode, NodeID: 3}, []byte("not json")))
	l.raw(raftpb.EntryConfChange, []byte{0xff, 0xff})
	if res := mustApply(t, s, l.take()); len(res) != 0 {
		t.Fatalf("conf changes produced results %v", res)
	}
	want := map[uint64]Member{1: {Peer: "h1:1", Client: "h1:2"}, 3: {Peer: "h3:1"}}
	got, err := s.Members()
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	if s.Applied().Index != 7 {
		t.Fatalf("applied %d, want 7", s.Applied().Index)
	}

	var buf bytes.Buffer
	if _, err := s.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	other := openTest(t, Options{})
	if _, err := other.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got, err := other.Members(); err != nil || !maps.Equal(got, want) {
		t.Fatalf("restored members %v, %v; want %v", got, err, want)
	}
}

// TestApplyMemberChange is the in-memory rule on its own.
func TestApplyMemberChange(t *testing.T) {
	table := map[uint64]Member{1: {Peer: "a:1"}}
	ApplyMemberChange(table, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeUpdateNode, NodeID: 1}, ConfChangeContext{Client: "a:2"})
	ApplyMemberChange(table, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeAddNode, NodeID: 2}, ConfChangeContext{Addr: "b:1"})
	ApplyMemberChange(table, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeAddNode, NodeID: 2}, ConfChangeContext{})
	want := map[uint64]Member{1: {Peer: "a:1", Client: "a:2"}, 2: {Peer: "b:1"}}
	if !maps.Equal(table, want) {
		t.Fatalf("table %v, want %v", table, want)
	}
	ApplyMemberChange(table, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeRemoveNode, NodeID: 1}, ConfChangeContext{})
	if _, ok := table[1]; ok || len(table) != 1 {
		t.Fatalf("after removing 1: %v", table)
	}
}
