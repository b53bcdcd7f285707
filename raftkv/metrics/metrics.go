// Package metrics defines raftkv's Prometheus metrics and the hooks through
// which the node reports the events behind them. The node depends only on
// the Hooks interface; Metrics implements it on a registry of its own, so
// that tests and several nodes in one process do not share global state.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Hooks are the events the node reports. Every method must be cheap and
// safe for concurrent use: they run on the node's hot paths.
type Hooks interface {
	// ProposalDone reports a client write from proposal to its outcome:
	// err is nil when it was applied.
	ProposalDone(elapsed time.Duration, err error)
	// WALSync reports one fdatasync of the log.
	WALSync(elapsed time.Duration)
	// LeaderChanged reports a new leader (0 when none is known); self says
	// whether it is this member.
	LeaderChanged(leader uint64, self bool)
	// SnapshotTaken, SnapshotSent and SnapshotRestored count snapshots
	// made locally, streamed to a follower and installed from a leader.
	SnapshotTaken()
	SnapshotSent()
	SnapshotRestored()
	// MessageDropped reports a raft message the transport could not send.
	MessageDropped(to uint64)
}

// Nop is Hooks that records nothing.
type Nop struct{}

func (Nop) ProposalDone(time.Duration, error) {}
func (Nop) WALSync(time.Duration)             {}
func (Nop) LeaderChanged(uint64, bool)        {}
func (Nop) SnapshotTaken()                    {}
func (Nop) SnapshotSent()                     {}
func (Nop) SnapshotRestored()                 {}
func (Nop) MessageDropped(uint64)             {}

// Metrics records Hooks events and gRPC requests in Prometheus metrics.
type Metrics struct {
	reg           *prometheus.Registry
	proposals     *prometheus.CounterVec
	commitSeconds prometheus.Histogram
	fsyncSeconds  prometheus.Histogram
	leaderChanges prometheus.Counter
	hasLeader     prometheus.Gauge
	isLeader      prometheus.Gauge
	snapshots     *prometheus.CounterVec
	dropped       prometheus.Counter
	grpcRequests  *prometheus.CounterVec
	// The counters hit on every request, looked up once: a vector's
	// lookup hashes its labels each time.
	applied, failed prometheus.Counter
	grpcOK          sync.Map // full method name → its OK prometheus.Counter
}

var _ Hooks = (*Metrics)(nil)

// New returns Metrics on a fresh registry that also holds the Go runtime
// and process collectors.
func New() *Metrics {
	// Buckets from 0.5 ms to about 4 s: a local fdatasync is a few ms, a
	// commit a few round trips plus one.
	latency := prometheus.ExponentialBuckets(0.0005, 2, 14)
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		proposals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raftkv_proposals_total",
			Help: "Client writes proposed, by outcome (applied or failed).",
		}, []string{"outcome"}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "raftkv_proposal_commit_seconds",
			Help:    "Time from proposing a client write to its application.",
			Buckets: latency,
		}),
		fsyncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "raftkv_wal_fsync_seconds",
			Help:    "Duration of the write-ahead log's fdatasync calls.",
			Buckets: latency,
		}),
		leaderChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raftkv_leader_changes_total",
			Help: "Leader changes seen by this member.",
		}),
		hasLeader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "raftkv_has_leader",
			Help: "1 if this member knows a leader, else 0.",
		}),
		isLeader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "raftkv_is_leader",
			Help: "1 if this member is the leader, else 0.",
		}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raftkv_snapshots_total",
			Help: "Snapshots by kind: taken locally, sent to a follower, restored from the leader.",
		}, []string{"kind"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raftkv_dropped_messages_total",
			Help: "Raft messages the transport could not send.",
		}),
		grpcRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raftkv_grpc_requests_total",
			Help: "Client gRPC requests by method and status code.",
		}, []string{"method", "code"}),
	}
	m.applied = m.proposals.WithLabelValues("applied")
	m.failed = m.proposals.WithLabelValues("failed")
	m.reg.MustRegister(m.proposals, m.commitSeconds, m.fsyncSeconds, m.leaderChanges,
		m.hasLeader, m.isLeader, m.snapshots, m.dropped, m.grpcRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the metrics live in, for adding more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) ProposalDone(elapsed time.Duration, err error) {
	if err != nil {
		m.failed.Inc()
		return
	}
	m.applied.Inc()
	m.commitSeconds.Observe(elapsed.Seconds())
}

func (m *Metrics) WALSync(elapsed time.Duration) { m.fsyncSeconds.Observe(elapsed.Seconds()) }

func (m *Metrics) LeaderChanged(leader uint64, self bool) {
	m.leaderChanges.Inc()
	m.hasLeader.Set(boolGauge(leader != 0))
	m.isLeader.Set(boolGauge(self && leader != 0))
}

func (m *Metrics) SnapshotTaken()        { m.snapshots.WithLabelValues("taken").Inc() }
func (m *Metrics) SnapshotSent()         { m.snapshots.WithLabelValues("sent").Inc() }
func (m *Metrics) SnapshotRestored()     { m.snapshots.WithLabelValues("restored").Inc() }
func (m *Metrics) MessageDropped(uint64) { m.dropped.Inc() }

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// UnaryInterceptor counts unary gRPC requests by method and status code.
func (m *Metrics) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			m.grpcRequests.WithLabelValues(info.FullMethod, status.Code(err).String()).Inc()
			return resp, err
		}
		// Methods are the registered ones, so the cache stays small.
		c, ok := m.grpcOK.Load(info.FullMethod)
		if !ok {
			c, _ = m.grpcOK.LoadOrStore(info.FullMethod, m.grpcRequests.WithLabelValues(info.FullMethod, codes.OK.String()))
		}
		c.(prometheus.Counter).Inc()
		return resp, err
	}
}
