package kv

import (
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

func compactCmd(rev int64) *Command {
	return &Command{Compaction: &etcdserverpb.CompactionRequest{Revision: rev}}
}

// valueAt reads k at rev and returns its value, "" when absent.
func valueAt(t *testing.T, s *KV, k string, rev int64) (string, error) {
	t.Helper()
	resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte(k), Revision: rev})
	if err != nil || len(resp.Kvs) == 0 {
		return "", err
	}
	return string(resp.Kvs[0].Value), nil
}

// TestCompact: puts k=1..5 at revisions 2..6, then compacts explicitly.
// Compact(r) keeps r readable and drops the events of the revisions below.
func TestCompact(t *testing.T) {
	s := openTest(t, Options{})
	for i := 1; i <= 5; i++ {
		applyOne(t, s, putCmd("k", fmt.Sprint(i)))
	}
	refused := []struct {
		rev  int64
		want error
	}{{7, ErrFutureRevision}, {0, ErrCompacted}, {-1, ErrCompacted}}
	for _, tc := range refused {
		if res := applyOne(t, s, compactCmd(tc.rev)); !errors.Is(res.Err, tc.want) || res.Compaction != nil {
			t.Fatalf("compact %d: %v, want %v", tc.rev, res.Err, tc.want)
		}
	}
	if s.CompactedRevision() != 0 {
		t.Fatalf("refused compactions moved the compacted revision to %d", s.CompactedRevision())
	}
	res := applyOne(t, s, compactCmd(4))
	if res.Err != nil || res.Compaction.Header.Revision != 6 || s.CompactedRevision() != 3 || s.Revision() != 6 {
		t.Fatalf("compact 4: %v %v; compacted %d revision %d, want header 6, compacted 3, revision 6",
			res.Compaction, res.Err, s.CompactedRevision(), s.Revision())
	}
	if v, err := valueAt(t, s, "k", 4); err != nil || v != "3" {
		t.Fatalf("read at 4 after compacting to 4: %q %v, want 3", v, err)
	}
	if _, err := valueAt(t, s, "k", 3); !errors.Is(err, ErrCompacted) {
		t.Fatalf("read at 3 after compacting to 4: %v, want ErrCompacted", err)
	}
	if evs, err := s.History(4, 0); err != nil || len(evs) != 3 || evs[0].Kv.ModRevision != 4 {
		t.Fatalf("history from 4: %d events, %v; want 3 from revision 4", len(evs), err)
	}
	if _, err := s.History(3, 0); !errors.Is(err, ErrCompacted) {
		t.Fatalf("history from 3: %v, want ErrCompacted", err)
	}
	// 4 is now etcd's compaction revision: compacting to it or below fails.
	for _, rev := range []int64{2, 4} {
		if res := applyOne(t, s, compactCmd(rev)); !errors.Is(res.Err, ErrCompacted) {
			t.Fatalf("compact %d after compacting to 4: %v, want ErrCompacted", rev, res.Err)
		}
	}
	if res := applyOne(t, s, compactCmd(6)); res.Err != nil || s.CompactedRevision() != 5 {
		t.Fatalf("compact to the current revision: %v, compacted %d, want 5", res.Err, s.CompactedRevision())
	}
	if v, err := valueAt(t, s, "k", 6); err != nil || v != "5" {
		t.Fatalf("read at 6 after compacting to 6: %q %v, want 5", v, err)
	}
}

// TestCompactWithRetention: automatic compaction keeps working next to
// explicit compaction, and the furthest of the two wins.
func TestCompactWithRetention(t *testing.T) {
	s := openTest(t, Options{HistoryRevisions: 3})
	for i := 1; i <= 5; i++ {
		applyOne(t, s, putCmd("k", fmt.Sprint(i)))
	}
	// Revision 6 keeping 3: compacted through 3, oldest readable 4.
	if res := applyOne(t, s, compactCmd(4)); !errors.Is(res.Err, ErrCompacted) {
		t.Fatalf("compact 4 with 4 the oldest readable: %v, want ErrCompacted", res.Err)
	}
	if res := applyOne(t, s, compactCmd(6)); res.Err != nil || s.CompactedRevision() != 5 {
		t.Fatalf("compact 6: %v, compacted %d, want 5", res.Err, s.CompactedRevision())
	}
	applyOne(t, s, putCmd("k", "6")) // revision 7: retention floor 4 is behind 5
	if s.CompactedRevision() != 5 {
		t.Fatalf("compacted %d at revision 7, want 5 from the explicit compaction", s.CompactedRevision())
	}
	applyOne(t, s, putCmd("k", "7"))
	applyOne(t, s, putCmd("k", "8")) // revision 9: floor 6
	if s.CompactedRevision() != 6 {
		t.Fatalf("compacted %d at revision 9, want 6 from retention", s.CompactedRevision())
	}
}

// TestCompactReplicates: two stores applying the same log, compactions
// included, end byte for byte equal, and the command survives encoding.
func TestCompactReplicates(t *testing.T) {
	a, b := openTest(t, Options{HistoryRevisions: 4}), openTest(t, Options{HistoryRevisions: 4})
	l := &log{}
	for i := range 6 {
		l.cmd(t, putCmd(fmt.Sprint("k", i%3), fmt.Sprint(i)))
		if i == 3 {
			l.cmd(t, compactCmd(5))
		}
	}
	ents := l.take()
	mustApply(t, a, ents)
	for _, e := range ents {
		mustApply(t, b, ents[e.Index-1:e.Index])
	}
	if da, db := dump(t, a), dump(t, b); da != db {
		t.Fatalf("replicas differ:\n%s\n%s", da, db)
	}
	if a.CompactedRevision() != 4 {
		t.Fatalf("compacted %d, want 4 (explicit compaction to 5, retention floor 3)", a.CompactedRevision())
	}
	c, err := DecodeCommand(mustEncode(t, compactCmd(9)))
	if err != nil || c.Compaction == nil || c.Compaction.Revision != 9 {
		t.Fatalf("decoded %+v, %v; want a compaction to 9", c, err)
	}
}

func mustEncode(t *testing.T, c *Command) []byte {
	t.Helper()
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}
