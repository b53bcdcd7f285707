package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// historyRevs lists the revision and sub of every stored history event.
func historyRevs(t *testing.T, s *KV) []string {
	t.Helper()
	var out []string
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketHistory).ForEach(func(k, _ []byte) error {
			out = append(out, fmt.Sprintf("%d.%d", binary.BigEndian.Uint64(k), binary.BigEndian.Uint32(k[8:])))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// indexWorkload writes puts, overwrites, a delete-range, a txn writing one
// key twice and a leased key, then compacts: a history with live keys
// below the compacted revision, deleted ones, and events above it.
func indexWorkload(t *testing.T, s *KV) {
	t.Helper()
	l := &log{next: s.Applied().Index + 1}
	l.cmd(t, putCmd("a", "1")) // 2
	l.cmd(t, putCmd("b", "1")) // 3
	l.cmd(t, putCmd("c", "1")) // 4
	l.cmd(t, putCmd("a", "2")) // 5
	l.cmd(t, delCmd("b", "c")) // 6
	l.cmd(t, &Command{Txn: &etcdserverpb.TxnRequest{Success: []*etcdserverpb.RequestOp{
		opPut("d", "1"), opPut("d", "2"), opPut("e", "1"),
	}}}) // 7
	l.cmd(t, grantCmd(9, 60))
	l.cmd(t, leasePut("f", "1", 9)) // 8
	mustApply(t, s, l.take())
	if res := applyOne(t, s, compactCmd(7)); res.Err != nil {
		t.Fatal(res.Err)
	}
	mustApply(t, s, (&log{next: s.Applied().Index + 1}).cmd(t, putCmd("e", "2")).take()) // 9
}

// TestCompactionKeepsLatestOfLiveKeys: compaction drops every event at or
// below the compacted revision except the latest of each live key, and a
// later write of such a key drops the one kept.
func TestCompactionKeepsLatestOfLiveKeys(t *testing.T) {
	s := openTest(t, Options{})
	indexWorkload(t, s)
	// Compacted through 6: a@5 and c@4 are kept, a@2, b@3 and b's
	// delete at 6 are gone; 7.* (d twice, e) and later stay.
	want := []string{"4.0", "5.0", "7.0", "7.1", "7.2", "8.0", "9.0"}
	if got := historyRevs(t, s); !slices.Equal(got, want) {
		t.Fatalf("history %q, want %q", got, want)
	}
	wantKeys := []string{"a=2 c2 m5 v2", "c=1 c4 m4 v1", "d=2 c7 m7 v2", "e=2 c7 m9 v2", "f=1 c8 m8 v1"}
	if got := liveKeys(t, s); !slices.Equal(got, wantKeys) {
		t.Fatalf("keys %q, want %q", got, wantKeys)
	}
	// Overwriting c and deleting a drop their kept events; the new events
	// are above the compacted revision and stay.
	l := &log{next: s.Applied().Index + 1}
	mustApply(t, s, l.cmd(t, putCmd("c", "2")).cmd(t, delCmd("a", "")).take())
	want = []string{"7.0", "7.1", "7.2", "8.0", "9.0", "10.0", "11.0"}
	if got := historyRevs(t, s); !slices.Equal(got, want) {
		t.Fatalf("history after rewriting the kept keys %q, want %q", got, want)
	}
	// Compacting past everything keeps one event per live key.
	if res := applyOne(t, s, compactCmd(s.Revision())); res.Err != nil {
		t.Fatal(res.Err)
	}
	want = []string{"7.1", "8.0", "9.0", "10.0", "11.0"}
	if got := historyRevs(t, s); !slices.Equal(got, want) {
		t.Fatalf("history after compacting everything %q, want %q", got, want)
	}
	wantKeys = []string{"c=2 c4 m10 v2", "d=2 c7 m7 v2", "e=2 c7 m9 v2", "f=1 c8 m8 v1"}
	if got := liveKeys(t, s); !slices.Equal(got, wantKeys) {
		t.Fatalf("keys %q, want %q", got, wantKeys)
	}
}

// TestIndexRebuiltOnOpen: reopening rebuilds the index the writes built,
// from a history compacted under live keys.
func TestIndexRebuiltOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s := openAt(t, path, Options{NoSync: true})
	indexWorkload(t, s)
	want := dump(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{NoSync: true})
	if got := dump(t, s); got != want {
		t.Fatalf("reopened\n%s\nwant\n%s", got, want)
	}
	if _, keys, err := s.LeaseInfo(9); err != nil || len(keys) != 1 || string(keys[0]) != "f" {
		t.Fatalf("lease 9 after reopening: %q %v, want key f", keys, err)
	}
	// Revoking after the rebuild deletes the leased key through the index.
	if res := applyOne(t, s, revokeCmd(9)); res.Err != nil || mustLease(t, res).RevokedKeys != 1 {
		t.Fatalf("revoke after reopening: %+v", res)
	}
	if got := liveKeys(t, s); slices.Contains(got, "f=1 c8 m8 v1") {
		t.Fatalf("revoked key f still there: %q", got)
	}
}

// TestRestoreRebuildsIndex: a restored store answers from the snapshot's
// keys, not the ones it held, including keys only compaction's kept
// events hold.
func TestRestoreRebuildsIndex(t *testing.T) {
	src := openTest(t, Options{})
	indexWorkload(t, src)
	var snap bytes.Buffer
	if _, err := src.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	dst := openTest(t, Options{})
	l := &log{}
	mustApply(t, dst, l.cmd(t, putCmd("stale", "x")).cmd(t, putCmd("a", "stale")).take())
	if _, err := dst.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	if got, want := liveKeys(t, dst), liveKeys(t, src); !slices.Equal(got, want) {
		t.Fatalf("restored keys %q, want %q", got, want)
	}
	if got, want := dump(t, dst), dump(t, src); got != want {
		t.Fatalf("restored\n%s\nwant\n%s", got, want)
	}
}

// writeFormat1 writes a database as raftkv stored it before format 2:
// meta without storage_format, and a keys bucket.
func writeFormat1(t *testing.T, path string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketOldKeys, bucketHistory, bucketSessions, bucketLeases, bucketLeaseKey} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaRevision, u64bytes(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFormat1Refused: neither Open nor Restore takes a format 1 database.
func TestFormat1Refused(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	writeFormat1(t, old)
	if s, err := Open(old, Options{}); err == nil || !strings.Contains(err.Error(), "storage format 1") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("opening a format 1 database: %v, want a storage format 1 error", err)
	}
	s := openTest(t, Options{})
	mustApply(t, s, (&log{}).cmd(t, putCmd("a", "1")).take())
	before := dump(t, s)
	data := readFile(t, old)
	if _, err := s.Restore(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), "storage format 1") {
		t.Fatalf("restoring a format 1 snapshot: %v, want a storage format 1 error", err)
	}
	if dump(t, s) != before {
		t.Fatal("a refused snapshot changed the state")
	}
}

