package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tickraft/raft/raftpb"
)

// ents makes entries lo..hi at term, each carrying "<term>/<index>".
func ents(term, lo, hi uint64) []raftpb.Entry {
	var out []raftpb.Entry
	for i := lo; i <= hi; i++ {
		out = append(out, raftpb.Entry{Term: term, Index: i, Data: []byte{byte(term), byte(i)}})
	}
	return out
}

// ids renders entries as term/index pairs for comparison.
func ids(es []raftpb.Entry) [][2]uint64 {
	var out [][2]uint64
	for _, e := range es {
		out = append(out, [2]uint64{e.Term, e.Index})
	}
	return out
}

func appendMsg(hs raftpb.HardState, es []raftpb.Entry, resp ...raftpb.Message) raftpb.Message {
	return raftpb.Message{Type: raftpb.MsgStorageAppend, Term: hs.Term, Vote: hs.Vote, Commit: hs.Commit, Entries: es, Responses: resp}
}

func resp(to, index uint64) raftpb.Message {
	return raftpb.Message{Type: raftpb.MsgStorageAppendResp, To: to, Index: index}
}

func mustAdd(t *testing.T, b *appendBatch, m raftpb.Message) {
	t.Helper()
	if !b.add(&m) {
		t.Fatalf("batch of %d refused a message with entries %v", b.msgs, ids(m.Entries))
	}
}

func TestAppendBatchConcatenates(t *testing.T) {
	var b appendBatch
	mustAdd(t, &b, appendMsg(raftpb.HardState{Term: 1}, ents(1, 1, 3), resp(1, 3)))
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(1, 4, 5), resp(1, 5), resp(2, 5)))
	want := [][2]uint64{{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}}
	if d := cmp.Diff(want, ids(b.ents)); d != "" {
		t.Fatalf("entries (-want +got):\n%s", d)
	}
	// Responses keep the messages' order.
	var got [][2]uint64
	for _, r := range b.responses {
		got = append(got, [2]uint64{r.To, r.Index})
	}
	if d := cmp.Diff([][2]uint64{{1, 3}, {1, 5}, {2, 5}}, got); d != "" {
		t.Fatalf("responses (-want +got):\n%s", d)
	}
	// Entry data: 5 entries of 2 bytes.
	if b.msgs != 2 || b.bytes != 10 || b.snap != nil {
		t.Fatalf("msgs %d bytes %d snap %v, want 2, 10, none", b.msgs, b.bytes, b.snap)
	}
}

// A later message overwrites a suffix: 5 6 7 then 6' 7' 8' is 5 6' 7' 8',
// and the first message's own array is left as it was.
func TestAppendBatchOverwritesSuffix(t *testing.T) {
	first := ents(1, 5, 7)
	var b appendBatch
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, first))
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(2, 6, 8)))
	want := [][2]uint64{{1, 5}, {2, 6}, {2, 7}, {2, 8}}
	if d := cmp.Diff(want, ids(b.ents)); d != "" {
		t.Fatalf("entries (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][2]uint64{{1, 5}, {1, 6}, {1, 7}}, ids(first)); d != "" {
		t.Fatalf("the first message's entries were written (-want +got):\n%s", d)
	}
	// A third message truncating inside the merged array: 5 6' 7'' .
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(3, 7, 7)))
	if d := cmp.Diff([][2]uint64{{1, 5}, {2, 6}, {3, 7}}, ids(b.ents)); d != "" {
		t.Fatalf("entries (-want +got):\n%s", d)
	}
	// One starting at or before the batch's first index replaces it all
	// (the WAL truncates what it held from there).
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(4, 4, 5)))
	if d := cmp.Diff([][2]uint64{{4, 4}, {4, 5}}, ids(b.ents)); d != "" {
		t.Fatalf("entries (-want +got):\n%s", d)
	}
}

