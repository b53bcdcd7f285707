package main

import (
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	// Worked by hand: above 127 µs a value's bucket keeps its top 7 bits.
	for _, c := range []struct {
		v      uint64
		idx    int
		lo, hi uint64
	}{
		{0, 0, 0, 0},
		{127, 127, 127, 127},
		{128, 128, 128, 129}, // 8 bits: shift 1, top 64
		{129, 128, 128, 129},
		{130, 129, 130, 131},
		{255, 191, 254, 255},    // shift 1, top 127: the last of the first octave
		{256, 192, 256, 259},    // 9 bits: shift 2, top 64
		{1000, 317, 1000, 1007}, // 10 bits: shift 3, top 125: 128+2·64+61
		{1 << 63, histBuckets - histHalf, 1 << 63, 1<<63 + 1<<57 - 1},
		{^uint64(0), histBuckets - 1, ^uint64(0) - (1<<57 - 1), ^uint64(0)},
	} {
		if got := bucketOf(c.v); got != c.idx {
			t.Errorf("bucketOf(%d) = %d, want %d", c.v, got, c.idx)
		}
		if lo, hi := bucketBounds(c.idx); lo != c.lo || hi != c.hi {
			t.Errorf("bucketBounds(%d) = [%d, %d], want [%d, %d]", c.idx, lo, hi, c.lo, c.hi)
		}
	}
}

// TestHistogramBucketsTile checks that consecutive buckets tile the
// values with no gap or overlap, each at most 1/64 of its lower bound wide.
func TestHistogramBucketsTile(t *testing.T) {
	var next uint64
	for i := range histBuckets {
		lo, hi := bucketBounds(i)
		if lo != next || hi < lo {
			t.Fatalf("bucket %d is [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if lo >= histExact && hi-lo+1 > lo/histHalf {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of %d", i, lo, hi, histHalf, lo)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d]: bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		next = hi + 1
	}
	if next != 0 {
		t.Fatalf("the last bucket ends at %d, want the largest uint64", next-1)
	}
}

func record(h *histogram, us ...uint64) {
	for _, v := range us {
		h.record(time.Duration(v) * time.Microsecond)
	}
}

func TestHistogramPercentiles(t *testing.T) {
	var exact histogram // 1..100 µs: one sample per exact bucket
	for v := uint64(1); v <= 100; v++ {
		record(&exact, v)
	}
	var spread histogram
	record(&spread, 1000, 1003, 1010, 5000)
	var tail histogram // 999 fast samples and one slow one
	for range 999 {
		record(&tail, 10)
	}
	record(&tail, 2000)
	var one histogram
	record(&one, 5000)

	for _, c := range []struct {
		name string
		h    *histogram
		p    float64
		want uint64
	}{
		{"exact", &exact, 50, 50},
		{"exact", &exact, 90, 90},
		{"exact", &exact, 99, 99},
		{"exact", &exact, 99.9, 100}, // rank ⌈99.9⌉ = 100
		{"exact", &exact, 0, 1},
		{"exact", &exact, 100, 100},
		// 1000 and 1003 share the bucket [1000, 1007]; its top is reported.
		{"spread", &spread, 25, 1007},
		{"spread", &spread, 50, 1007},
		// rank 3: 1010 is in [1008, 1015].
		{"spread", &spread, 75, 1015},
		// rank 4 is 5000, in [4992, 5055], capped at the largest sample.
		{"spread", &spread, 90, 5000},
		// rank 999 of 1000 exactly, not 1000 by floating-point rounding.
		{"tail", &tail, 99.9, 10},
		{"tail", &tail, 99.95, 2000},
		{"one", &one, 50, 5000},
		{"empty", &histogram{}, 99, 0},
	} {
		if got := c.h.percentile(c.p); got != c.want {
			t.Errorf("%s: p%v = %d, want %d", c.name, c.p, got, c.want)
		}
	}
	if spread.min != 1000 || spread.max != 5000 || spread.n != 4 || spread.mean() != 2003.25 {
		t.Errorf("spread: min %d max %d n %d mean %v, want 1000 5000 4 2003.25",
			spread.min, spread.max, spread.n, spread.mean())
	}
}

func TestHistogramRecordRounds(t *testing.T) {
	var h histogram
	h.record(1500 * time.Nanosecond) // 1 µs, rounded down
	h.record(-time.Second)           // a clock step back counts as 0
	if h.n != 2 || h.min != 0 || h.max != 1 || h.counts[0] != 1 || h.counts[1] != 1 {
		t.Fatalf("n %d min %d max %d counts[0:2] %v, want 2 0 1 [1 1]", h.n, h.min, h.max, h.counts[:2])
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all histogram
	record(&a, 300, 7)
	record(&b, 90000, 12, 300)
	record(&all, 300, 7, 90000, 12, 300)
	var m histogram
	m.merge(&histogram{}) // an empty one changes nothing, min included
	m.merge(&a)
	m.merge(&b)
	if m != all {
		t.Fatalf("merged: n %d min %d max %d sum %d, want n %d min %d max %d sum %d",
			m.n, m.min, m.max, m.sum, all.n, all.min, all.max, all.sum)
	}
	if m.min != 7 || m.max != 90000 || m.percentile(50) != 303 {
		t.Fatalf("merged: min %d max %d p50 %d, want 7 90000 303 ([300, 303]: 9 bits, width 4)", m.min, m.max, m.percentile(50))
	}
}
