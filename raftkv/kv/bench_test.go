package kv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// BenchmarkApply64x256 applies batches of 64 puts of 256-byte values with
// fsync on, over 1024 distinct keys. One op is one batch. bbolt syncs twice
// per commit (pages, then meta), so fsyncs/op is 2 × commits/op.
func BenchmarkApply64x256(b *testing.B) {
	s := openAt(b, b.TempDir()+"/kv.db", Options{HistoryRevisions: 1000})
	val := string(bytes.Repeat([]byte("x"), 256))
	l := &log{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		for j := range 64 {
			l.cmd(b, putCmd(fmt.Sprintf("key%04d", (i*64+j)%1024), val))
		}
		ents := l.take()
		start := s.commits.Load()
		b.StartTimer()
		if _, err := s.Apply(ents); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if s.commits.Load()-start != 1 {
			b.Fatalf("one batch took %d commits", s.commits.Load()-start)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(s.commits.Load())/float64(b.N), "commits/op")
}

// BenchmarkRangeOneKey reads one key out of 10,000.
func BenchmarkRangeOneKey(b *testing.B) {
	s := openTest(b, Options{})
	l := &log{}
	for i := range 10000 {
		l.cmd(b, putCmd(fmt.Sprintf("key%05d", i), "value"))
		if i%1000 == 999 {
			mustApply(b, s, l.take())
		}
	}
	req := &etcdserverpb.RangeRequest{Key: []byte("key04242")}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := s.Range(req)
		if err != nil || len(resp.Kvs) != 1 {
			b.Fatal(resp, err)
		}
	}
}

// BenchmarkCommitPages measures what one periodic commit writes under
// random puts, as the server stages them: 10,000 keys of 8 bytes are
// loaded, then each op stages 300 puts of 256-byte values to random keys
// in batches of 30 and commits once. pages/commit is bbolt's count of page
// writes (one pwrite each) per commit.
func BenchmarkCommitPages(b *testing.B) {
	s := openAt(b, b.TempDir()+"/kv.db", Options{NoSync: true})
	val := string(bytes.Repeat([]byte("x"), 256))
	rng := rand.New(rand.NewPCG(1, 2))
	l := &log{}
	for i := range 10000 {
		l.cmd(b, putCmd(fmt.Sprintf("k%07d", i), val))
		if i%1000 == 999 {
			mustApply(b, s, l.take())
		}
	}
	db := func() *bbolt.DB { s.mu.RLock(); defer s.mu.RUnlock(); return s.db }()
	writes0 := txWrites(db)
	commits := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for range 10 {
			for range 30 {
				l.cmd(b, putCmd(fmt.Sprintf("k%07d", rng.IntN(10000)), val))
			}
			if _, err := s.Stage(l.take()); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Commit(); err != nil {
			b.Fatal(err)
		}
		commits++
	}
	b.ReportMetric(float64(txWrites(db)-writes0)/float64(commits), "pages/commit")
}

func txWrites(db *bbolt.DB) int64 {
	st := db.Stats()
	return st.TxStats.GetWrite()
}

// BenchmarkBuildIndex rebuilds the key index from a history of 100,000
// puts of 256-byte values over 10,000 keys, as Open does; B/op over
// 10,000 is the index's memory per live key (8-byte keys).
func BenchmarkBuildIndex(b *testing.B) {
	s := openAt(b, b.TempDir()+"/kv.db", Options{NoSync: true})
	val := string(bytes.Repeat([]byte("x"), 256))
	l := &log{}
	for i := range 100000 {
		l.cmd(b, putCmd(fmt.Sprintf("k%07d", i%10000), val))
		if i%5000 == 4999 {
			mustApply(b, s, l.take())
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		err := s.view(func(tx *bbolt.Tx) error {
			idx, err := buildIndex(tx)
			if err == nil && idx.Len() != 10000 {
				err = fmt.Errorf("rebuilt %d keys, want 10000", idx.Len())
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
