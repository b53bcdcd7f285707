package kv

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func eventLine(ev *mvccpb.Event) string {
	s := fmt.Sprintf("%v %s=%s m%d v%d", ev.Type, ev.Kv.Key, ev.Kv.Value, ev.Kv.ModRevision, ev.Kv.Version)
	if ev.PrevKv != nil {
		s += fmt.Sprintf(" prev %s m%d", ev.PrevKv.Value, ev.PrevKv.ModRevision)
	}
	return s
}

func TestHistoryRetention(t *testing.T) {
	s := openTest(t, Options{HistoryRevisions: 3})
	applyOne(t, s, putCmd("a", "1"))                       // 2
	applyOne(t, s, putCmd("b", "1"))                       // 3
	applyOne(t, s, &Command{Txn: &etcdserverpb.TxnRequest{ // 4: two events
		Success: []*etcdserverpb.RequestOp{opPut("a", "2"), opDel("b", "")}}})
	// Revision 4 with 3 kept: revisions 2..4 remain, compacted is 1.
	if s.CompactedRevision() != 1 {
		t.Fatalf("compacted %d after revision 4, want 1", s.CompactedRevision())
	}
	applyOne(t, s, delCmd("zz", "")) // no revision, no event
	applyOne(t, s, putCmd("c", "1")) // 5
	applyOne(t, s, putCmd("d", "1")) // 6: compacted 3
	if s.Revision() != 6 || s.CompactedRevision() != 3 {
		t.Fatalf("revision %d compacted %d, want 6 and 3", s.Revision(), s.CompactedRevision())
	}
	evs, err := s.History(4, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, eventLine(ev))
	}
	want := []string{
		"PUT a=2 m4 v2 prev 1 m2",
		"DELETE b= m4 v0 prev 1 m3",
		"PUT c=1 m5 v1",
		"PUT d=1 m6 v1",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("history from 4:\n%q\nwant\n%q", got, want)
	}
	if evs, _ := s.History(5, 1); len(evs) != 1 || string(evs[0].Kv.Key) != "c" {
		t.Fatalf("history from 5 limit 1: %v", evs)
	}
	if _, err := s.History(3, 0); !errors.Is(err, ErrCompacted) {
		t.Fatalf("history from the compacted revision: %v, want ErrCompacted", err)
	}
	// Retention survives a restart: the compacted revision is stored.
	s.Close()
	s = openAt(t, s.path, Options{NoSync: true, HistoryRevisions: 3})
	if s.CompactedRevision() != 3 {
		t.Fatalf("compacted %d after reopen, want 3", s.CompactedRevision())
	}
}

func TestHistoryKeepsAllByDefault(t *testing.T) {
	s := openTest(t, Options{})
	for i := range 20 {
		applyOne(t, s, putCmd("k", fmt.Sprint(i)))
	}
	evs, err := s.History(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 20 || s.CompactedRevision() != 0 || evs[19].Kv.Version != 20 {
		t.Fatalf("%d events, compacted %d; want 20 and 0", len(evs), s.CompactedRevision())
	}
}
