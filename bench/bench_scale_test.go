package bench

import (
	"fmt"
	"runtime"
	"testing"
)

const scaleGroups = 10000

// BenchmarkMultiGroup hosts one replica of each of 10,000 three-voter groups.
// It reports the heap retained per idle group whose local replica is a
// follower and per group where it is the leader (after GC, B/group), and
// per op one Tick of an idle leader group with its Ready (heartbeats are
// dropped: the followers are not kept).
func BenchmarkMultiGroup(b *testing.B) {
	forEachLib(b, func(b *testing.B, l lib) {
		followers, err := groupHeap(l, scaleGroups, 1)
		if err != nil {
			b.Fatal(err)
		}
		leaders := make([]rawNode, scaleGroups)
		perLeader, err := buildGroups(l, leaders, 0)
		if err != nil {
			b.Fatal(err)
		}
		calls0 := int64(0)
		for _, rn := range leaders {
			calls0 += rn.StorageCalls()
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			rn := leaders[i%len(leaders)]
			i++
			rn.Tick()
			if rn.HasReady() {
				rn.Ready()
				if err := rn.Persist(); err != nil {
					b.Fatal(err)
				}
				rn.Advance()
			}
		}
		calls := int64(0)
		for _, rn := range leaders {
			if rn.Lead() != 1 {
				b.Fatalf("a group lost its leader while idle")
			}
			calls += rn.StorageCalls()
		}
		b.ReportMetric(followers, "B/follower-group")
		b.ReportMetric(perLeader, "B/leader-group")
		b.ReportMetric(float64(calls-calls0)/float64(b.N), "storage-calls/op")
	})
}

// groupHeap builds n groups keeping the replica at index keep, returns the
// heap bytes they retain per group and lets them go.
func groupHeap(l lib, n, keep int) (float64, error) {
	return buildGroups(l, make([]rawNode, n), keep)
}

// buildGroups fills dst with the replica at index keep of freshly elected
// three-voter groups and returns the heap retained per group.
func buildGroups(l lib, dst []rawNode, keep int) (float64, error) {
	before := heapAlloc()
	for g := range dst {
		c, err := newRawCluster(l, 3)
		if err != nil {
			return 0, fmt.Errorf("group %d: %w", g, err)
		}
		dst[g] = c.nodes[keep]
	}
	after := heapAlloc()
	runtime.KeepAlive(dst)
	return (float64(after) - float64(before)) / float64(len(dst)), nil
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
