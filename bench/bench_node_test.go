package bench

import "testing"

// BenchmarkNodeProposal3Nodes follows etcd's BenchmarkProposal3Nodes: three
// Nodes in one process, b.N proposals issued to the leader back to back,
// timed until every node applied them all.
func BenchmarkNodeProposal3Nodes(b *testing.B) { forEachLib(b, benchNodeProposal3Nodes) }

// BenchmarkNodeProposal3Nodes_ReuseReadyBuffers: the same with
// Config.ReuseReadyBuffers on tickraft (see libsReusing).
func BenchmarkNodeProposal3Nodes_ReuseReadyBuffers(b *testing.B) {
	forEachLibIn(b, libsReusing, benchNodeProposal3Nodes)
}

func benchNodeProposal3Nodes(b *testing.B, l lib) {
	c, err := newGoCluster(l, 3)
	if err != nil {
		b.Fatal(err)
	}
	defer c.stop()
	data := []byte("somedata")
	calls0 := c.storageCalls()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := c.nodes[0].Propose(c.ctx, data); err != nil {
			b.Fatal(err)
		}
	}
	for i := range c.nodes {
		if err := c.wait(i, int64(b.N)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(c.storageCalls()-calls0)/float64(b.N), "storage-calls/op")
	if err := c.stop(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkNodeSingle: one Node; per op one 128 B proposal, waited for
// until it is committed and applied.
func BenchmarkNodeSingle(b *testing.B) { forEachLib(b, benchNodeSingle) }

// BenchmarkNodeSingle_ReuseReadyBuffers: the same with
// Config.ReuseReadyBuffers on tickraft (see libsReusing).
func BenchmarkNodeSingle_ReuseReadyBuffers(b *testing.B) {
	forEachLibIn(b, libsReusing, benchNodeSingle)
}

func benchNodeSingle(b *testing.B, l lib) {
	c, err := newGoCluster(l, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer c.stop()
	data := make([]byte, 128)
	calls0 := c.storageCalls()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := c.nodes[0].Propose(c.ctx, data); err != nil {
			b.Fatal(err)
		}
		if err := c.wait(0, int64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(c.storageCalls()-calls0)/float64(b.N), "storage-calls/op")
	if err := c.stop(); err != nil {
		b.Fatal(err)
	}
}
