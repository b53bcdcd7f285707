package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is the command line, checked.
type config struct {
	name       string
	id         uint64
	dataDir    string
	clientAddr string
	// advertiseClient is the client address other members dial to forward
	// lease and member calls; run fills it with the listener's address if
	// unset.
	advertiseClient string
	peerAddr        string
	metricsAddr     string
	pprof           bool // serve /debug/pprof/ beside /metrics
	// peers maps member ids to peer addresses, this member's included.
	peers        map[uint64]string
	clusterState string // "new" or "existing"
	peerTLS      tlsFiles
	logLevel     slog.Level
	// Raft timing, as etcd names it: a tick per heartbeat, elections after
	// electionTimeout without one.
	heartbeat, electionTimeout time.Duration
	// snapshotCount entries applied trigger a local snapshot;
	// catchupEntries of log stay behind it for slow followers. Zero keeps
	// the member's defaults.
	snapshotCount, catchupEntries uint64
	// batchInterval and batchLimit bound how long and how many applied
	// entries wait for their bbolt commit (etcd's backend batch flags).
	// Zero keeps the member's defaults.
	batchInterval time.Duration
	batchLimit    int
	// watchEvents and watchBytes bound the events queued for all watch
	// clients together (zero: the hub's defaults).
	watchEvents, watchBytes int
	// clientTLS secures the client API; forwardTLS, loaded from it by
	// run, dials the other members' client API.
	clientTLS  clientTLSFiles
	forwardTLS *tls.Config
	// compactPeriod or compactRevisions (at most one is set) is the
	// leader's automatic history compaction; compactCheck overrides
	// revision mode's five-minute check (tests only, revisionCheckEnv).
	compactPeriod    time.Duration
	compactRevisions int64
	compactCheck     time.Duration
}

// revisionCheckEnv shortens revision mode's check interval so the
// end-to-end tests need not wait five minutes. It is not a supported
// setting.
const revisionCheckEnv = "RAFTKV_TEST_REVISION_COMPACTION_INTERVAL"

// tlsFiles secure peer traffic when all three are set.
type tlsFiles struct{ cert, key, ca string }

const usageHead = `raftkv runs one member of a raftkv cluster and serves etcd's v3 gRPC API.

Example, the first of three members:

  raftkv --id 1 --data-dir /var/lib/raftkv \
    --initial-cluster 1=10.0.0.1:2380,2=10.0.0.2:2380,3=10.0.0.3:2380 \
    --listen-client-addr 10.0.0.1:2379

TLS on the client API takes etcd's flags (--cert-file, --key-file,
--trusted-ca-file, --client-cert-auth); clients then need --cacert, and
--cert and --key with --client-cert-auth, as etcdctl does.

The key history grows with every write until it is compacted: by clients
(etcdctl compact), or by the leader with --auto-compaction-retention.
A member rebuilds its key index at start by reading the uncompacted
history, so auto-compaction also bounds start-up time. Periodic mode keeps
the history of the last retention (1h, 30m, or a bare number of hours);
revision mode keeps that many revisions behind the current one, checked
every 5 minutes.

"raftkv ctl" is a small client: raftkv ctl -h. "raftkv bench" drives load
against raftkv or etcd: raftkv bench -h.

Flags:
`

