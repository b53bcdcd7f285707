package server

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// BenchmarkStartAfterHistory measures what auto-compaction saves at start:
// kv.Open rebuilding the key index from the history after 40,000 puts over
// 100 keys, with the whole history kept and with revision mode keeping
// 1,000 revisions.
func BenchmarkStartAfterHistory(b *testing.B) {
	for _, keep := range []int64{0, 1000} {
		b.Run(fmt.Sprintf("keep=%d", keep), func(b *testing.B) {
			dir := b.TempDir()
			cfg := testConfig(1, dir, map[uint64]string{1: freeAddrs(b, 1)[0]})
			cfg.KV.MmapBytes = 256 << 20
			if keep > 0 {
				cfg.AutoCompaction = AutoCompaction{Revisions: keep, RevisionInterval: 100 * time.Millisecond}
			}
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			fillHistory(b, s, 40000, 100)
			if keep > 0 {
				rev := s.KV().Revision()
				for s.KV().CompactedRevision() < rev-keep-1 {
					time.Sleep(10 * time.Millisecond)
				}
			}
			events := s.KV().Revision() - s.KV().CompactedRevision()
			if err := s.Stop(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				k, err := kv.Open(filepath.Join(dir, "kv.db"), cfg.KV)
				if err != nil {
					b.Fatal(err)
				}
				k.Close()
			}
			b.ReportMetric(float64(events), "events")
		})
	}
}

func fillHistory(b *testing.B, s *Server, writes, keys int) {
	for s.Status().Leader == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	const writers = 64
	val := make([]byte, 256)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < writes; i += writers {
				if _, err := s.Put(context.Background(), &pb.PutRequest{Key: []byte(key(i % keys)), Value: val}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Puts are answered before kv commits them; let the last ones land.
	if err := s.WaitVisible(context.Background()); err != nil {
		b.Fatal(err)
	}
}
