package watch

import (
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// memSource is a history with one put of key "k" per revision, made up on
// demand, so that a benchmark times the hub and not the store.
type memSource struct{ rev int64 }

func (m *memSource) Revision() int64          { return m.rev }
func (m *memSource) CompactedRevision() int64 { return 0 }

func (m *memSource) Events(start, end int64, fn func(*mvccpb.Event) error) error {
	for r := start; r <= end && r <= m.rev; r++ {
		ev := &mvccpb.Event{Type: mvccpb.PUT, Kv: &mvccpb.KeyValue{Key: []byte("k"), Value: []byte("v"), ModRevision: r, Version: 1}}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkPublish measures the hub publishing batches of 100 revisions
// with many watchers, one of which matches, and the stream taking them.
func BenchmarkPublish(b *testing.B) {
	const batch = 100
	for _, watchers := range []int{1, 1000} {
		b.Run(fmt.Sprintf("watchers=%d", watchers), func(b *testing.B) {
			src := &memSource{rev: 1}
			h := New(src, Options{})
			s := h.NewStream()
			defer s.Close()
			for i := range watchers - 1 {
				s.Create(create(fmt.Sprintf("other%d", i), "", 0))
			}
			s.Create(create("k", "", 0))
			take(b, s)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				src.rev += batch
				h.poll()
				if got := take(b, s); len(got) != 1 || len(got[0].Events) != batch {
					b.Fatalf("took %d responses, want one of %d events", len(got), batch)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/revision")
		})
	}
}
