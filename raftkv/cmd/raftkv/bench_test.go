package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// benchMember runs a single real member until the test ends and returns
// its client address.
func benchMember(t *testing.T) string {
	t.Helper()
	cfg := memberConfig(t, 3, map[uint64]string{3: freePort(t)})
	cfg.metricsAddr = ""
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	result := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		result <- run(ctx, cfg, log, startNode, func(c, _ net.Addr) { addr <- c })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-result; err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	})
	select {
	case a := <-addr:
		return a.String()
	case err := <-result:
		t.Fatalf("run ended before listening: %v", err)
	}
	return ""
}

// revision returns the store's revision, which each put raises by one.
func revision(t *testing.T, ep string) int64 {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.Status(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	return st.Header.Revision
}

// benchRun runs one workload against ep and checks what every run must
// satisfy: no failures, one latency per success, and the store's
// revision raised by exactly the puts.
func benchRun(t *testing.T, ep string, args ...string) *benchResult {
	t.Helper()
	o, err := parseBench(append([]string{"--endpoints", ep}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kvs, closeAll, err := dialBench(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	before := revision(t, ep)
	r := runLoad(ctx, o, kvs)
	if len(r.errs) != 0 {
		t.Fatalf("%q: errors %v", args, r.errs)
	}
	if r.hist.n != r.ok() {
		t.Fatalf("%q: %d latencies for %d successes", args, r.hist.n, r.ok())
	}
	if got := revision(t, ep) - before; got != int64(r.puts) {
		t.Fatalf("%q: revision rose by %d for %d puts", args, got, r.puts)
	}
	return r
}

func TestBenchCountsRequests(t *testing.T) {
	ep := benchMember(t)
	for _, c := range []struct {
		args         []string
		puts, ranges uint64
	}{
		{[]string{"--clients", "4", "--conns", "2", "--total", "60", "put"}, 60, 0},
		{[]string{"--clients", "3", "--total", "25", "range"}, 0, 25},
		{[]string{"--clients", "2", "--total", "20", "--serializable", "range"}, 0, 20},
		{[]string{"--clients", "5", "--total", "30", "--put-ratio", "1", "mixed"}, 30, 0},
		{[]string{"--clients", "5", "--total", "30", "--put-ratio", "0", "mixed"}, 0, 30},
		// A rate only spaces the requests out; the count is still exact.
		{[]string{"--clients", "2", "--total", "10", "--rate", "500", "put"}, 10, 0},
	} {
		r := benchRun(t, ep, c.args...)
		if r.puts != c.puts || r.ranges != c.ranges {
			t.Errorf("%q: %d puts and %d ranges, want %d and %d", c.args, r.puts, r.ranges, c.puts, c.ranges)
		}
	}
	// An even mix: the split is random, but the two add up.
	r := benchRun(t, ep, "--clients", "4", "--conns", "4", "--total", "80", "mixed")
	if r.ok() != 80 {
		t.Errorf("mixed: %d puts + %d ranges, want 80 in all", r.puts, r.ranges)
	}
	// By duration: whatever got done is accounted for (checked in benchRun).
	if r := benchRun(t, ep, "--clients", "2", "--duration", "200ms", "put"); r.ok() == 0 {
		t.Error("a 200ms run did no put")
	}
}

func TestBenchReports(t *testing.T) {
	ep := benchMember(t)
	var out bytes.Buffer
	err := bench(context.Background(), []string{"--endpoints", ep, "--total", "12", "--json", "put"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var j benchJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	if j.OK != 12 || j.Puts != 12 || j.Failed != 0 || j.P50Us > j.P99Us || j.P99Us > j.MaxUs || j.MinUs > j.P50Us {
		t.Fatalf("--json: %+v", j)
	}
	out.Reset()
	err = bench(context.Background(), []string{"--endpoints", ep, "--total", "7", "--clients", "2", "range"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"workload range (linearizable)", "7 ok (0 puts, 7 ranges), 0 failed", "p99.9 ", "histogram"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestBenchCountsErrorsByCode(t *testing.T) {
	r := &benchResult{errs: map[string]uint64{}}
	r.merge(&benchResult{errs: map[string]uint64{errorCode(context.DeadlineExceeded): 2}})
	r.merge(&benchResult{errs: map[string]uint64{errorCode(context.DeadlineExceeded): 1, errorCode(io.EOF): 1}, puts: 3})
	if r.failed() != 4 || r.ok() != 3 || r.errs["DeadlineExceeded: request timed out in the client"] != 3 || r.errs["Unknown: EOF"] != 1 {
		t.Fatalf("merged: %+v", r.errs)
	}
	for err, want := range map[error]string{
		rpctypes.ErrNoLeader: "Unavailable: etcdserver: no leader",
		status.Error(codes.ResourceExhausted, "too many requests"): "ResourceExhausted: too many requests",
		fmt.Errorf("put: %w", context.Canceled):                    "Canceled: interrupted",
	} {
		if got := errorCode(err); got != want {
			t.Errorf("errorCode(%v) = %q, want %q", err, got, want)
		}
	}
}

func TestBenchUnreachable(t *testing.T) {
	ep := freePort(t) // nothing listens there
	err := bench(context.Background(), []string{"--endpoints", ep, "--timeout", "300ms", "--total", "1", "put"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "warm-up read") {
		t.Fatalf("bench against a closed port: %v, want a warm-up error", err)
	}
}
