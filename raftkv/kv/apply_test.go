package kv

import (
	"errors"
	"strings"
	"testing"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestReplayIsIdempotent(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{}
	l.cmd(t, putCmd("a", "1")).cmd(t, putCmd("b", "2")).raw(raftpb.EntryNormal, nil).cmd(t, delCmd("a", ""))
	batch := l.take()
	res := mustApply(t, s, batch)
	if len(res) != 3 || res[2].Index != 4 {
		t.Fatalf("results %+v, want 3 with the last at index 4", res)
	}
	before, rev := dump(t, s), s.Revision()
	if rev != 4 {
		t.Fatalf("revision %d, want 4", rev)
	}
	if res := mustApply(t, s, batch); len(res) != 0 {
		t.Fatalf("replay produced %d results, want 0", len(res))
	}
	if dump(t, s) != before || s.Revision() != rev {
		t.Fatal("replaying an applied batch changed the state")
	}
	// A batch that overlaps the applied index applies only its new tail.
	l.cmd(t, putCmd("c", "3"))
	res = mustApply(t, s, append(batch[2:], l.take()...))
	if len(res) != 1 || res[0].Index != 5 || s.Revision() != 5 {
		t.Fatalf("overlapping batch: results %+v revision %d, want one result at 5 and revision 5", res, s.Revision())
	}
}

func TestApplyRejectsGap(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{next: 2}
	if _, err := s.Apply(l.cmd(t, putCmd("a", "1")).take()); err == nil || !strings.Contains(err.Error(), "does not follow") {
		t.Fatalf("gap at start: err %v", err)
	}
	ents := (&log{}).cmd(t, putCmd("a", "1")).cmd(t, putCmd("b", "1")).take()
	ents[1].Index = 3
	if _, err := s.Apply(ents); err == nil {
		t.Fatal("gap inside the batch was accepted")
	}
	if s.Applied().Index != 0 || s.Revision() != 1 {
		t.Fatalf("rejected batch left applied %d revision %d", s.Applied().Index, s.Revision())
	}
}

func TestBadCommandsAreResults(t *testing.T) {
	s := openTest(t, Options{Limits: Limits{MaxKeyBytes: 4, MaxValueBytes: 8, MaxTxnOps: 2}})
	l := &log{}
	l.raw(raftpb.EntryNormal, []byte{9, 9, 9})
	l.raw(raftpb.EntryNormal, []byte{1, kindPut, 0x80})
	l.raw(raftpb.EntryNormal, []byte{1, 77, 0, 0, 0})
	l.cmd(t, putCmd("", "x"))
	l.cmd(t, putCmd("toolong", "x"))
	l.cmd(t, putCmd("k", "123456789"))
	l.cmd(t, &Command{Txn: &etcdserverpb.TxnRequest{Success: []*etcdserverpb.RequestOp{opPut("a", ""), opPut("b", ""), opPut("c", "")}}})
	l.cmd(t, &Command{Txn: &etcdserverpb.TxnRequest{Success: []*etcdserverpb.RequestOp{opDel("", "")}}})
	l.cmd(t, &Command{Txn: &etcdserverpb.TxnRequest{Success: []*etcdserverpb.RequestOp{{}}}})
	l.cmd(t, &Command{Put: &etcdserverpb.PutRequest{Key: []byte("k"), Value: []byte("v"), IgnoreValue: true}})
	l.cmd(t, putCmd("k", "ok"))
	want := []error{ErrBadCommand, ErrBadCommand, ErrBadCommand, ErrEmptyKey, ErrKeyTooLarge, ErrValueTooLarge,
		ErrTooManyTxnOps, ErrEmptyKey, ErrBadCommand, ErrValueProvided, nil}
	res := mustApply(t, s, l.take())
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d", len(res), len(want))
	}
	for i, r := range res {
		if !errors.Is(r.Err, want[i]) {
			t.Errorf("entry %d: err %v, want %v", r.Index, r.Err, want[i])
		}
	}
	if s.Revision() != 2 || s.Applied().Index != 11 {
		t.Fatalf("revision %d applied %d, want 2 and 11", s.Revision(), s.Applied().Index)
	}
	// An oversized entry is refused before it is decoded, so even data
	// that is not a command gets the size error.
	tiny, err := Open(s.path+".tiny", Options{NoSync: true, Limits: Limits{MaxRequestBytes: 4}})
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close()
	res = mustApply(t, tiny, (&log{}).raw(raftpb.EntryNormal, []byte{9, 9, 9, 9, 9}).take())
	if !errors.Is(res[0].Err, ErrRequestTooLarge) {
		t.Fatalf("oversized entry: %v", res[0].Err)
	}
	small := Limits{MaxRequestBytes: 10}
	c := putCmd("k", "0123456789")
	data, _ := c.Encode()
	if err := small.Validate(c, len(data)); !errors.Is(err, ErrRequestTooLarge) || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("oversized request: %v", err)
	}
}

