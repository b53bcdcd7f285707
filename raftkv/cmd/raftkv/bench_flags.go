package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

const benchUsage = `raftkv bench drives load against any etcd v3 server (raftkv or etcd).

  raftkv bench [flags] put      writes random keys
  raftkv bench [flags] range    reads single random keys (--serializable: local reads)
  raftkv bench [flags] mixed    both, --put-ratio of them writes

It runs for --duration, or until --total requests, and prints throughput,
a latency histogram with percentiles, and errors by gRPC code.

Flags:
`

// benchOpts are raftkv bench's options.
type benchOpts struct {
	workload     string // put, range or mixed
	endpoints    []string
	clients      int // concurrent requesters
	conns        int // gRPC connections the clients share round-robin
	keySpace     int
	keySize      int
	valueSize    int
	rate         int // requests per second over all clients; 0: unlimited
	duration     time.Duration
	total        int // requests; 0: run for duration
	putRatio     float64
	serializable bool
	timeout      time.Duration // of each request
	json         bool
	tls          *tls.Config // nil: plaintext
}

// parseBench parses and checks args (without "bench"). Usage and errors
// go to out.
func parseBench(args []string, out io.Writer) (benchOpts, error) {
	fs := flag.NewFlagSet("raftkv bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, benchUsage)
		fs.PrintDefaults()
	}
	var o benchOpts
	eps := fs.String("endpoints", "127.0.0.1:2379", "comma-separated client addresses")
	fs.IntVar(&o.clients, "clients", 1, "concurrent clients, each with one request in flight")
	fs.IntVar(&o.conns, "conns", 1, "gRPC connections, shared round-robin by the clients")
	fs.IntVar(&o.keySpace, "key-space", 10000, "distinct keys, chosen uniformly at random")
	fs.IntVar(&o.keySize, "key-size", 8, "bytes per key (decimal, zero-padded)")
	fs.IntVar(&o.valueSize, "value-size", 256, "bytes per value")
	fs.IntVar(&o.rate, "rate", 0, "requests per second over all clients; 0 is unlimited")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to run (unless --total is set)")
	fs.IntVar(&o.total, "total", 0, "stop after this many requests instead of after --duration")
	fs.Float64Var(&o.putRatio, "put-ratio", 0.5, "mixed: fraction of requests that are puts, 0 to 1")
	fs.BoolVar(&o.serializable, "serializable", false, "range and mixed: read the endpoint's local state, without a leader round")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "deadline of each request")
	fs.BoolVar(&o.json, "json", false, "print the result as one JSON object")
	var tlsFiles dialTLSFiles
	tlsFiles.register(fs)
	if err := fs.Parse(args); err != nil {
		return benchOpts{}, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return benchOpts{}, errors.New("bench takes one workload: put, range or mixed")
	}
	o.workload = fs.Arg(0)
	for _, ep := range strings.Split(*eps, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			o.endpoints = append(o.endpoints, ep)
		}
	}
	if err := o.check(); err != nil {
		return benchOpts{}, err
	}
	var err error
	if o.tls, err = tlsFiles.load(); err != nil {
		return benchOpts{}, err
	}
	return o, nil
}

// check reports the first option that makes no sense.
func (o *benchOpts) check() error {
	switch o.workload {
	case "put", "range", "mixed":
	default:
		return fmt.Errorf("unknown workload %q: want put, range or mixed", o.workload)
	}
	switch {
	case len(o.endpoints) == 0:
		return errors.New("--endpoints is empty")
	case o.clients < 1:
		return fmt.Errorf("--clients is %d, want at least 1", o.clients)
	case o.conns < 1:
		return fmt.Errorf("--conns is %d, want at least 1", o.conns)
	case o.conns > o.clients:
		return fmt.Errorf("--conns %d is more than --clients %d: some connections would sit idle", o.conns, o.clients)
	case o.keySpace < 1:
		return fmt.Errorf("--key-space is %d, want at least 1", o.keySpace)
	case o.keySize < 1:
		return fmt.Errorf("--key-size is %d, want at least 1", o.keySize)
	case len(strconv.Itoa(o.keySpace-1)) > o.keySize:
		return fmt.Errorf("--key-space %d needs keys of %d digits, more than --key-size %d",
			o.keySpace, len(strconv.Itoa(o.keySpace-1)), o.keySize)
	case o.valueSize < 0:
		return fmt.Errorf("--value-size is %d, want 0 or more", o.valueSize)
	case o.rate < 0:
		return fmt.Errorf("--rate is %d, want 0 (unlimited) or more", o.rate)
	case o.total < 0:
		return fmt.Errorf("--total is %d, want 0 (use --duration) or more", o.total)
	case o.total == 0 && o.duration <= 0:
		return errors.New("--duration must be positive when --total is not set")
	case o.putRatio < 0 || o.putRatio > 1:
		return fmt.Errorf("--put-ratio is %v, want a fraction from 0 to 1", o.putRatio)
	case o.timeout <= 0:
		return errors.New("--timeout must be positive")
	case o.serializable && o.workload == "put":
		return errors.New("--serializable applies to reads; the put workload has none")
	}
	return nil
}
