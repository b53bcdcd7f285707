package bench

import (
	"fmt"
	"runtime"
	"testing"
)

const scaleGroups = 10000

// BenchmarkMultiGroup hosts one replica of each of 10,000 three-voter groups.
// It reports the heap retained per idle group whose local replica is a
// follower (bytes and objects) and per group where it is the leader (after
// GC), and
// per op one Tick of an idle leader group with its Ready (heartbeats are
// dropped: the followers are not kept), in wall time and in the process's
// CPU time (cpu-ns/op).
func BenchmarkMultiGroup(b *testing.B) { forEachLib(b, multiGroup) }

// BenchmarkMultiGroup_ReuseReadyBuffers: the same with
// Config.ReuseReadyBuffers on tickraft (see libsReusing), so that an idle
// leader's heartbeats go out through an array its Advance hands back.
func BenchmarkMultiGroup_ReuseReadyBuffers(b *testing.B) {
	forEachLibIn(b, libsReusing, multiGroup)
}

func multiGroup(b *testing.B, l lib) {
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
	cpu0, cpuOK := processCPU()
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
	cpu1, _ := processCPU()
	calls := int64(0)
	for _, rn := range leaders {
		if rn.Lead() != 1 {
			b.Fatalf("a group lost its leader while idle")
		}
		calls += rn.StorageCalls()
	}
	b.ReportMetric(followers.bytes, "B/follower-group")
	b.ReportMetric(followers.objects, "objs/follower-group")
	b.ReportMetric(perLeader.bytes, "B/leader-group")
	b.ReportMetric(float64(calls-calls0)/float64(b.N), "storage-calls/op")
	if cpuOK {
		// CPU time, the GC's included, is steadier than ns/op on a shared
		// machine: time spent descheduled does not count.
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// groupHeap builds n groups keeping the replica at index keep, returns what
// they retain per group and lets them go.
func groupHeap(l lib, n, keep int) (heapUse, error) {
	return buildGroups(l, make([]rawNode, n), keep)
}

// heapUse is the heap retained per group: bytes, and objects (each one is
// work for every garbage collection).
type heapUse struct{ bytes, objects float64 }

// buildGroups fills dst with the replica at index keep of freshly elected
// three-voter groups, each ticked once (a heartbeat round) so that it is
// idle rather than just elected, and returns the heap retained per group.
func buildGroups(l lib, dst []rawNode, keep int) (heapUse, error) {
	before := heapStats()
	for g := range dst {
		c, err := newRawCluster(l, 3)
		if err != nil {
			return heapUse{}, fmt.Errorf("group %d: %w", g, err)
		}
		for _, rn := range c.nodes {
			rn.Tick()
		}
		if err := c.settle(); err != nil {
			return heapUse{}, fmt.Errorf("group %d: heartbeat round: %w", g, err)
		}
		dst[g] = c.nodes[keep]
		dst[g].Release()
	}
	after := heapStats()
	runtime.KeepAlive(dst)
	n := float64(len(dst))
	return heapUse{
		bytes:   (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n,
		objects: (float64(after.HeapObjects) - float64(before.HeapObjects)) / n,
	}, nil
}

func heapStats() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}
