package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftkv/metrics"
	"github.com/tickraft/raft/raftkv/watch"
)

// Config configures a member. New copies it and fills zero fields with the
// defaults given below; it never modifies the caller's value.
type Config struct {
	// ID is this member's raft id (non-zero, never reused).
	ID uint64
	// ClusterID identifies the cluster on the wire. Default: a hash of
	// "raftkv", so members started without one agree.
	ClusterID uint64
	// Dir holds the member's data: wal/, kv.db (with the member table) and
	// snap/.
	Dir string
	// Peers maps member ids to peer addresses (host:port), this member's
	// own included. For a new cluster it is the initial membership; when
	// joining it is where to find the existing members.
	Peers map[uint64]string
	// Join starts an empty member that waits for the existing cluster to
	// send it the log or a snapshot (it must first be added with
	// MemberAdd). Without Join, an empty member bootstraps a new cluster of
	// Peers. A member with data ignores both and restarts from it.
	Join bool
	// ClientAddr is the host:port where this member serves the client API,
	// as other members should dial it. The member publishes it in the
	// member table (a ConfChangeUpdateNode), so that followers can forward
	// lease and member calls to the leader. Empty: not published; lease
	// calls reaching a follower fail with ErrNotPrimary, and member calls
	// go through raft, where a refused change ends in ErrTimeout.
	ClientAddr string
	// Listener, if set, is used for peer traffic instead of listening on
	// Peers[ID].
	Listener net.Listener
	// PeerTLS, if set, secures peer traffic (see transport.MutualTLS).
	PeerTLS *tls.Config
	// ClientTLS, if set, is the client side of the TLS that secures the
	// client API: this member dials the leader's client address with it
	// when it forwards a call (forward.go). RootCAs must trust the other
	// members' certificates; Certificates holds this member's own when
	// they require client certificates. Nil: plaintext.
	ClientTLS *tls.Config

	// TickInterval is the raft tick (default 100 ms). ElectionTicks
	// (default 10) and HeartbeatTicks (default 1) count ticks.
	TickInterval   time.Duration
	ElectionTicks  int
	HeartbeatTicks int
	// RequestTimeout bounds a request whose context has no deadline
	// (default 5 s), so that no client waits forever.
	RequestTimeout time.Duration

	// SnapshotEntries and SnapshotBytes trigger a local snapshot (a WAL
	// marker at the applied index) after that many applied entries or
	// entry bytes (defaults 10,000 and 64 MiB). CompactTail entries before
	// the marker stay in the log for slow followers (default 5,000).
	SnapshotEntries uint64
	SnapshotBytes   uint64
	CompactTail     uint64

	// KVCommitInterval and KVCommitEntries bound how long applied
	// entries wait for their bbolt commit (defaults 100 ms and 10,000).
	// Writes are answered once applied, before that commit: the WAL makes
	// them durable, and a restart replays the log from kv's committed
	// index. Reads and watches see state only once it is committed; a
	// linearizable read that needs staged entries asks for the commit at
	// once.
	KVCommitInterval time.Duration
	KVCommitEntries  int

	// beforeSave, set only by tests, runs in the append goroutine before
	// each wal.Save with the number of messages merged into it.
	beforeSave func(msgs int)
	// leaderOnlyProposed, set only by tests, runs in the loop when it
	// hands a leader-only proposal (an auto-compaction) to raft.
	leaderOnlyProposed func()
	// beforeKVCommit, set only by tests, runs in the apply goroutine
	// before it commits what it staged.
	beforeKVCommit func()

	// AutoCompaction has the leader compact the key history periodically
	// (default off).
	AutoCompaction AutoCompaction

	// KV configures the state machine; WALSegmentSize the log's segments.
	KV             kv.Options
	WALSegmentSize int64
	// Watch configures the watch hub (progress interval, per-watcher
	// limits).
	Watch watch.Options

	// Logger receives the member's events (default slog.Default());
	// RaftLogger the raft core's (default: its warnings and errors go to
	// Logger, the rest is dropped).
	Logger     *slog.Logger
	RaftLogger raft.Logger
	// Metrics receives the member's events: fdatasync durations, leader
	// changes, snapshots, dropped messages and client writes (default
	// metrics.Nop).
	Metrics metrics.Hooks
}

func (c Config) withDefaults() (Config, error) {
	if c.ID == 0 {
		return c, errors.New("server: Config.ID must be non-zero")
	}
	if c.Dir == "" {
		return c, errors.New("server: Config.Dir must be set")
	}
	if _, ok := c.Peers[c.ID]; !ok && c.Listener == nil {
		return c, fmt.Errorf("server: Config.Peers has no address for this member %x and no Listener is set", c.ID)
	}
	if c.ClusterID == 0 {
		h := fnv.New64a()
		h.Write([]byte("raftkv"))
		c.ClusterID = h.Sum64()
	}
	setDefault(&c.TickInterval, 100*time.Millisecond)
	setDefault(&c.ElectionTicks, 10)
	setDefault(&c.HeartbeatTicks, 1)
	setDefault(&c.RequestTimeout, 5*time.Second)
	setDefault(&c.SnapshotEntries, 10000)
	setDefault(&c.SnapshotBytes, 64<<20)
	setDefault(&c.CompactTail, 5000)
	setDefault(&c.KVCommitInterval, 100*time.Millisecond)
	setDefault(&c.KVCommitEntries, 10000)
	if err := c.AutoCompaction.check(); err != nil {
		return c, err
	}
	setDefault(&c.AutoCompaction.RevisionInterval, 5*time.Minute)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.RaftLogger == nil {
		c.RaftLogger = raftLogger{c.Logger}
	}
	if c.Metrics == nil {
		c.Metrics = metrics.Nop{}
	}
	peers := make(map[uint64]string, len(c.Peers))
	for id, a := range c.Peers {
		peers[id] = a
	}
	c.Peers = peers
	return c, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}
