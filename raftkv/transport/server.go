package transport

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/tickraft/raft/raftpb"
)

// acceptLoop accepts peers' connections until the listener is closed.
func (t *Transport) acceptLoop() {
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			t.cfg.Logger.Warn("transport: accept failed", "err", err)
			select {
			case <-time.After(t.cfg.MinBackoff):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			conn.Close()
			return
		}
		t.inbound[conn] = 0
		t.goLocked(func() { t.serveConn(conn) })
		t.mu.Unlock()
	}
}

// serveConn runs the acceptor's side of the handshake, then reads the
// stream until it ends or breaks.
func (t *Transport) serveConn(conn net.Conn) {
	defer func() {
		t.mu.Lock()
		delete(t.inbound, conn)
		t.mu.Unlock()
		conn.Close()
	}()
	log := t.cfg.Logger.With("remote", conn.RemoteAddr().String())
	conn.SetDeadline(time.Now().Add(t.cfg.DialTimeout))
	h, status, err := readHello(conn)
	if err == nil {
		status, err = t.judge(conn, h)
	}
	if err != nil {
		log.Warn("transport: refusing connection", "err", err)
		if status != statusOK {
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			conn.Write([]byte{byte(status)})
		}
		return
	}
	if _, err := conn.Write([]byte{byte(statusOK)}); err != nil {
		log.Warn("transport: handshake reply failed", "peer", h.from, "err", err)
		return
	}
	conn.SetDeadline(time.Time{})
	log = log.With("peer", h.from)
	br := bufio.NewReaderSize(conn, 64<<10)
	switch h.kind {
	case streamMessages:
		err = t.readMessages(br, h)
	case streamSnapshot:
		err = t.receiveSnapshot(conn, br, h)
	}
	if err != nil && t.ctx.Err() == nil {
		log.Warn("transport: closing connection", "stream", h.kind, "err", err)
	}
}

// judge checks a hello's ids against this member and registers the
// connection under its sender.
func (t *Transport) judge(conn net.Conn, h hello) (handshakeStatus, error) {
	switch {
	case h.cluster != t.cfg.ClusterID:
		return statusWrongCluster, fmt.Errorf("peer %d belongs to cluster %x, this member to cluster %x", h.from, h.cluster, t.cfg.ClusterID)
	case h.to != t.cfg.ID:
		return statusWrongReceiver, fmt.Errorf("peer %d dialled member %d, this is member %d", h.from, h.to, t.cfg.ID)
	case h.from == 0 || h.from == t.cfg.ID:
		return statusWrongReceiver, fmt.Errorf("peer claims member id %d, which is zero or this member's", h.from)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.removed[h.from] {
		return statusRemovedSender, fmt.Errorf("member %d was removed from the cluster", h.from)
	}
	t.inbound[conn] = h.from
	return statusOK, nil
}

// readMessages hands every message of every frame to the handler. A frame
// that fails any check ends the stream, and none of its messages is
// delivered.
func (t *Transport) readMessages(br *bufio.Reader, h hello) error {
	// The handler takes each message by value, so the array they are
	// decoded into is reused; the payload is not: messages alias it.
	var msgs []raftpb.Message
	for {
		payload, err := readFrame(br, t.cfg.MaxFrameSize, nil)
		if err != nil {
			return err
		}
		msgs, err = decodeMessagesInto(msgs, payload, h.from, t.cfg.ID, streamMessages)
		if err != nil {
			return err
		}
		for i := range msgs {
			if err := t.cfg.Handler.Process(t.ctx, msgs[i]); err != nil {
				if t.ctx.Err() != nil {
					return nil
				}
				t.cfg.Logger.Debug("transport: handler rejected message", "peer", h.from, "type", msgs[i].Type, "err", err)
			}
		}
		msgs = reuseMessages(msgs)
	}
}
