package watch

import (
	"fmt"
	"testing"
)

// BenchmarkPublish measures the hub's work per committed put with many
// watchers on a stream, one of which matches: reading the revision back
// from the history and offering it to every synced watcher.
func BenchmarkPublish(b *testing.B) {
	for _, watchers := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("watchers=%d", watchers), func(b *testing.B) {
			st := newStore(b, 0)
			h := newHub(st, Options{MaxPendingEvents: 1 << 30, MaxPendingBytes: 1 << 30})
			s := h.NewStream()
			for i := range watchers - 1 {
				s.Create(create(fmt.Sprintf("other%d", i), "", 0))
			}
			s.Create(create("k", "", 0))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				st.put("k", "v")
				b.StartTimer()
				h.poll()
			}
			b.StopTimer()
			s.Close()
		})
	}
}
