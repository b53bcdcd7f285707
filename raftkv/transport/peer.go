package transport

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/tickraft/raft/raftpb"
)

// peer is the outbound side of one member: a bounded queue and the writer
// goroutine that drains it into frames.
type peer struct {
	id      uint64
	addr    string
	queue   chan raftpb.Message
	ctx     context.Context
	stop    context.CancelFunc
	sent    atomic.Uint64
	dropped atomic.Uint64
}

// startPeerLocked starts the writer of peer id; t.mu must be held.
func (t *Transport) startPeerLocked(id uint64, addr string) {
	ctx, cancel := context.WithCancel(t.ctx)
	p := &peer{
		id:    id,
		addr:  addr,
		queue: make(chan raftpb.Message, t.cfg.QueueSize),
		ctx:   ctx,
		stop:  cancel,
	}
	t.peers[id] = p
	t.goLocked(func() { t.runPeer(p) })
}

// enqueue queues m without blocking and reports whether it fit.
func (p *peer) enqueue(m raftpb.Message) bool {
	select {
	case p.queue <- m:
		return true
	default:
		p.dropped.Add(1)
		return false
	}
}

// drain drops everything queued: a peer that cannot be reached gets no
// stale backlog when it comes back.
func (p *peer) drain() {
	for {
		select {
		case <-p.queue:
			p.dropped.Add(1)
		default:
			return
		}
	}
}

// runPeer connects to the peer, writes its queue, and reconnects after
// failures with a doubling backoff, until the peer is stopped.
func (t *Transport) runPeer(p *peer) {
	backoff := t.cfg.MinBackoff
	for p.ctx.Err() == nil {
		conn, err := t.dial(p.ctx, p.id, p.addr, streamMessages)
		if err == nil {
			backoff = t.cfg.MinBackoff
			err = t.writeLoop(p, conn)
			conn.Close()
		}
		if p.ctx.Err() != nil {
			return
		}
		t.cfg.Logger.Warn("transport: peer unreachable", "peer", p.id, "addr", p.addr, "err", err)
		t.cfg.Handler.ReportUnreachable(p.id)
		p.drain()
		select {
		case <-time.After(backoff):
		case <-p.ctx.Done():
			return
		}
		backoff = min(2*backoff, t.cfg.MaxBackoff)
	}
}

// writeLoop writes the queue to conn, everything queued at the time in one
// frame, until a write fails or the peer is stopped.
func (t *Transport) writeLoop(p *peer, conn net.Conn) error {
	stop := context.AfterFunc(p.ctx, func() { conn.Close() })
	defer stop()
	var enc frameEncoder
	batch := make([]raftpb.Message, 0, 64)
	var carry raftpb.Message // taken from the queue, did not fit the last frame
	hasCarry := false
	for {
		if !hasCarry {
			select {
			case carry = <-p.queue:
			case <-p.ctx.Done():
				return nil
			}
		}
		batch, carry, hasCarry = t.fillBatch(p, batch[:0], carry)
		if len(batch) == 0 {
			continue
		}
		frame, err := enc.encode(batch)
		if err != nil {
			p.dropped.Add(uint64(len(batch)))
			t.cfg.Logger.Error("transport: dropping unencodable batch", "peer", p.id, "err", err)
			continue
		}
		conn.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
		if _, err := conn.Write(frame); err != nil {
			p.dropped.Add(uint64(len(batch)))
			return err
		}
		p.sent.Add(uint64(len(batch)))
		clear(batch) // let the entries' memory go
	}
}

// fillBatch starts a batch with first and adds whatever is queued while
// the frame stays within MaxFrameSize. It returns the message that did not
// fit, if any. A message too large for any frame is dropped.
func (t *Transport) fillBatch(p *peer, batch []raftpb.Message, first raftpb.Message) ([]raftpb.Message, raftpb.Message, bool) {
	const overhead = 2 * 10 // count and length varints, at most
	limit := t.cfg.MaxFrameSize
	size := overhead
	next := first
	for {
		n := next.Size() + overhead
		switch {
		case n > limit:
			p.dropped.Add(1)
			t.cfg.Logger.Error("transport: dropping message larger than MaxFrameSize",
				"peer", p.id, "type", next.Type, "size", n, "limit", limit)
		case size+n > limit:
			return batch, next, true
		default:
			batch = append(batch, next)
			size += n
		}
		select {
		case next = <-p.queue:
		default:
			return batch, raftpb.Message{}, false
		}
	}
}
