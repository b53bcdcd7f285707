package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// Handler is the node loop's side of the transport. Its methods may be
// called from any goroutine of the transport, concurrently, and the
// Report methods also from inside Send and SendSnapshot: none may block on
// the node loop (queue the event instead).
type Handler interface {
	// Process is given every message received from a peer. The message
	// aliases a buffer that belongs to it alone: it may be kept.
	Process(ctx context.Context, m raftpb.Message) error
	// ProcessSnapshot is given an incoming MsgSnap and a reader of the
	// snapshot data streamed after it. The reader returns io.EOF only at
	// the sender's end marker, after every chunk was checked; any other
	// error means the stream broke and the snapshot must be discarded. Once
	// the data is safely stored, the handler steps m into raft and returns
	// nil, which tells the sender the snapshot arrived. The reader is valid
	// only until ProcessSnapshot returns.
	ProcessSnapshot(ctx context.Context, m raftpb.Message, data io.Reader) error
	// ReportUnreachable says a message to id could not be sent.
	ReportUnreachable(id uint64)
	// ReportSnapshot says how sending a snapshot to id ended.
	ReportSnapshot(id uint64, status raft.SnapshotStatus)
}

// Config configures a Transport. New copies it and fills zero fields with
// the defaults below; it does not modify the caller's value.
type Config struct {
	// ID is this member's id, ClusterID the cluster's; both must be non-zero.
	ID        uint64
	ClusterID uint64
	// Listener accepts peers' connections. If nil, New listens on
	// ListenAddr. The Transport closes it on Close.
	Listener   net.Listener
	ListenAddr string
	// Peers maps the other members' ids to their addresses (host:port).
	Peers map[uint64]string
	// TLS, if set, secures every connection both ways. It must require and
	// verify client certificates (ClientAuth = RequireAndVerifyClientCert,
	// ClientCAs) and trust the cluster CA as a client (RootCAs); see
	// MutualTLS.
	TLS *tls.Config
	// QueueSize bounds the messages waiting for one peer (default 4096).
	QueueSize int
	// MaxFrameSize bounds a frame's payload in bytes, both sent and
	// accepted (default 16 MiB). A message larger than that is dropped.
	MaxFrameSize int
	// SnapshotChunkSize is the payload size of a snapshot data chunk
	// (default 64 KiB); it bounds the memory a snapshot stream takes.
	SnapshotChunkSize int
	// DialTimeout bounds connecting and handshaking (default 5 s).
	DialTimeout time.Duration
	// WriteTimeout bounds one frame write (default 5 s).
	WriteTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before redialling a peer;
	// it doubles after each failure (defaults 50 ms and 2 s).
	MinBackoff, MaxBackoff time.Duration
	// Handler receives messages and reports; required.
	Handler Handler
	// Logger receives connection events; default slog.Default().
	Logger *slog.Logger
}

const (
	defaultQueueSize    = 4096
	defaultMaxFrameSize = 16 << 20
	defaultChunkSize    = 64 << 10
	defaultDialTimeout  = 5 * time.Second
	defaultWriteTimeout = 5 * time.Second
	defaultMinBackoff   = 50 * time.Millisecond
	defaultMaxBackoff   = 2 * time.Second
)

// validate checks c without changing it.
func (c *Config) validate() error {
	switch {
	case c.ID == 0:
		return errors.New("transport: Config.ID must be non-zero")
	case c.ClusterID == 0:
		return errors.New("transport: Config.ClusterID must be non-zero")
	case c.Handler == nil:
		return errors.New("transport: Config.Handler is required")
	case c.Listener == nil && c.ListenAddr == "":
		return errors.New("transport: one of Config.Listener and Config.ListenAddr is required")
	case c.QueueSize < 0 || c.MaxFrameSize < 0 || c.SnapshotChunkSize < 0:
		return errors.New("transport: sizes in Config must not be negative")
	case c.MinBackoff < 0 || c.MaxBackoff < 0 || c.MinBackoff > c.MaxBackoff && c.MaxBackoff != 0:
		return fmt.Errorf("transport: backoff bounds [%v, %v] are not a range", c.MinBackoff, c.MaxBackoff)
	case c.MaxFrameSize != 0 && c.MaxFrameSize < 1024:
		return fmt.Errorf("transport: MaxFrameSize %d is below the 1024-byte floor", c.MaxFrameSize)
	}
	if c.TLS != nil && (c.TLS.ClientAuth != tls.RequireAndVerifyClientCert || c.TLS.ClientCAs == nil) {
		return errors.New("transport: Config.TLS must require and verify client certificates against ClientCAs")
	}
	for id := range c.Peers {
		if id == 0 || id == c.ID {
			return fmt.Errorf("transport: peer id %d is zero or this member's own id", id)
		}
	}
	return nil
}

// withDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.QueueSize, defaultQueueSize)
	def(&c.MaxFrameSize, defaultMaxFrameSize)
	def(&c.SnapshotChunkSize, defaultChunkSize)
	c.SnapshotChunkSize = min(c.SnapshotChunkSize, c.MaxFrameSize)
	defDur(&c.DialTimeout, defaultDialTimeout)
	defDur(&c.WriteTimeout, defaultWriteTimeout)
	defDur(&c.MinBackoff, defaultMinBackoff)
	defDur(&c.MaxBackoff, max(defaultMaxBackoff, c.MinBackoff))
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	peers := make(map[uint64]string, len(c.Peers))
	for id, addr := range c.Peers {
		peers[id] = addr
	}
	c.Peers = peers
	return c
}

// MutualTLS returns a TLS configuration for a cluster member: it presents
// cert both as a server and as a client and accepts only peers whose
// certificate chains to ca.
func MutualTLS(ca *x509.CertPool, cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      ca,
		ClientCAs:    ca,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
	}
}
