package main

import (
	"math"
	"math/bits"
	"time"
)

// histSubBits sets the histogram's precision: each power of two above
// 2^histSubBits microseconds is split into 2^(histSubBits-1) equal
// buckets, so a reported value is at most 1/64 (1.6%) above the true one.
// Values below 2^histSubBits µs (128 µs) are kept exactly.
const histSubBits = 7

const (
	histExact = 1 << histSubBits // values below this have a bucket each
	histHalf  = histExact / 2    // buckets per power of two above it
	// histBuckets covers every uint64: exponents 1..64-histSubBits.
	histBuckets = histExact + (64-histSubBits)*histHalf
)

// histogram counts latencies in microseconds in log-linear buckets (the
// HDR histogram's layout): memory is fixed whatever the run's length, and
// percentiles are exact up to the bucket width.
type histogram struct {
	counts   [histBuckets]uint64
	n        uint64
	sum      uint64 // µs, for the mean
	min, max uint64 // µs, exact
}

// bucketOf returns the bucket index of v.
func bucketOf(v uint64) int {
	if v < histExact {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits // ≥ 1
	top := v >> shift                    // in [histHalf, histExact)
	return histExact + (shift-1)*histHalf + int(top-histHalf)
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi uint64) {
	if i < histExact {
		return uint64(i), uint64(i)
	}
	shift := (i-histExact)/histHalf + 1
	top := uint64((i-histExact)%histHalf + histHalf)
	lo = top << shift
	return lo, lo + (1 << shift) - 1
}

// record adds one latency, rounded down to the microsecond.
func (h *histogram) record(d time.Duration) {
	v := uint64(max(d, 0) / time.Microsecond)
	h.counts[bucketOf(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.n++
	h.sum += v
}

// merge adds o's counts to h.
func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// percentile returns, in µs, the smallest value v such that at least p
// percent of the samples are ≤ v, to bucket precision: the largest value
// of v's bucket, but never above the largest sample. It is 0 when empty.
func (h *histogram) percentile(p float64) uint64 {
	if h.n == 0 {
		return 0
	}
	// Integer arithmetic in thousandths of a percent: 99.9% of 1000 in
	// floating point rounds up to rank 1000.000…1, whose ceiling is 1001.
	milli := uint64(math.Round(min(max(p, 0), 100) * 1000))
	rank := (milli*h.n + 100_000 - 1) / 100_000
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketBounds(i)
			return max(min(hi, h.max), h.min)
		}
	}
	return h.max // unreachable: the counts add up to n
}

// mean returns the mean latency in µs, 0 when empty.
func (h *histogram) mean() float64 {
	if h.n == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.n)
}
