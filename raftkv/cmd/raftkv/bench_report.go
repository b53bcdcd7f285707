package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
)

// benchPercentiles are the percentiles every report gives.
var benchPercentiles = []float64{50, 90, 99, 99.9}

// writeBenchText prints the run's parameters, throughput, percentiles, a
// histogram by power of two and the errors.
func writeBenchText(w io.Writer, o benchOpts, r *benchResult) {
	rate := "unlimited"
	if o.rate > 0 {
		rate = fmt.Sprintf("%d/s", o.rate)
	}
	stop := fmt.Sprintf("for %v", o.duration)
	if o.total > 0 {
		stop = fmt.Sprintf("%d requests", o.total)
	}
	fmt.Fprintf(w, "workload %s%s: %d clients on %d connections to %s, %d keys of %d B, values of %d B, rate %s, %s\n",
		o.workload, readKind(o), o.clients, o.conns, strings.Join(o.endpoints, ","),
		o.keySpace, o.keySize, o.valueSize, rate, stop)
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "requests  %d ok (%d puts, %d ranges), %d failed, in %.2f s: %.1f ok/s\n",
		r.ok(), r.puts, r.ranges, r.failed(), secs, throughput(r))
	h := &r.hist
	fmt.Fprintf(w, "latency   min %s  mean %s", fmtMicros(float64(h.min)), fmtMicros(h.mean()))
	for _, p := range benchPercentiles {
		fmt.Fprintf(w, "  p%v %s", p, fmtMicros(float64(h.percentile(p))))
	}
	fmt.Fprintf(w, "  max %s\n", fmtMicros(float64(h.max)))
	writeHistogram(w, h)
	if len(r.errs) > 0 {
		fmt.Fprintln(w, "errors")
		keys := make([]string, 0, len(r.errs))
		for k := range r.errs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %8d  %s\n", r.errs[k], k)
		}
	}
}

func readKind(o benchOpts) string {
	switch {
	case o.workload == "put":
		return ""
	case o.serializable:
		return " (serializable reads)"
	case o.workload == "mixed":
		return fmt.Sprintf(" (%.0f%% puts, linearizable reads)", o.putRatio*100)
	default:
		return " (linearizable)"
	}
}

func throughput(r *benchResult) float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok()) / r.elapsed.Seconds()
}

// writeHistogram prints one row per power of two of microseconds that
// holds samples: [lo, 2·lo), count, share and cumulative share.
func writeHistogram(w io.Writer, h *histogram) {
	if h.n == 0 {
		return
	}
	var rows [65]uint64 // row k holds values in [2^(k-1), 2^k); row 0 holds 0
	for i, c := range h.counts {
		if c > 0 {
			lo, _ := bucketBounds(i)
			rows[bits.Len64(lo)] += c
		}
	}
	fmt.Fprintln(w, "histogram (latency range, requests, share, cumulative)")
	var cum uint64
	for k, c := range rows {
		if c == 0 {
			continue
		}
		cum += c
		lo, hi := uint64(0), uint64(1)
		if k > 0 {
			lo, hi = 1<<(k-1), 1<<k
		}
		share := float64(c) / float64(h.n)
		fmt.Fprintf(w, "  %9s – %-9s %9d %6.2f%% %7.2f%%  %s\n", fmtMicros(float64(lo)), fmtMicros(float64(hi)),
			c, 100*share, 100*float64(cum)/float64(h.n), strings.Repeat("#", int(share*40+0.5)))
	}
}

// fmtMicros prints a duration given in µs with a unit that keeps it short.
func fmtMicros(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	default:
		return fmt.Sprintf("%.0fµs", us)
	}
}

// benchJSON is the --json report; latencies are in µs.
type benchJSON struct {
	Workload     string            `json:"workload"`
	Serializable bool              `json:"serializable"`
	Clients      int               `json:"clients"`
	Conns        int               `json:"conns"`
	OK           uint64            `json:"ok"`
	Puts         uint64            `json:"puts"`
	Ranges       uint64            `json:"ranges"`
	Failed       uint64            `json:"failed"`
	Errors       map[string]uint64 `json:"errors"`
	Seconds      float64           `json:"seconds"`
	OpsPerSec    float64           `json:"ops_per_sec"`
	MinUs        uint64            `json:"min_us"`
	MeanUs       float64           `json:"mean_us"`
	P50Us        uint64            `json:"p50_us"`
	P90Us        uint64            `json:"p90_us"`
	P99Us        uint64            `json:"p99_us"`
	P999Us       uint64            `json:"p99_9_us"`
	MaxUs        uint64            `json:"max_us"`
}

func writeBenchJSON(w io.Writer, o benchOpts, r *benchResult) error {
	h := &r.hist
	return json.NewEncoder(w).Encode(benchJSON{
		Workload: o.workload, Serializable: o.serializable, Clients: o.clients, Conns: o.conns,
		OK: r.ok(), Puts: r.puts, Ranges: r.ranges, Failed: r.failed(), Errors: r.errs,
		Seconds: r.elapsed.Seconds(), OpsPerSec: throughput(r),
		MinUs: h.min, MeanUs: h.mean(), P50Us: h.percentile(50), P90Us: h.percentile(90),
		P99Us: h.percentile(99), P999Us: h.percentile(99.9), MaxUs: h.max,
	})
}
