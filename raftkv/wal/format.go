package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Segment header, 32 bytes, little endian:
//
//	0      8        12       16       24           32
//	+------+--------+--------+--------+------------+
//	|magic |version |hdr CRC |  seq   | firstIndex |
//	+------+--------+--------+--------+------------+
//
// The CRC32C covers bytes [0,12) and [16,32).
const (
	headerSize   = 32
	magic        = "TKRWAL\x00\x00"
	version      = 1
	defaultAlign = 8
)

// Record frame, 8-byte aligned:
//
//	0        4        8         16     17                 frameLen
//	+--------+--------+---------+------+---------+---------+
//	|bodyLen |  CRC   |  batch  | type | payload | padding |
//	+--------+--------+---------+------+---------+---------+
//
// bodyLen counts type and payload. The CRC32C covers bodyLen and
// everything from the batch number to the end of the padding (which is
// zero), so any flipped bit in a frame, or a frame cut short, fails the
// check. CRCs are not
// chained: recovery must recognise valid records that follow a damaged
// one, to tell corruption apart from a torn tail.
const frameHeaderSize = 16

// recType is a record's type. The commit bit marks the last record of a
// Save: recovery applies a batch only once its committing record is read,
// so a Save is all or nothing.
type recType uint8

const (
	recEntries   recType = 1 // consecutive entries: [uvarint len][Entry]...
	recHardState recType = 2 // a raftpb.HardState
	recSnapshot  recType = 3 // an installed snapshot: the log restarts after it
	recMark      recType = 4 // a local snapshot at an index in the log
	recCompact   recType = 5 // compaction point: [u64 index][u64 term]
	recStart     recType = 6 // segment start: the state the segment begins with

	recCommit recType = 0x80
)

func (t recType) kind() recType { return t &^ recCommit }
func (t recType) commits() bool { return t&recCommit != 0 }

func (t recType) String() string {
	names := map[recType]string{recEntries: "entries", recHardState: "hard-state", recSnapshot: "snapshot",
		recMark: "snapshot-mark", recCompact: "compact", recStart: "segment-start"}
	if n, ok := names[t.kind()]; ok {
		return n
	}
	return fmt.Sprintf("unknown(%d)", uint8(t.kind()))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameLen is the size on disk of a record with a payload of n bytes.
func frameLen(n int) int {
	return alignUp(frameHeaderSize + 1 + n)
}

func alignUp(n int) int { return (n + defaultAlign - 1) &^ (defaultAlign - 1) }

// appendFrame appends a record to buf. payload is written by fill into
// the n bytes it is given.
func appendFrame(buf []byte, batch uint64, t recType, n int, fill func(p []byte)) []byte {
	start := len(buf)
	total := frameLen(n)
	buf = append(buf, make([]byte, total)...)
	f := buf[start:]
	binary.LittleEndian.PutUint32(f[0:4], uint32(1+n))
	binary.LittleEndian.PutUint64(f[8:16], batch)
	f[16] = byte(t)
	fill(f[17 : 17+n])
	binary.LittleEndian.PutUint32(f[4:8], frameCRC(f))
	return buf
}

// frame is a record read back from a segment.
type frame struct {
	batch   uint64
	typ     recType
	payload []byte
	size    int // bytes on disk, with header and padding
}

// frameStatus says what parseFrame found at an offset.
type frameStatus int

const (
	frameOK   frameStatus = iota
	frameZero             // a zero header: no data written here
	frameBad              // a frame that is cut short or fails its CRC
)

// parseFrame decodes the frame at the start of b, which runs to the end of
// the segment's space. It never panics on garbage.
func parseFrame(b []byte) (frame, frameStatus, string) {
	if len(b) < frameHeaderSize {
		if allZero(b) {
			return frame{}, frameZero, ""
		}
		return frame{}, frameBad, "frame header cut short by the end of the segment"
	}
	bodyLen := binary.LittleEndian.Uint32(b[0:4])
	if bodyLen == 0 {
		if allZero(b[:frameHeaderSize]) {
			return frame{}, frameZero, ""
		}
		return frame{}, frameBad, "frame with an empty body"
	}
	if uint64(bodyLen) > uint64(len(b)-frameHeaderSize) {
		return frame{}, frameBad, fmt.Sprintf("frame body of %d bytes runs past the end of the segment", bodyLen)
	}
	size := alignUp(frameHeaderSize + int(bodyLen))
	if size > len(b) {
		return frame{}, frameBad, "frame padding runs past the end of the segment"
	}
	if got, want := frameCRC(b[:size]), binary.LittleEndian.Uint32(b[4:8]); got != want {
		return frame{}, frameBad, fmt.Sprintf("CRC mismatch (stored %08x, computed %08x)", want, got)
	}
	return frame{
		batch:   binary.LittleEndian.Uint64(b[8:16]),
		typ:     recType(b[16]),
		payload: b[17 : frameHeaderSize+int(bodyLen)],
		size:    size,
	}, frameOK, ""
}

// frameCRC is the checksum of a whole frame f, without its CRC field.
func frameCRC(f []byte) uint32 {
	return crc32.Update(crc32.Checksum(f[0:4], castagnoli), castagnoli, f[8:])
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// segHeader is the fixed header at the start of every segment.
type segHeader struct {
	seq, firstIndex uint64
}

func (h segHeader) encode() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	binary.LittleEndian.PutUint32(b[8:12], version)
	binary.LittleEndian.PutUint64(b[16:24], h.seq)
	binary.LittleEndian.PutUint64(b[24:32], h.firstIndex)
	binary.LittleEndian.PutUint32(b[12:16], headerCRC(b))
	return b
}

func headerCRC(b []byte) uint32 {
	c := crc32.Update(0, castagnoli, b[0:12])
	return crc32.Update(c, castagnoli, b[16:32])
}

// decodeHeader checks and decodes a segment header.
func decodeHeader(b []byte) (segHeader, error) {
	if len(b) < headerSize {
		return segHeader{}, fmt.Errorf("file is %d bytes, shorter than the %d-byte segment header", len(b), headerSize)
	}
	if string(b[:8]) != magic {
		return segHeader{}, fmt.Errorf("bad magic %q: not a WAL segment", b[:8])
	}
	if v := binary.LittleEndian.Uint32(b[8:12]); v != version {
		return segHeader{}, fmt.Errorf("unsupported format version %d (this build reads version %d)", v, version)
	}
	if got, want := headerCRC(b), binary.LittleEndian.Uint32(b[12:16]); got != want {
		return segHeader{}, fmt.Errorf("header CRC mismatch (stored %08x, computed %08x)", want, got)
	}
	return segHeader{seq: binary.LittleEndian.Uint64(b[16:24]), firstIndex: binary.LittleEndian.Uint64(b[24:32])}, nil
}
