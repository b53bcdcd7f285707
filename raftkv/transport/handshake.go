package transport

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The dialing side opens every connection with a fixed-size hello; the
// accepting side answers with one status byte and, unless it is
// statusOK, closes the connection.
//
//	magic "TKRT" | version u16 | kind u8 | cluster u64 | from u64 | to u64
const (
	helloMagic   = "TKRT"
	helloVersion = 1
	helloSize    = 4 + 2 + 1 + 8 + 8 + 8
)

// streamKind says what a connection carries.
type streamKind uint8

const (
	streamMessages streamKind = 1
	streamSnapshot streamKind = 2
)

func (k streamKind) String() string {
	switch k {
	case streamMessages:
		return "message"
	case streamSnapshot:
		return "snapshot"
	default:
		return fmt.Sprintf("unknown(%d)", uint8(k))
	}
}

// hello is the handshake a dialer sends.
type hello struct {
	kind    streamKind
	cluster uint64
	from    uint64
	to      uint64
}

// handshakeStatus is the acceptor's answer to a hello.
type handshakeStatus uint8

const (
	statusOK handshakeStatus = iota
	statusBadProtocol
	statusWrongCluster
	statusWrongReceiver
	statusRemovedSender
)

func (s handshakeStatus) String() string {
	switch s {
	case statusOK:
		return "accepted"
	case statusBadProtocol:
		return "refused: unknown magic, version or stream kind"
	case statusWrongCluster:
		return "refused: different cluster id"
	case statusWrongReceiver:
		return "refused: receiver has a different member id"
	case statusRemovedSender:
		return "refused: sender was removed from the cluster"
	default:
		return fmt.Sprintf("refused: unknown status %d", uint8(s))
	}
}

func (h hello) marshal() []byte {
	b := make([]byte, helloSize)
	copy(b, helloMagic)
	binary.BigEndian.PutUint16(b[4:], helloVersion)
	b[6] = byte(h.kind)
	binary.BigEndian.PutUint64(b[7:], h.cluster)
	binary.BigEndian.PutUint64(b[15:], h.from)
	binary.BigEndian.PutUint64(b[23:], h.to)
	return b
}

// readHello reads a hello. A wrong magic, version or kind is reported as
// statusBadProtocol; the ids are left for the caller to judge.
func readHello(r io.Reader) (hello, handshakeStatus, error) {
	var b [helloSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return hello{}, statusBadProtocol, fmt.Errorf("reading handshake: %w", err)
	}
	if string(b[:4]) != helloMagic {
		return hello{}, statusBadProtocol, fmt.Errorf("handshake magic %q, want %q", b[:4], helloMagic)
	}
	if v := binary.BigEndian.Uint16(b[4:]); v != helloVersion {
		return hello{}, statusBadProtocol, fmt.Errorf("protocol version %d, this member speaks %d", v, helloVersion)
	}
	h := hello{
		kind:    streamKind(b[6]),
		cluster: binary.BigEndian.Uint64(b[7:]),
		from:    binary.BigEndian.Uint64(b[15:]),
		to:      binary.BigEndian.Uint64(b[23:]),
	}
	if h.kind != streamMessages && h.kind != streamSnapshot {
		return hello{}, statusBadProtocol, fmt.Errorf("unknown stream kind %d", h.kind)
	}
	return h, statusOK, nil
}
