package main

import (
	"strings"
	"testing"
)

// Two rounds of made-up output in the shapes the bench module prints,
// with a log line and a non-comparison benchmark mixed in.
const sample = `goos: linux
BenchmarkRawNodeSingleVoter/lib=tickraft-2   1000   1000 ns/op   2.000 storage-calls/op   263 B/op   1 allocs/op
BenchmarkRawNodeSingleVoter/lib=etcd-2       1000   3000 ns/op   4.000 storage-calls/op   415 B/op   3 allocs/op
BenchmarkQuorumCommitted/lib=tickraft/voters=3-2   100   10 ns/op   0 B/op   0 allocs/op
BenchmarkCodec/Heartbeat/Encode/impl=tickraft-2   100   50 ns/op   200.5 MB/s   16 B/op   1 allocs/op
BenchmarkOther-2   100   7 ns/op
    bench_test.go:12: BenchmarkNoise printed something
BenchmarkRawNodeSingleVoter/lib=tickraft-2   1000   1400 ns/op   2.000 storage-calls/op   263 B/op   1 allocs/op
BenchmarkRawNodeSingleVoter/lib=etcd-2       1000   2000 ns/op   4.000 storage-calls/op   415 B/op   3 allocs/op
BenchmarkRawNodeSingleVoter/lib=tickraft-2   1000   1200 ns/op   2.000 storage-calls/op   263 B/op   1 allocs/op
BenchmarkRawNodeSingleVoter/lib=etcd-2       1000   9000 ns/op   4.000 storage-calls/op   415 B/op   3 allocs/op
BenchmarkQuorumCommitted/lib=etcd/voters=3-2   100   12 ns/op   0 B/op   0 allocs/op
PASS
`

func TestParseAndTable(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := res.table(&sb, "tickraft", "etcd"); err != nil {
		t.Fatal(err)
	}
	// Medians: tickraft 1000,1400,1200 -> 1200; etcd 3000,2000,9000 ->
	// 3000; ratio 3000/1200 = 2.50. Quorum 12/10 = 1.20. Codec has no etcd
	// side in the sample, so its etcd cells are "-".
	want := `| workload | tickraft ns/op | etcd ns/op | etcd/tickraft | tickraft allocs/op | etcd allocs/op | other (tickraft / etcd) |
|---|--:|--:|--:|--:|--:|---|
| RawNodeSingleVoter | 1200 | 3000 | 2.50 | 1 | 3 | storage-calls/op 2 / 4 |
| QuorumCommitted/voters=3 | 10 | 12 | 1.20 | 0 | 0 |  |
| Codec/Heartbeat/Encode | 50 | - | - | 1 | - | MB/s 200 / - |
`
	if got := sb.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestSplitName(t *testing.T) {
	for _, c := range []struct{ in, workload, lib string }{
		{"BenchmarkA/lib=etcd-2", "A", "etcd"},
		{"BenchmarkA/lib=tickraft/voters=5-16", "A/voters=5", "tickraft"},
		{"BenchmarkCodec/MsgApp8x256/Decode/impl=etcd-2", "Codec/MsgApp8x256/Decode", "etcd"},
		{"BenchmarkPlain-2", "", ""},
	} {
		wl, lib, ok := splitName(c.in)
		if wl != c.workload && ok || lib != c.lib || ok != (c.lib != "") {
			t.Errorf("splitName(%q) = %q, %q, %v; want %q, %q", c.in, wl, lib, ok, c.workload, c.lib)
		}
	}
}

func TestMedian(t *testing.T) {
	if _, ok := median(nil); ok {
		t.Error("median of nothing reported a value")
	}
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got, _ := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseRejectsBrokenLine(t *testing.T) {
	if _, err := parse(strings.NewReader("BenchmarkA/lib=etcd-2 10 12 ns/op 5\n")); err == nil {
		t.Error("a line with a value and no unit parsed without error")
	}
	if _, err := parse(strings.NewReader("BenchmarkA/lib=etcd-2 10 twelve ns/op\n")); err == nil {
		t.Error("a non-numeric value parsed without error")
	}
}
