package tracker

import (
	"fmt"
	"testing"
	"unsafe"
)

// BenchmarkInflightsAddFreeLE measures the steady replication pattern: one
// append sent, one acknowledged, on a window kept half full.
func BenchmarkInflightsAddFreeLE(b *testing.B) {
	for _, size := range []int{16, 256} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			in := NewInflights(size, 0)
			index := uint64(0)
			for range size / 2 {
				index++
				in.Add(index, 100)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				index++
				in.Add(index, 100)
				in.FreeLE(index - uint64(size/2))
			}
		})
	}
}

func benchTracker(voters int) *ProgressTracker {
	ids := make([]uint64, voters)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	p := trackerWith(ids, nil, nil)
	for id, pr := range p.Progress {
		pr.Match = 100 + id
	}
	return p
}

func BenchmarkCommitted(b *testing.B) {
	for _, voters := range []int{3, 5} {
		b.Run(fmt.Sprintf("voters=%d", voters), func(b *testing.B) {
			p := benchTracker(voters)
			b.ReportAllocs()
			for range b.N {
				_ = p.Committed()
			}
		})
	}
}

func BenchmarkVisit(b *testing.B) {
	for _, peers := range []int{3, 5, 32} {
		b.Run(fmt.Sprintf("peers=%d", peers), func(b *testing.B) {
			p := benchTracker(peers)
			var sum uint64
			f := func(_ uint64, pr *Progress) { sum += pr.Match }
			b.ReportAllocs()
			for range b.N {
				p.Visit(f)
			}
		})
	}
}

// TestStructSizes guards the per-follower types against silent growth: the
// leader keeps one of each per peer and touches them on every append.
func TestStructSizes(t *testing.T) {
	if got := unsafe.Sizeof(Progress{}); got > 64 {
		t.Errorf("Progress is %d bytes, want at most 64", got)
	}
	if got := unsafe.Sizeof(Inflights{}); got > 64 {
		t.Errorf("Inflights is %d bytes, want at most 64", got)
	}
}

// BenchmarkQuorumActive: the check a CheckQuorum leader makes once per
// election timeout, over three and seven voters, all active.
func BenchmarkQuorumActive(b *testing.B) {
	for _, n := range []uint64{3, 7} {
		b.Run(fmt.Sprintf("voters=%d", n), func(b *testing.B) {
			var ids []uint64
			for id := uint64(1); id <= n; id++ {
				ids = append(ids, id)
			}
			p := trackerWith(ids, nil, nil)
			for _, pr := range p.Progress {
				pr.RecentActive = true
			}
			b.ReportAllocs()
			for b.Loop() {
				if !p.QuorumActive() {
					b.Fatal("all voters are active")
				}
			}
		})
	}
}
