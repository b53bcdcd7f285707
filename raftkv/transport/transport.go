package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// Transport sends raft messages to the peers of one member and receives
// theirs. Its methods are safe for concurrent use.
type Transport struct {
	cfg    Config
	ln     net.Listener
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the Transport started

	mu      sync.Mutex
	closed  bool
	peers   map[uint64]*peer
	removed map[uint64]bool
	inbound map[net.Conn]uint64 // accepted connections and their senders
	snaps   map[uint64]bool     // peers with a snapshot being sent
}

// New starts a Transport: it listens for peers and starts a writer for
// every peer in cfg.Peers.
func New(cfg Config) (*Transport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.ListenAddr); err != nil {
			return nil, fmt.Errorf("transport: listening on %s: %w", cfg.ListenAddr, err)
		}
	}
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		cfg:     cfg,
		ln:      ln,
		ctx:     ctx,
		cancel:  cancel,
		peers:   make(map[uint64]*peer),
		removed: make(map[uint64]bool),
		inbound: make(map[net.Conn]uint64),
		snaps:   make(map[uint64]bool),
	}
	t.mu.Lock()
	for id, addr := range cfg.Peers {
		t.startPeerLocked(id, addr)
	}
	t.goLocked(t.acceptLoop)
	t.mu.Unlock()
	return t, nil
}

// Addr is the address the Transport listens on.
func (t *Transport) Addr() net.Addr { return t.ln.Addr() }

// goLocked runs f on a goroutine that Close waits for. t.mu must be held
// and t not closed, so that no goroutine starts after Close began waiting.
func (t *Transport) goLocked(f func()) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		f()
	}()
}

// Send queues msgs for their peers and returns at once. A message for an
// unknown peer, or for a peer whose queue is full, is dropped and the peer
// reported unreachable. MsgSnap must go through SendSnapshot: one found
// here is dropped and reported as a failed snapshot.
func (t *Transport) Send(msgs []raftpb.Message) {
	for i := range msgs {
		m := &msgs[i]
		if m.Type == raftpb.MsgSnap {
			t.cfg.Logger.Error("transport: MsgSnap passed to Send, use SendSnapshot", "to", m.To)
			t.cfg.Handler.ReportSnapshot(m.To, raft.SnapshotFailure)
			continue
		}
		t.mu.Lock()
		p := t.peers[m.To]
		t.mu.Unlock()
		if p == nil {
			t.cfg.Logger.Debug("transport: dropping message for unknown peer", "type", m.Type, "to", m.To)
			t.cfg.Handler.ReportUnreachable(m.To)
			continue
		}
		if !p.enqueue(*m) {
			t.cfg.Handler.ReportUnreachable(m.To)
		}
	}
}

// AddPeer starts sending to member id at addr. Adding a known peer at a
// new address reconnects it there; at the same address it does nothing.
// A removed member cannot come back: raft never reuses ids.
func (t *Transport) AddPeer(id uint64, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return errors.New("transport: AddPeer after Close")
	case id == 0 || id == t.cfg.ID:
		return fmt.Errorf("transport: cannot add peer %d: zero or this member's own id", id)
	case t.removed[id]:
		return fmt.Errorf("transport: cannot add peer %d: it was removed", id)
	}
	if p := t.peers[id]; p != nil {
		if p.addr == addr {
			return nil
		}
		p.stop()
	}
	t.startPeerLocked(id, addr)
	return nil
}

// RemovePeer stops sending to member id, closes its connections and
// refuses it from now on.
func (t *Transport) RemovePeer(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.peers[id]; p != nil {
		p.stop()
		delete(t.peers, id)
	}
	t.removed[id] = true
	for c, from := range t.inbound {
		if from == id {
			c.Close()
		}
	}
}

// PeerStats counts what happened to the messages queued for one peer.
type PeerStats struct {
	Sent    uint64 // messages written to a connection
	Dropped uint64 // messages dropped: queue full, peer unreachable, too large
}

// Stats returns the counters of peer id, and false if it is not a peer.
func (t *Transport) Stats(id uint64) (PeerStats, bool) {
	t.mu.Lock()
	p := t.peers[id]
	t.mu.Unlock()
	if p == nil {
		return PeerStats{}, false
	}
	return PeerStats{Sent: p.sent.Load(), Dropped: p.dropped.Load()}, true
}

// Close stops every goroutine of the Transport, closes its listener and
// connections, and waits for them. Queued messages are dropped.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.cancel()
	err := t.ln.Close()
	for c := range t.inbound {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
	return err
}

// dial connects to member id at addr for a stream of the given kind and
// completes the handshake.
func (t *Transport) dial(ctx context.Context, id uint64, addr string, kind streamKind) (net.Conn, error) {
	nd := &net.Dialer{Timeout: t.cfg.DialTimeout}
	var conn net.Conn
	var err error
	if t.cfg.TLS != nil {
		conn, err = (&tls.Dialer{NetDialer: nd, Config: t.cfg.TLS}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetDeadline(time.Now().Add(t.cfg.DialTimeout))
	h := hello{kind: kind, cluster: t.cfg.ClusterID, from: t.cfg.ID, to: id}
	var status [1]byte
	if _, err = conn.Write(h.marshal()); err == nil {
		_, err = conn.Read(status[:])
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if s := handshakeStatus(status[0]); s != statusOK {
		conn.Close()
		return nil, fmt.Errorf("member %d at %s %s (we are member %d of cluster %x)", id, addr, s, t.cfg.ID, t.cfg.ClusterID)
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}
