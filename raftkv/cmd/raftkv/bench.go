package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/status"
)

// benchResult is what a run measured. Latencies are of successful
// requests only; a failed one is counted under its error.
type benchResult struct {
	puts, ranges uint64            // successful requests by kind
	errs         map[string]uint64 // failed requests by error code
	hist         histogram
	elapsed      time.Duration
}

func (r *benchResult) ok() uint64 { return r.puts + r.ranges }

func (r *benchResult) failed() uint64 {
	var n uint64
	for _, c := range r.errs {
		n += c
	}
	return n
}

// bench runs `raftkv bench args...`, writing the report to out.
func bench(ctx context.Context, args []string, out, errOut io.Writer) error {
	o, err := parseBench(args, errOut)
	if err != nil {
		return err
	}
	kvs, closeAll, err := dialBench(ctx, o)
	if err != nil {
		return err
	}
	defer closeAll()
	res := runLoad(ctx, o, kvs)
	if o.json {
		return writeBenchJSON(out, o, res)
	}
	writeBenchText(out, o, res)
	return nil
}

// dialBench opens o.conns clients, each balancing over every endpoint,
// and checks that each answers a read before the clock starts, so that
// connection setup and the first election are not measured.
func dialBench(ctx context.Context, o benchOpts) ([]clientv3.KV, func(), error) {
	var cs []*clientv3.Client
	closeAll := func() {
		for _, c := range cs {
			c.Close()
		}
	}
	kvs := make([]clientv3.KV, 0, o.conns)
	for range o.conns {
		c, err := clientv3.New(clientv3.Config{
			Endpoints: o.endpoints, DialTimeout: o.timeout, Logger: zap.NewNop(), TLS: o.tls,
		})
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("connecting to %v: %w", o.endpoints, err)
		}
		cs = append(cs, c)
		wctx, cancel := context.WithTimeout(ctx, o.timeout)
		_, err = c.Get(wctx, "raftkv-bench-warmup")
		cancel()
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("warm-up read from %v: %w", o.endpoints, err)
		}
		kvs = append(kvs, c)
	}
	return kvs, closeAll, nil
}

// runLoad runs o.clients requesters over kvs (client i uses kvs[i%len])
// until o.total requests were issued or o.duration passed, then waits for
// the requests in flight. Cancelling ctx interrupts everything.
func runLoad(ctx context.Context, o benchOpts, kvs []clientv3.KV) *benchResult {
	stop, cancel := ctx, context.CancelFunc(func() {})
	if o.total == 0 {
		stop, cancel = context.WithTimeout(ctx, o.duration)
	}
	defer cancel()
	l := &loadRun{o: o, ctx: ctx, stop: stop, value: benchValue(o.valueSize), start: time.Now()}
	res := &benchResult{errs: map[string]uint64{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range o.clients {
		wg.Go(func() {
			r := l.client(kvs[i%len(kvs)], uint64(i))
			mu.Lock()
			defer mu.Unlock()
			res.merge(r)
		})
	}
	wg.Wait()
	res.elapsed = time.Since(l.start)
	return res
}

// loadRun is the state the clients of one run share.
type loadRun struct {
	o      benchOpts
	ctx    context.Context // requests end with it
	stop   context.Context // no request starts after it ends
	value  string
	start  time.Time
	issued atomic.Int64
}

// client issues requests one at a time until the run is over.
func (l *loadRun) client(kv clientv3.KV, seed uint64) *benchResult {
	res := &benchResult{errs: map[string]uint64{}}
	rng := rand.New(rand.NewPCG(seed, uint64(l.start.UnixNano())))
	key := make([]byte, l.o.keySize)
	for {
		n := l.issued.Add(1) - 1
		if l.o.total > 0 && n >= int64(l.o.total) {
			return res
		}
		if !l.pace(n) {
			return res
		}
		put := l.o.workload == "put" || l.o.workload == "mixed" && rng.Float64() < l.o.putRatio
		k := string(benchKey(key, rng.IntN(l.o.keySpace)))
		t0 := time.Now()
		err := l.request(kv, k, put)
		d := time.Since(t0)
		switch {
		case err != nil:
			res.errs[errorCode(err)]++
		case put:
			res.puts++
			res.hist.record(d)
		default:
			res.ranges++
			res.hist.record(d)
		}
	}
}

// pace waits for request n's turn under --rate and reports whether the
// run still goes on. Turns are fixed from the start, so a slow reply is
// followed by a burst that catches up rather than lowering the rate.
func (l *loadRun) pace(n int64) bool {
	if l.stop.Err() != nil {
		return false
	}
	if l.o.rate == 0 {
		return true
	}
	at := l.start.Add(time.Duration(float64(n) * float64(time.Second) / float64(l.o.rate)))
	wait := time.Until(at)
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.stop.Done():
		return false
	}
}

func (l *loadRun) request(kv clientv3.KV, key string, put bool) error {
	ctx, cancel := context.WithTimeout(l.ctx, l.o.timeout)
	defer cancel()
	if put {
		_, err := kv.Put(ctx, key, l.value)
		return err
	}
	var opts []clientv3.OpOption
	if l.o.serializable {
		opts = append(opts, clientv3.WithSerializable())
	}
	_, err := kv.Get(ctx, key, opts...)
	return err
}

func (r *benchResult) merge(o *benchResult) {
	r.puts += o.puts
	r.ranges += o.ranges
	for k, c := range o.errs {
		r.errs[k] += c
	}
	r.hist.merge(&o.hist)
}

// benchKey writes i into buf as zero-padded decimal; buf is long enough
// for every key of the key space (checked with the options).
func benchKey(buf []byte, i int) []byte {
	for j := len(buf) - 1; j >= 0; j-- {
		buf[j] = byte('0' + i%10)
		i /= 10
	}
	return buf
}

// benchValue is a value of n printable bytes, the same for every put.
func benchValue(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

// errorCode names an error for the report: the gRPC code and etcd's
// description, or the context's error for a request that ran out of time.
func errorCode(err error) string {
	var ee rpctypes.EtcdError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded: request timed out in the client"
	case errors.Is(err, context.Canceled):
		return "Canceled: interrupted"
	case errors.As(err, &ee):
		return ee.Code().String() + ": " + ee.Error()
	}
	if s, ok := status.FromError(err); ok {
		return s.Code().String() + ": " + s.Message()
	}
	return "Unknown: " + err.Error()
}