func TestAppendBatchKeepsLastHardState(t *testing.T) {
	var b appendBatch
	mustAdd(t, &b, appendMsg(raftpb.HardState{Term: 2, Vote: 1, Commit: 3}, ents(2, 4, 4)))
	mustAdd(t, &b, appendMsg(raftpb.HardState{Term: 2, Vote: 1, Commit: 4}, nil))
	// No hard state in this one: the previous stays.
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(2, 5, 5)))
	if want := (raftpb.HardState{Term: 2, Vote: 1, Commit: 4}); b.hs != want {
		t.Fatalf("hard state %+v, want %+v", b.hs, want)
	}
	if d := cmp.Diff([][2]uint64{{2, 4}, {2, 5}}, ids(b.ents)); d != "" {
		t.Fatalf("entries (-want +got):\n%s", d)
	}
}

func snapMsg(index, term uint64, es []raftpb.Entry) raftpb.Message {
	m := appendMsg(raftpb.HardState{Term: term, Commit: index}, es)
	m.Snapshot = &raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: index, Term: term, ConfState: raftpb.ConfState{Voters: []uint64{1}}}}
	return m
}

func TestAppendBatchCutsAtSnapshot(t *testing.T) {
	var b appendBatch
	mustAdd(t, &b, appendMsg(raftpb.HardState{Term: 1, Commit: 1}, ents(1, 1, 2)))
	s := snapMsg(10, 2, ents(2, 11, 11))
	if b.add(&s) {
		t.Fatal("a batch with entries took a snapshot")
	}
	if b.msgs != 1 || b.hs.Commit != 1 || len(b.ents) != 2 || b.snap != nil {
		t.Fatalf("a refused message changed the batch: %+v", b)
	}
	// A snapshot starts its own batch and nothing joins it.
	var c appendBatch
	mustAdd(t, &c, s)
	if c.snap == nil || c.snap.Index != 10 || c.hs.Commit != 10 {
		t.Fatalf("snapshot batch: snap %v hs %+v", c.snap, c.hs)
	}
	next := appendMsg(raftpb.HardState{}, ents(2, 12, 12))
	if c.add(&next) {
		t.Fatal("a snapshot's batch took a later message")
	}
	// An empty message with an empty snapshot is an ordinary one.
	empty := appendMsg(raftpb.HardState{}, ents(1, 3, 3))
	empty.Snapshot = &raftpb.Snapshot{}
	mustAdd(t, &b, empty)
}

func TestAppendBatchRefusesGapAndBounds(t *testing.T) {
	var b appendBatch
	mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(1, 1, 2)))
	gap := appendMsg(raftpb.HardState{}, ents(1, 4, 4))
	if b.add(&gap) {
		t.Fatal("took entries leaving a gap after index 2")
	}
	for i := uint64(3); b.msgs < maxStorageBatch; i++ {
		mustAdd(t, &b, appendMsg(raftpb.HardState{}, ents(1, i, i)))
	}
	over := appendMsg(raftpb.HardState{}, ents(1, 258, 258))
	if b.add(&over) {
		t.Fatalf("took message %d past the bound", maxStorageBatch+1)
	}
	var big appendBatch
	mustAdd(t, &big, appendMsg(raftpb.HardState{}, []raftpb.Entry{{Term: 1, Index: 1, Data: make([]byte, maxStorageBatchBytes)}}))
	small := appendMsg(raftpb.HardState{}, ents(1, 2, 2))
	if big.add(&small) {
		t.Fatal("took a message past the byte bound")
	}
}

func TestApplyBatchConcatenates(t *testing.T) {
	var b applyBatch
	m1 := raftpb.Message{Type: raftpb.MsgStorageApply, Entries: ents(1, 1, 2)}
	m2 := raftpb.Message{Type: raftpb.MsgStorageApply}
	m3 := raftpb.Message{Type: raftpb.MsgStorageApply, Entries: ents(1, 3, 4)}
	for _, m := range []raftpb.Message{m1, m2, m3} {
		if !b.add(m) {
			t.Fatalf("refused %v", ids(m.Entries))
		}
	}
	if d := cmp.Diff([][2]uint64{{1, 1}, {1, 2}, {1, 3}, {1, 4}}, ids(b.ents)); d != "" {
		t.Fatalf("entries (-want +got):\n%s", d)
	}
	if len(b.msgs) != 3 {
		t.Fatalf("%d messages kept, want 3", len(b.msgs))
	}
	if b.add(raftpb.Message{Type: raftpb.MsgStorageApply, Entries: ents(1, 6, 6)}) {
		t.Fatal("took entries leaving a gap after index 4")
	}
}