// parseFlags parses and checks args (without the program name). Usage and
// errors go to out.
func parseFlags(args []string, out io.Writer) (config, error) {
	fs := flag.NewFlagSet("raftkv", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usageHead)
		fs.PrintDefaults()
	}
	var c config
	var id, cluster, level string
	fs.StringVar(&c.name, "name", "", "human-readable member name for logs (default: the id)")
	fs.StringVar(&id, "id", "", "member id, non-zero, decimal or 0x-prefixed hex (required)")
	fs.StringVar(&c.dataDir, "data-dir", "", "directory for the log, snapshots and state (required)")
	fs.StringVar(&c.clientAddr, "listen-client-addr", "127.0.0.1:2379", "host:port (or http://host:port, https://host:port with --cert-file) for etcd v3 gRPC clients")
	fs.StringVar(&c.advertiseClient, "advertise-client-addr", "", "host:port other members use to reach --listen-client-addr (default: its address)")
	fs.StringVar(&c.peerAddr, "listen-peer-addr", "", "host:port to listen on for peers (default: this member's address in --initial-cluster)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "127.0.0.1:2381", "host:port serving /metrics; empty disables it")
	fs.BoolVar(&c.pprof, "pprof", false, "also serve Go's profiler at /debug/pprof/ on --metrics-addr")
	fs.StringVar(&cluster, "initial-cluster", "", "members as id=host:port,... including this one (required)")
	fs.StringVar(&c.clusterState, "initial-cluster-state", "new", `"new" to bootstrap the cluster, "existing" to join one (after MemberAdd)`)
	fs.StringVar(&c.peerTLS.cert, "peer-cert-file", "", "peer TLS certificate (with --peer-key-file and --peer-trusted-ca-file)")
	fs.StringVar(&c.peerTLS.key, "peer-key-file", "", "peer TLS key")
	fs.StringVar(&c.peerTLS.ca, "peer-trusted-ca-file", "", "CA that signs every peer's certificate")
	c.clientTLS.register(fs)
	fs.StringVar(&level, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.heartbeat, "heartbeat-interval", 100*time.Millisecond, "raft heartbeat interval (one tick)")
	fs.DurationVar(&c.electionTimeout, "election-timeout", time.Second, "time without a leader's heartbeat before an election; a multiple of --heartbeat-interval")
	fs.Uint64Var(&c.snapshotCount, "snapshot-count", 0, "applied entries between local snapshots (0: 10000)")
	fs.Uint64Var(&c.catchupEntries, "snapshot-catchup-entries", 0, "log entries kept behind a snapshot for slow followers (0: 5000)")
	fs.DurationVar(&c.batchInterval, "backend-batch-interval", 0, "longest time applied entries wait for their state-machine commit; writes are answered before it, durable in the WAL (0: 100ms)")
	fs.IntVar(&c.batchLimit, "backend-batch-limit", 0, "applied entries that force a state-machine commit (0: 10000)")
	fs.IntVar(&c.watchEvents, "max-watch-buffered-events", 0, "events queued for all slow watch clients together before the slowest watchers are canceled (0: 1000000)")
	fs.IntVar(&c.watchBytes, "max-watch-buffered-bytes", 0, "bytes of events queued for all slow watch clients together before the slowest watchers are canceled (0: 256 MiB)")
	var compactMode, compactRetention string
	fs.StringVar(&compactMode, "auto-compaction-mode", "periodic", `how --auto-compaction-retention is read: "periodic" (a time window) or "revision" (a number of revisions)`)
	fs.StringVar(&compactRetention, "auto-compaction-retention", "0", "key history the leader keeps when it compacts automatically: periodic, a duration (1h, 30m) or a bare number of hours; revision, a number of revisions; 0 never compacts")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: raftkv takes only flags", fs.Arg(0))
	}
	var err error
	if c.id, err = parseID(id); err != nil {
		return config{}, fmt.Errorf("--id: %w", err)
	}
	if c.peers, err = parseCluster(cluster); err != nil {
		return config{}, fmt.Errorf("--initial-cluster: %w", err)
	}
	if c.compactPeriod, c.compactRevisions, err = parseAutoCompaction(compactMode, compactRetention); err != nil {
		return config{}, err
	}
	if v, ok := os.LookupEnv(revisionCheckEnv); ok {
		if c.compactCheck, err = time.ParseDuration(v); err != nil || c.compactCheck <= 0 {
			return config{}, fmt.Errorf("%s=%q is not a positive duration", revisionCheckEnv, v)
		}
	}
	if err := c.logLevel.UnmarshalText([]byte(level)); err != nil {
		return config{}, fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
	}
	if err := c.check(); err != nil {
		return config{}, err
	}
	if c.name == "" {
		c.name = strconv.FormatUint(c.id, 10)
	}
	if c.peerAddr == "" {
		c.peerAddr = c.peers[c.id]
	}
	return c, nil
}

