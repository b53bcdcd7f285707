package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// A snapshot stream, after the handshake, carries one message frame
// holding the MsgSnap, then data chunks as frames of up to
// SnapshotChunkSize bytes, then an empty frame as the end marker. The
// receiver answers with one status byte once its handler is done.
const (
	snapAccepted byte = 0
	snapRejected byte = 1
)

// SendSnapshot sends the MsgSnap m followed by data, on a connection of its
// own, and closes data when done. It returns at once; the outcome reaches
// Handler.ReportSnapshot. One snapshot at a time goes to each peer: a
// second one while the first is in flight fails at once.
func (t *Transport) SendSnapshot(m raftpb.Message, data io.ReadCloser) {
	t.mu.Lock()
	p := t.peers[m.To]
	busy := t.snaps[m.To]
	ok := !t.closed && p != nil && !busy && m.Type == raftpb.MsgSnap
	if ok {
		t.snaps[m.To] = true
		t.goLocked(func() { t.sendSnapshot(p, m, data) })
	}
	t.mu.Unlock()
	if !ok {
		data.Close()
		t.cfg.Logger.Warn("transport: not sending snapshot", "to", m.To, "type", m.Type,
			"known_peer", p != nil, "already_sending", busy)
		t.cfg.Handler.ReportSnapshot(m.To, raft.SnapshotFailure)
	}
}

func (t *Transport) sendSnapshot(p *peer, m raftpb.Message, data io.ReadCloser) {
	err := t.streamSnapshot(p, m, data)
	data.Close()
	t.mu.Lock()
	delete(t.snaps, p.id)
	t.mu.Unlock()
	if err != nil {
		t.cfg.Logger.Warn("transport: snapshot failed", "peer", p.id, "index", snapIndex(m), "err", err)
		if t.ctx.Err() == nil {
			t.cfg.Handler.ReportUnreachable(p.id)
		}
		t.cfg.Handler.ReportSnapshot(p.id, raft.SnapshotFailure)
		return
	}
	t.cfg.Handler.ReportSnapshot(p.id, raft.SnapshotFinish)
}

func snapIndex(m raftpb.Message) uint64 {
	if m.Snapshot == nil {
		return 0
	}
	return m.Snapshot.Metadata.Index
}

// streamSnapshot writes the stream and waits for the receiver's verdict.
func (t *Transport) streamSnapshot(p *peer, m raftpb.Message, data io.Reader) error {
	conn, err := t.dial(p.ctx, p.id, p.addr, streamSnapshot)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(p.ctx, func() { conn.Close() })
	defer stop()
	var enc frameEncoder
	first, err := enc.encode([]raftpb.Message{m})
	if err != nil {
		return err
	}
	if len(first)-frameHeaderSize > t.cfg.MaxFrameSize {
		return fmt.Errorf("MsgSnap of %d bytes exceeds MaxFrameSize %d", len(first)-frameHeaderSize, t.cfg.MaxFrameSize)
	}
	if err := t.writeFull(conn, first); err != nil {
		return err
	}
	if err := t.writeChunks(conn, data); err != nil {
		return err
	}
	// The receiver may take long to store the data; Close or a dead TCP
	// connection (keep-alive) ends the wait.
	var verdict [1]byte
	if _, err := io.ReadFull(conn, verdict[:]); err != nil {
		return fmt.Errorf("waiting for the receiver's verdict: %w", err)
	}
	if verdict[0] != snapAccepted {
		return errors.New("receiver rejected the snapshot")
	}
	return nil
}

// writeChunks copies data to conn as CRC-framed chunks and the end marker.
func (t *Transport) writeChunks(conn net.Conn, data io.Reader) error {
	buf := make([]byte, frameHeaderSize+t.cfg.SnapshotChunkSize)
	for {
		n, rerr := io.ReadFull(data, buf[frameHeaderSize:])
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return fmt.Errorf("reading snapshot data: %w", rerr)
		}
		if n > 0 {
			putFrameHeader(buf[:frameHeaderSize], buf[frameHeaderSize:frameHeaderSize+n])
			if err := t.writeFull(conn, buf[:frameHeaderSize+n]); err != nil {
				return err
			}
		}
		if rerr != nil {
			putFrameHeader(buf[:frameHeaderSize], nil)
			return t.writeFull(conn, buf[:frameHeaderSize])
		}
	}
}

func (t *Transport) writeFull(conn net.Conn, b []byte) error {
	conn.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
	_, err := conn.Write(b)
	return err
}

// receiveSnapshot reads a snapshot stream and hands it to the handler.
func (t *Transport) receiveSnapshot(conn net.Conn, br *bufio.Reader, h hello) error {
	payload, err := readFrame(br, t.cfg.MaxFrameSize, nil)
	if err != nil {
		return err
	}
	msgs, err := decodeMessages(payload, h.from, t.cfg.ID, streamSnapshot)
	if err != nil {
		return err
	}
	cr := &chunkReader{r: br, max: t.cfg.MaxFrameSize}
	herr := t.cfg.Handler.ProcessSnapshot(t.ctx, msgs[0], cr)
	verdict := snapAccepted
	switch {
	case herr != nil:
		verdict, err = snapRejected, fmt.Errorf("handler rejected snapshot: %w", herr)
	case cr.err != io.EOF:
		verdict, err = snapRejected, errors.New("handler returned before reading the snapshot data to its end")
	}
	conn.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
	if _, werr := conn.Write([]byte{verdict}); werr != nil && err == nil {
		err = werr
	}
	return err
}

// chunkReader reads the data chunks of a snapshot stream, one checked
// chunk in memory at a time. It returns io.EOF only after the end marker.
type chunkReader struct {
	r   io.Reader
	max int
	buf []byte // the current chunk's storage, reused
	cur []byte // unread part of the current chunk
	err error  // sticky: io.EOF after the end marker, or what broke
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		chunk, err := readFrame(c.r, c.max, c.buf)
		switch {
		case err == io.EOF:
			c.err = io.ErrUnexpectedEOF // the end marker never came
		case err != nil:
			c.err = err
		case len(chunk) == 0:
			c.err = io.EOF
		default:
			c.buf, c.cur = chunk, chunk
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}