func TestSessionsDeduplicateRetries(t *testing.T) {
	s := openTest(t, Options{})
	put := func(seq uint64, v string) *Command {
		c := putCmd("k", v)
		c.SessionID, c.Seq, c.RequestID = 7, seq, 100+seq
		return c
	}
	first := applyOne(t, s, put(1, "a")) // rev 2
	retry := applyOne(t, s, put(1, "a"))
	if !retry.Duplicate || retry.RequestID != 101 || headerRevision(retry.Response) != 2 || s.Revision() != 2 {
		t.Fatalf("retry: %+v revision %d, want duplicate answered at revision 2", retry, s.Revision())
	}
	if first.Response.String() != retry.Response.String() {
		t.Fatalf("retry response %v differs from the first %v", retry.Response, first.Response)
	}
	applyOne(t, s, put(2, "b")) // rev 3
	if r := applyOne(t, s, put(1, "a")); !errors.Is(r.Err, ErrStaleSequence) || s.Revision() != 3 {
		t.Fatalf("stale retry: %v revision %d", r.Err, s.Revision())
	}
	// A failed request is not recorded, so its retry runs again.
	bad := &Command{SessionID: 8, Seq: 1, Put: &etcdserverpb.PutRequest{Key: []byte("m"), IgnoreValue: true}}
	if r := applyOne(t, s, bad); !errors.Is(r.Err, ErrKeyNotFound) {
		t.Fatalf("ignore_value on missing key: %v", r.Err)
	}
	applyOne(t, s, putCmd("m", "x")) // rev 4
	if r := applyOne(t, s, bad); r.Err != nil || r.Duplicate || s.Revision() != 5 {
		t.Fatalf("retry of a failed request: %+v revision %d, want applied at 5", r, s.Revision())
	}
	// Session 0 never deduplicates.
	applyOne(t, s, putCmd("z", "1"))
	applyOne(t, s, putCmd("z", "1"))
	if s.Revision() != 7 {
		t.Fatalf("revision %d, want 7", s.Revision())
	}
}

func TestCommandRoundTrip(t *testing.T) {
	c := &Command{RequestID: 1 << 40, SessionID: 3, Seq: 300, Txn: &etcdserverpb.TxnRequest{
		Compare: []*etcdserverpb.Compare{{Key: []byte("a"), Target: etcdserverpb.Compare_VALUE,
			TargetUnion: &etcdserverpb.Compare_Value{Value: []byte("v")}}},
		Success: []*etcdserverpb.RequestOp{opPut("a", "b")},
	}}
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCommand(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.RequestID != c.RequestID || got.SessionID != 3 || got.Seq != 300 || got.Txn.String() != c.Txn.String() {
		t.Fatalf("decoded %+v, want %+v", got, c)
	}
	if _, err := (&Command{}).Encode(); err == nil {
		t.Fatal("encoding a command without a request succeeded")
	}
	if _, err := (&Command{Put: &etcdserverpb.PutRequest{}, DeleteRange: &etcdserverpb.DeleteRangeRequest{}}).Encode(); err == nil {
		t.Fatal("encoding a command with two requests succeeded")
	}
}

// FuzzApply feeds arbitrary entry data to Apply: it must never panic, and a
// bad entry must still advance the applied index.
func FuzzApply(f *testing.F) {
	for _, c := range []*Command{putCmd("a", "b"), delCmd("a", "z"), {Txn: &etcdserverpb.TxnRequest{
		Success: []*etcdserverpb.RequestOp{opPut("x", "y"), opRange("a", "\x00")}}}} {
		data, _ := c.Encode()
		f.Add(data)
	}
	s := openTest(f, Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := s.Applied().Index + 1
		if _, err := s.Apply([]raftpb.Entry{{Index: next, Type: raftpb.EntryNormal, Data: data}}); err != nil {
			t.Fatal(err)
		}
		if s.Applied().Index != next {
			t.Fatalf("applied %d, want %d", s.Applied().Index, next)
		}
	})
}
