package kv

import (
	"bytes"
	"fmt"
	"testing"

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
