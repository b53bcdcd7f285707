package bench

import (
	"strconv"
	"testing"
)

// quorumAcked is a voter set of size n with distinct acknowledged indexes
// in no particular order: voter id acked 100 + ((2*id)%n)*10 (2 is
// coprime to 3, 5 and 7, so the indexes are distinct).
func quorumAcked(n int) map[uint64]uint64 {
	acked := map[uint64]uint64{}
	for id := 1; id <= n; id++ {
		acked[uint64(id)] = 100 + uint64((2*id)%n)*10
	}
	return acked
}

// BenchmarkQuorumCommitted: per op one MajorityConfig.CommittedIndex over
// 3, 5 and 7 voters.
func BenchmarkQuorumCommitted(b *testing.B) {
	forEachLib(b, func(b *testing.B, l lib) {
		for _, n := range []int{3, 5, 7} {
			b.Run("voters="+strconv.Itoa(n), func(b *testing.B) {
				committed := l.majorityCommitted(quorumAcked(n))
				b.ReportAllocs()
				for b.Loop() {
					committed()
				}
			})
		}
	})
}
