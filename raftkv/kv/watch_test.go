package kv

import (
	"errors"
	"slices"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func TestEventsBetweenRevisions(t *testing.T) {
	s := openTest(t, Options{HistoryRevisions: 4})
	applyOne(t, s, putCmd("a", "1"))                       // 2
	applyOne(t, s, putCmd("b", "1"))                       // 3
	applyOne(t, s, &Command{Txn: &etcdserverpb.TxnRequest{ // 4: two events
		Success: []*etcdserverpb.RequestOp{opPut("a", "2"), opDel("b", "")}}})
	applyOne(t, s, putCmd("c", "1")) // 5
	applyOne(t, s, putCmd("d", "1")) // 6: revisions 3..6 kept, 2 compacted
	collect := func(start, end int64, stopAfter int) ([]string, error) {
		var got []string
		err := s.Events(start, end, func(ev *mvccpb.Event) error {
			if len(got) == stopAfter {
				return ErrStopEvents
			}
			got = append(got, eventLine(ev))
			return nil
		})
		return got, err
	}
	got, err := collect(4, 5, -1)
	want := []string{"PUT a=2 m4 v2 prev 1 m2", "DELETE b= m4 v0 prev 1 m3", "PUT c=1 m5 v1"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("events 4..5: %q, %v\nwant %q", got, err, want)
	}
	if got, err := collect(3, 6, 2); err != nil || len(got) != 2 || got[1] != want[0] {
		t.Fatalf("events 3..6 stopped after 2: %q, %v", got, err)
	}
	if got, err := collect(7, 9, -1); err != nil || len(got) != 0 {
		t.Fatalf("events past the revision: %q, %v", got, err)
	}
	if _, err := collect(2, 6, -1); !errors.Is(err, ErrCompacted) {
		t.Fatalf("events from the compacted revision: %v, want ErrCompacted", err)
	}
	boom := errors.New("boom")
	if err := s.Events(3, 6, func(*mvccpb.Event) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("callback error: %v, want it returned", err)
	}
}