// TestUnknownFormatRefused: a format number this code does not know, or a
// marker that is not a number, is refused too, and the error says which.
func TestUnknownFormatRefused(t *testing.T) {
	for _, tc := range []struct {
		marker []byte
		want   string
	}{
		{u64bytes(3), "storage format 3, and this raftkv reads only format 2"},
		{[]byte{0, 0, 0, 2}, "storage format marker of 4 bytes"},
	} {
		path := filepath.Join(t.TempDir(), "kv.db")
		s := openAt(t, path, Options{NoSync: true})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		setRaw(t, path, bucketMeta, metaFormat, tc.marker)
		if s, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			if s != nil {
				s.Close()
			}
			t.Fatalf("opening a database with format marker %x: %v, want an error containing %q", tc.marker, err, tc.want)
		}
	}
}

// TestOpenRefusesUnreadableHistory: an event the index cannot be rebuilt
// from fails Open and Restore, naming it.
func TestOpenRefusesUnreadableHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s := openAt(t, path, Options{NoSync: true})
	mustApply(t, s, (&log{}).cmd(t, putCmd("a", "1")).take())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	setRaw(t, path, bucketHistory, historyKey(2, 0), []byte{0xff, 0xff})
	if s, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "rebuilding the key index") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("opening with a malformed event: %v, want a rebuild error", err)
	}
	dst := openTest(t, Options{})
	if _, err := dst.Restore(bytes.NewReader(readFile(t, path))); err == nil || !strings.Contains(err.Error(), "rebuilding the key index") {
		t.Fatalf("restoring with a malformed event: %v, want a rebuild error", err)
	}
}

// TestReadRetriesAcrossCommit: a commit landing between a reader's load of
// the committed index and its bbolt transaction would pair an old index
// with a history whose compaction dropped the event it points at; the
// reader notices and reads again, consistently.
func TestReadRetriesAcrossCommit(t *testing.T) {
	s := openTest(t, Options{})
	mustApply(t, s, (&log{}).cmd(t, putCmd("k", "old")).take())
	calls := 0
	s.beforeBegin = func() {
		calls++
		if calls == 1 {
			l := &log{next: s.Applied().Index + 1}
			mustApply(t, s, l.cmd(t, putCmd("k", "new")).cmd(t, compactCmd(3)).take())
		}
	}
	resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte("k")})
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "new" || resp.Header.Revision != 3 {
		t.Fatalf("range across a commit: %v %v, want k=new at 3", resp, err)
	}
	if calls != 1 {
		t.Fatalf("the reader began %d unlocked transactions, want 1 then a locked one", calls)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// setRaw writes one value into a closed database's bucket.
func setRaw(t *testing.T, path string, bucket, k, v []byte) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucket).Put(k, v) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadsUnderApplyAndCompaction: readers running beside commits that
// overwrite every key and compact the overwritten events always find the
// value their index points at.
func TestReadsUnderApplyAndCompaction(t *testing.T) {
	s := openTest(t, Options{HistoryRevisions: 1})
	const keys = 20
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte{0}, RangeEnd: []byte{0}})
			if err == nil && int64(len(resp.Kvs)) != resp.Count {
				err = fmt.Errorf("read %d of %d keys", len(resp.Kvs), resp.Count)
			}
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	l := &log{}
	for i := range 300 {
		l.cmd(t, putCmd(fmt.Sprintf("k%02d", i%keys), fmt.Sprint(i)))
		mustApply(t, s, l.take())
	}
	close(done)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
