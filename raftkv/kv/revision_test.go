package kv

import (
	"errors"
	"slices"
	"testing"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestRevisions walks one store through every write kind. Each step lists
// the revision expected after it, worked out by hand from etcd's rules:
// a fresh store is at 1, each write that changes something adds one, a txn
// adds one however many writes it makes, a delete of nothing adds none.
func TestRevisions(t *testing.T) {
	s := openTest(t, Options{})
	if got := s.Revision(); got != 1 {
		t.Fatalf("fresh store revision %d, want 1", got)
	}
	txn := func(cmp []*etcdserverpb.Compare, success, failure []*etcdserverpb.RequestOp) *Command {
		return &Command{Txn: &etcdserverpb.TxnRequest{Compare: cmp, Success: success, Failure: failure}}
	}
	ignoreValue := func(k string) *Command {
		return &Command{Put: &etcdserverpb.PutRequest{Key: []byte(k), IgnoreValue: true}}
	}
	versionIs := func(k string, v int64) []*etcdserverpb.Compare {
		return []*etcdserverpb.Compare{{Key: []byte(k), Target: etcdserverpb.Compare_VERSION,
			Result: etcdserverpb.Compare_EQUAL, TargetUnion: &etcdserverpb.Compare_Version{Version: v}}}
	}
	steps := []struct {
		name    string
		cmd     *Command
		err     error
		rev     int64
		keys    []string
		deleted int64 // for delete-range steps
	}{
		{"create a", putCmd("a", "1"), nil, 2, []string{kvLine("a", "1", 2, 2, 1)}, 0},
		{"create b", putCmd("b", "1"), nil, 3, []string{kvLine("a", "1", 2, 2, 1), kvLine("b", "1", 3, 3, 1)}, 0},
		{"update a", putCmd("a", "2"), nil, 4, []string{kvLine("a", "2", 2, 4, 2), kvLine("b", "1", 3, 3, 1)}, 0},
		{"same value still bumps", putCmd("a", "2"), nil, 5, []string{kvLine("a", "2", 2, 5, 3), kvLine("b", "1", 3, 3, 1)}, 0},
		{"delete missing", delCmd("zz", ""), nil, 5, []string{kvLine("a", "2", 2, 5, 3), kvLine("b", "1", 3, 3, 1)}, 0},
		{"delete a", delCmd("a", ""), nil, 6, []string{kvLine("b", "1", 3, 3, 1)}, 1},
		{"recreate a resets version", putCmd("a", "3"), nil, 7, []string{kvLine("a", "3", 7, 7, 1), kvLine("b", "1", 3, 3, 1)}, 0},
		{"txn of three writes", txn(versionIs("b", 1), []*etcdserverpb.RequestOp{opPut("c", "1"), opPut("b", "2"), opDel("a", "")}, nil),
			nil, 8, []string{kvLine("b", "2", 3, 8, 2), kvLine("c", "1", 8, 8, 1)}, 0},
		{"txn failing to a read", txn(versionIs("b", 1), nil, []*etcdserverpb.RequestOp{opRange("b", "")}),
			nil, 8, []string{kvLine("b", "2", 3, 8, 2), kvLine("c", "1", 8, 8, 1)}, 0},
		{"txn deleting nothing", txn(nil, []*etcdserverpb.RequestOp{opDel("q", "r")}, nil),
			nil, 8, []string{kvLine("b", "2", 3, 8, 2), kvLine("c", "1", 8, 8, 1)}, 0},
		{"delete range of two", delCmd("b", "d"), nil, 9, nil, 2},
		{"ignore_value on missing key", ignoreValue("x"), ErrKeyNotFound, 9, nil, 0},
		{"create x", putCmd("x", "1"), nil, 10, []string{kvLine("x", "1", 10, 10, 1)}, 0},
		{"ignore_value keeps value", ignoreValue("x"), nil, 11, []string{kvLine("x", "1", 10, 11, 2)}, 0},
		{"txn puts y twice", txn(nil, []*etcdserverpb.RequestOp{opPut("y", "first"), opPut("y", "second")}, nil),
			nil, 12, []string{kvLine("x", "1", 10, 11, 2), kvLine("y", "second", 12, 12, 2)}, 0},
		{"lease is refused", &Command{Put: &etcdserverpb.PutRequest{Key: []byte("z"), Lease: 7}}, ErrLeaseNotFound, 12,
			[]string{kvLine("x", "1", 10, 11, 2), kvLine("y", "second", 12, 12, 2)}, 0},
		{"txn failing a check writes nothing", txn(nil, []*etcdserverpb.RequestOp{opPut("w", "1"),
			{Request: &etcdserverpb.RequestOp_RequestPut{RequestPut: &etcdserverpb.PutRequest{Key: []byte("nope"), IgnoreValue: true}}}}, nil),
			ErrKeyNotFound, 12, []string{kvLine("x", "1", 10, 11, 2), kvLine("y", "second", 12, 12, 2)}, 0},
	}
	for _, st := range steps {
		r := applyOne(t, s, st.cmd)
		if !errors.Is(r.Err, st.err) {
			t.Fatalf("%s: err %v, want %v", st.name, r.Err, st.err)
		}
		if got := s.Revision(); got != st.rev {
			t.Fatalf("%s: revision %d, want %d", st.name, got, st.rev)
		}
		if got := liveKeys(t, s); !slices.Equal(got, st.keys) {
			t.Fatalf("%s: keys\n%q\nwant\n%q", st.name, got, st.keys)
		}
		if st.err != nil {
			continue
		}
		if got := headerRevision(r.Response); got != st.rev {
			t.Fatalf("%s: header revision %d, want %d", st.name, got, st.rev)
		}
		if dr := r.Response.GetResponseDeleteRange(); dr != nil && dr.Deleted != st.deleted {
			t.Fatalf("%s: deleted %d, want %d", st.name, dr.Deleted, st.deleted)
		}
	}
}

func headerRevision(op *etcdserverpb.ResponseOp) int64 {
	switch {
	case op.GetResponsePut() != nil:
		return op.GetResponsePut().Header.Revision
	case op.GetResponseDeleteRange() != nil:
		return op.GetResponseDeleteRange().Header.Revision
	case op.GetResponseTxn() != nil:
		return op.GetResponseTxn().Header.Revision
	}
	return -1
}

func TestPrevKV(t *testing.T) {
	s := openTest(t, Options{})
	applyOne(t, s, putCmd("a", "1")) // rev 2
	applyOne(t, s, putCmd("b", "1")) // rev 3
	r := applyOne(t, s, &Command{Put: &etcdserverpb.PutRequest{Key: []byte("a"), Value: []byte("2"), PrevKv: true}})
	prev := r.Response.GetResponsePut().PrevKv
	if prev == nil || kvLine(string(prev.Key), string(prev.Value), prev.CreateRevision, prev.ModRevision, prev.Version) != kvLine("a", "1", 2, 2, 1) {
		t.Fatalf("put prev_kv %v, want a=1 at revision 2", prev)
	}
	r = applyOne(t, s, &Command{Put: &etcdserverpb.PutRequest{Key: []byte("new"), Value: []byte("x"), PrevKv: true}})
	if p := r.Response.GetResponsePut().PrevKv; p != nil {
		t.Fatalf("prev_kv of a new key is %v, want none", p)
	}
	r = applyOne(t, s, &Command{DeleteRange: &etcdserverpb.DeleteRangeRequest{Key: []byte("a"), RangeEnd: []byte("c"), PrevKv: true}})
	dr := r.Response.GetResponseDeleteRange()
	var got []string
	for _, kv := range dr.PrevKvs {
		got = append(got, kvLine(string(kv.Key), string(kv.Value), kv.CreateRevision, kv.ModRevision, kv.Version))
	}
	want := []string{kvLine("a", "2", 2, 4, 2), kvLine("b", "1", 3, 3, 1)}
	if dr.Deleted != 2 || !slices.Equal(got, want) {
		t.Fatalf("delete prev_kvs %q deleted %d, want %q and 2", got, dr.Deleted, want)
	}
}

// TestNonCommandEntries checks that empty and conf-change entries advance
// the applied index and nothing else.
func TestNonCommandEntries(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{}
	l.raw(raftpb.EntryNormal, nil).raw(raftpb.EntryConfChange, []byte{0x08, 0x01}).raw(raftpb.EntryConfChangeV2, nil)
	res := mustApply(t, s, l.take())
	if len(res) != 0 {
		t.Fatalf("got %d results for entries without commands, want 0", len(res))
	}
	if got := s.Applied(); got != (Position{Index: 3, Term: 1}) {
		t.Fatalf("applied %+v, want index 3 term 1", got)
	}
	if s.Revision() != 1 {
		t.Fatalf("revision %d, want 1", s.Revision())
	}
	s.Close()
	s2 := openAt(t, s.path, Options{NoSync: true})
	if got := s2.Applied(); got.Index != 3 {
		t.Fatalf("applied index after reopen %d, want 3", got.Index)
	}
}
