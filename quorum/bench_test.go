package quorum

import (
	"fmt"
	"testing"
)

func BenchmarkMajorityCommittedIndex(b *testing.B) {
	for _, n := range []int{3, 5, 7, 9} {
		b.Run(fmt.Sprintf("voters=%d", n), func(b *testing.B) {
			c := MajorityConfig{}
			acked := ackedMap{}
			for id := uint64(1); id <= uint64(n); id++ {
				c[id] = struct{}{}
				// Spread the acks so the sort has real work to do.
				acked[id] = Index(1000 + (id*7)%uint64(n))
			}
			var l AckedIndexer = acked
			b.ReportAllocs()
			var sink Index
			for b.Loop() {
				sink = c.CommittedIndex(l)
			}
			_ = sink
		})
	}
}