// check validates the fields that need no parsing; it does not fill any.
func (c *config) check() error {
	if c.dataDir == "" {
		return errors.New("--data-dir is required")
	}
	if _, ok := c.peers[c.id]; !ok {
		return fmt.Errorf("--initial-cluster has no entry for this member's id %d", c.id)
	}
	if c.clusterState != "new" && c.clusterState != "existing" {
		return fmt.Errorf("--initial-cluster-state is %q, want new or existing", c.clusterState)
	}
	var err error
	if c.clientAddr, err = c.clientTLS.hostPort(c.clientAddr); err != nil {
		return fmt.Errorf("--listen-client-addr: %w", err)
	}
	if c.advertiseClient != "" {
		if c.advertiseClient, err = c.clientTLS.hostPort(c.advertiseClient); err != nil {
			return fmt.Errorf("--advertise-client-addr: %w", err)
		}
	}
	if c.peerAddr != "" {
		if c.peerAddr, err = hostPort(c.peerAddr); err != nil {
			return fmt.Errorf("--listen-peer-addr: %w", err)
		}
	}
	if c.pprof && c.metricsAddr == "" {
		return errors.New("--pprof needs --metrics-addr: the profiler is served there")
	}
	if c.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	if c.heartbeat <= 0 {
		return errors.New("--heartbeat-interval must be positive")
	}
	if c.electionTimeout < 2*c.heartbeat || c.electionTimeout%c.heartbeat != 0 {
		return fmt.Errorf("--election-timeout %v must be a multiple of --heartbeat-interval %v, at least two of them", c.electionTimeout, c.heartbeat)
	}
	if c.batchInterval < 0 || c.batchLimit < 0 {
		return errors.New("--backend-batch-interval and --backend-batch-limit must not be negative")
	}
	if c.watchEvents < 0 || c.watchBytes < 0 {
		return errors.New("--max-watch-buffered-events and --max-watch-buffered-bytes must not be negative")
	}
	t := c.peerTLS
	if set := btoi(t.cert != "") + btoi(t.key != "") + btoi(t.ca != ""); set != 0 && set != 3 {
		return errors.New("peer TLS needs all of --peer-cert-file, --peer-key-file and --peer-trusted-ca-file")
	}
	return c.clientTLS.check()
}

// parseAutoCompaction reads --auto-compaction-mode and
// --auto-compaction-retention as etcd does; a zero retention is off.
func parseAutoCompaction(mode, retention string) (time.Duration, int64, error) {
	switch mode {
	case "periodic":
		if h, err := strconv.ParseInt(retention, 10, 64); err == nil {
			if h < 0 || h > int64(math.MaxInt64/time.Hour) {
				return 0, 0, fmt.Errorf("--auto-compaction-retention %d hours is out of range: give 0 (off) up to %d", h, int64(math.MaxInt64/time.Hour))
			}
			return time.Duration(h) * time.Hour, 0, nil
		}
		d, err := time.ParseDuration(retention)
		if err != nil {
			return 0, 0, fmt.Errorf("--auto-compaction-retention %q: periodic mode takes a duration like 30m or 1h, or a whole number of hours", retention)
		}
		if d < 0 {
			return 0, 0, fmt.Errorf("--auto-compaction-retention %v must not be negative (0 turns auto-compaction off)", d)
		}
		return d, 0, nil
	case "revision":
		n, err := strconv.ParseInt(retention, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("--auto-compaction-retention %q: revision mode takes a whole number of revisions to keep, like 1000", retention)
		}
		if n < 0 {
			return 0, 0, fmt.Errorf("--auto-compaction-retention %d must not be negative (0 turns auto-compaction off)", n)
		}
		return 0, n, nil
	}
	return 0, 0, fmt.Errorf("--auto-compaction-mode is %q, want periodic or revision", mode)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func parseID(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("is required")
	}
	id, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if id == 0 {
		return 0, errors.New("must not be 0")
	}
	return id, nil
}

// parseCluster reads "id=host:port,id=host:port".
func parseCluster(s string) (map[uint64]string, error) {
	if s == "" {
		return nil, errors.New("is required")
	}
	peers := map[uint64]string{}
	addrs := map[string]uint64{}
	for _, part := range strings.Split(s, ",") {
		idStr, addr, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not id=host:port", part)
		}
		id, err := parseID(idStr)
		if err != nil {
			return nil, fmt.Errorf("member %q: id %w", part, err)
		}
		if addr, err = hostPort(addr); err != nil {
			return nil, fmt.Errorf("member %d: %w", id, err)
		}
		if strings.HasSuffix(addr, ":0") {
			return nil, fmt.Errorf("member %d: address %s needs a fixed port, peers dial it", id, addr)
		}
		if _, dup := peers[id]; dup {
			return nil, fmt.Errorf("member id %d appears twice", id)
		}
		if other, dup := addrs[addr]; dup {
			return nil, fmt.Errorf("members %d and %d share the address %s", other, id, addr)
		}
		peers[id], addrs[addr] = addr, id
	}
	return peers, nil
}

// hostPort accepts host:port or http://host:port (etcd's URL form).
func hostPort(s string) (string, error) {
	if rest, ok := strings.CutPrefix(s, "http://"); ok {
		s = rest
	} else if strings.Contains(s, "://") {
		return "", fmt.Errorf("%q: only http:// URLs or host:port are accepted (TLS has its own flags)", s)
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port: %w", s, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("%q has no usable port", s)
	}
	return net.JoinHostPort(host, port), nil
}
