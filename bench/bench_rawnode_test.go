package bench

import "testing"

// BenchmarkRawNodeSingleVoter: one voter; per op one 128 B proposal is
// proposed, persisted, committed and applied.
func BenchmarkRawNodeSingleVoter(b *testing.B) { forEachLib(b, singleVoter) }

// BenchmarkRawNodeSingleVoter_ReuseReadyBuffers: the same with
// Config.ReuseReadyBuffers on tickraft (see libsReusing).
func BenchmarkRawNodeSingleVoter_ReuseReadyBuffers(b *testing.B) {
	forEachLibIn(b, libsReusing, singleVoter)
}

func singleVoter(b *testing.B, l lib) { benchRawCluster(b, l, 1, 1, 128) }

// BenchmarkRawNodeThreeVoters: a leader and two followers with synchronous
// delivery; per op one 128 B proposal committed and applied everywhere.
func BenchmarkRawNodeThreeVoters(b *testing.B) { forEachLib(b, threeVoters) }

// BenchmarkRawNodeThreeVoters_ReuseReadyBuffers: the same with
// Config.ReuseReadyBuffers on tickraft (see libsReusing).
func BenchmarkRawNodeThreeVoters_ReuseReadyBuffers(b *testing.B) {
	forEachLibIn(b, libsReusing, threeVoters)
}

func threeVoters(b *testing.B, l lib) { benchRawCluster(b, l, 3, 1, 128) }

// BenchmarkRawNodeBatched: five voters, 64 proposals of 1 KiB per Ready;
// per op one batch. MB/s counts payload bytes.
func BenchmarkRawNodeBatched(b *testing.B) {
	forEachLib(b, func(b *testing.B, l lib) { benchRawCluster(b, l, 5, 64, 1024) })
}

// forEachLib runs fn as sub-benchmarks lib=tickraft and lib=etcd.
func forEachLib(b *testing.B, fn func(*testing.B, lib)) { forEachLibIn(b, libs, fn) }

// forEachLibIn does the same over ls (libs or libsReusing).
func forEachLibIn(b *testing.B, ls []lib, fn func(*testing.B, lib)) {
	for _, l := range ls {
		b.Run("lib="+l.name(), func(b *testing.B) { fn(b, l) })
	}
}

func benchRawCluster(b *testing.B, l lib, voters, batch, size int) {
	c, err := newRawCluster(l, voters)
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	leader := c.nodes[0]
	calls0 := c.storageCalls()
	if batch > 1 {
		b.SetBytes(int64(batch * size))
	}
	b.ReportAllocs()
	for b.Loop() {
		for range batch {
			if err := leader.Propose(data); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.settle(); err != nil {
			b.Fatal(err)
		}
		if err := c.maybeCompact(); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.checkApplied(b.N * batch); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(c.storageCalls()-calls0)/float64(b.N), "storage-calls/op")
}
