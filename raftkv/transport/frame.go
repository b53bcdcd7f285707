package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// A frame is a 4-byte big-endian payload length, the 4-byte big-endian
// CRC32C of the payload, then the payload. A message frame's payload is a
// uvarint message count followed by, for each message, a uvarint length and
// the message's protobuf encoding.
const frameHeaderSize = 8

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Errors of the frame decoder. They are wrapped with detail; compare with
// errors.Is.
var (
	ErrFrameTooLarge  = errors.New("transport: frame larger than the maximum frame size")
	ErrFrameCRC       = errors.New("transport: frame checksum mismatch")
	ErrFrameMalformed = errors.New("transport: malformed frame payload")
)

// frameEncoder builds message frames in a buffer it reuses across frames.
type frameEncoder struct {
	buf []byte
}

// encode returns the frame carrying msgs. The result aliases the encoder's
// buffer and is valid until the next call.
func (e *frameEncoder) encode(msgs []raftpb.Message) ([]byte, error) {
	size := binary.MaxVarintLen64
	for i := range msgs {
		size += binary.MaxVarintLen64 + msgs[i].Size()
	}
	if cap(e.buf) < frameHeaderSize+size {
		e.buf = make([]byte, frameHeaderSize+size)
	}
	b := e.buf[:cap(e.buf)]
	n := frameHeaderSize
	n += binary.PutUvarint(b[n:], uint64(len(msgs)))
	for i := range msgs {
		n += binary.PutUvarint(b[n:], uint64(msgs[i].Size()))
		w, err := msgs[i].MarshalTo(b[n:])
		if err != nil {
			return nil, fmt.Errorf("transport: encoding %s to %d: %w", msgs[i].Type, msgs[i].To, err)
		}
		n += w
	}
	putFrameHeader(b[:frameHeaderSize], b[frameHeaderSize:n])
	return b[:n], nil
}

func putFrameHeader(h, payload []byte) {
	binary.BigEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(h[4:8], crc32c(payload))
}

// readFrame reads one frame from r and returns its checked payload. The
// payload goes into buf if it fits, else into a fresh buffer: message
// streams pass nil, so that messages decoding by aliasing it stay valid
// after the next frame is read.
func readFrame(r io.Reader, maxSize int, buf []byte) ([]byte, error) {
	var h [frameHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[0:4])
	if uint64(n) > uint64(maxSize) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, maxSize)
	}
	payload := buf[:0]
	if uint64(cap(buf)) < uint64(n) {
		payload = make([]byte, n)
	}
	payload = payload[:n]
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if got, want := crc32c(payload), binary.BigEndian.Uint32(h[4:8]); got != want {
		return nil, fmt.Errorf("%w: computed %08x, header says %08x", ErrFrameCRC, got, want)
	}
	return payload, nil
}

// decodeMessages decodes a message frame's payload. The messages alias
// payload, which the caller must not reuse. Every message must come from
// sender and be addressed to receiver; a snapshot stream's first frame
// holds exactly one MsgSnap, and MsgSnap appears nowhere else. On any
// error no message is returned.
func decodeMessages(payload []byte, sender, receiver uint64, kind streamKind) ([]raftpb.Message, error) {
	return decodeMessagesInto(nil, payload, sender, receiver, kind)
}

// decodeMessagesInto is decodeMessages decoding into dst's array when it
// is large enough. The caller must need none of dst's messages any more.
func decodeMessagesInto(dst []raftpb.Message, payload []byte, sender, receiver uint64, kind streamKind) ([]raftpb.Message, error) {
	count, n := binary.Uvarint(payload)
	if n <= 0 {
		return nil, fmt.Errorf("%w: bad message count", ErrFrameMalformed)
	}
	payload = payload[n:]
	// Every message takes at least one length byte: bound the allocation
	// by what the payload can hold before trusting the count.
	if count > uint64(len(payload)) {
		return nil, fmt.Errorf("%w: %d messages in %d bytes", ErrFrameMalformed, count, len(payload))
	}
	if kind == streamSnapshot && count != 1 {
		return nil, fmt.Errorf("%w: snapshot stream opens with %d messages, want one MsgSnap", ErrFrameMalformed, count)
	}
	if uint64(cap(dst)) < count {
		dst = make([]raftpb.Message, count)
	}
	msgs := dst[:count]
	clear(msgs) // decoding appends to a message's repeated fields
	for i := range msgs {
		size, n := binary.Uvarint(payload)
		if n <= 0 || size > uint64(len(payload)-n) {
			return nil, fmt.Errorf("%w: message %d of %d: bad length", ErrFrameMalformed, i, count)
		}
		body := payload[n : n+int(size) : n+int(size)]
		payload = payload[n+int(size):]
		if err := checkMessage(&msgs[i], body, sender, receiver, kind); err != nil {
			return nil, fmt.Errorf("%w: message %d of %d: %v", ErrFrameMalformed, i, count, err)
		}
	}
	if len(payload) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrFrameMalformed, len(payload))
	}
	return msgs, nil
}

// checkMessage decodes body into m and checks that a peer may send it.
func checkMessage(m *raftpb.Message, body []byte, sender, receiver uint64, kind streamKind) error {
	if err := m.UnmarshalAlias(body); err != nil {
		return err
	}
	if m.From != sender {
		return fmt.Errorf("%s claims to be from %d on a connection from %d", m.Type, m.From, sender)
	}
	if m.To != receiver {
		return fmt.Errorf("%s addressed to %d arrived at %d", m.Type, m.To, receiver)
	}
	if raft.IsLocalMsg(m.Type) {
		return fmt.Errorf("%s is local to a node and never crosses the network", m.Type)
	}
	if (m.Type == raftpb.MsgSnap) != (kind == streamSnapshot) {
		return fmt.Errorf("%s on a %s stream: MsgSnap travels alone on snapshot streams", m.Type, kind)
	}
	return nil
}

// maxReusedMessages bounds the array a message stream keeps between
// frames: a rare frame of thousands of messages is not held on to.
const maxReusedMessages = 64

// reuseMessages returns the array of msgs, cleared so that the memory the
// messages point to can go, for the next frame; nil if it is too large to
// keep.
func reuseMessages(msgs []raftpb.Message) []raftpb.Message {
	if cap(msgs) > maxReusedMessages {
		return nil
	}
	clear(msgs)
	return msgs[:0]
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crcTable) }
