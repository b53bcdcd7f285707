// # Encoding
//
// Every message type has the gogo-style methods of v3.6 (Marshal, MarshalTo,
// MarshalToSizedBuffer, Size, Unmarshal, Reset), written by hand on
// google.golang.org/protobuf/encoding/protowire without reflection. Encoders
// write exactly the bytes v3.6 writes: fields in field-number order, every
// non-nullable field even when zero, nullable bytes iff non-nil, repeated
// uint64 unpacked, enums as sign-extended varints.
//
// # Decoding and aliasing
//
// Unmarshal merges into the receiver like v3.6 (repeated fields append,
// scalars and bytes fields are replaced, nested messages merge) and the
// decoded value never aliases the input, so a caller may reuse its read
// buffer. Rather than one allocation per bytes field, Unmarshal copies all the
// bytes fields it decoded into a single shared allocation: decoding a MsgApp
// costs the entries slice and that one buffer.
//
// UnmarshalAlias is the same decoding without the copy: bytes fields point
// into the input (capped with full-slice expressions, so an append to one
// cannot overwrite its neighbour), and the caller must keep the input
// unchanged for as long as the value is used. Decoding a MsgApp through it
// allocates only the entries slice.
//
// Either way an empty but present bytes field decodes to a non-nil empty
// slice of capacity zero, so a re-encoding writes it again, and an absent one
// stays nil.
package raftpb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// The errors of v3.6 for malformed input, kept as the same messages so that
// errors.Is and log matching keep working. Decoders wrap them with the
// message and field that failed.
var (
	ErrInvalidLengthRaft        = fmt.Errorf("proto: negative length found during unmarshaling")
	ErrIntOverflowRaft          = fmt.Errorf("proto: integer overflow")
	ErrUnexpectedEndOfGroupRaft = fmt.Errorf("proto: unexpected end of group")
)

// errShortBuffer is returned by MarshalTo and MarshalToSizedBuffer when the
// buffer cannot hold the encoding (v3.6 panics instead).
var errShortBuffer = errors.New("raftpb: buffer shorter than Size()")

// emptyBytes is what a present but empty bytes field decodes to: non-nil, so
// that it is encoded again, and of capacity zero, so that no append can
// write through it into memory another value shares.
var emptyBytes = make([]byte, 0)

// sizeVarint is the encoded length of v.
func sizeVarint(v uint64) int { return protowire.SizeVarint(v) }

// sizeBytesField is the encoded length of a length-delimited field with a
// one-byte tag (all of raft.proto's field numbers are below 16).
func sizeBytesField(n int) int { return 1 + sizeVarint(uint64(n)) + n }

// enumWire is how gogo writes an int32 enum: sign-extended to 64 bits, so a
// negative value takes ten bytes.
func enumWire(v int32) uint64 { return uint64(int64(v)) }

// boolWire is the varint value of a bool.
func boolWire(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Encoders write backwards, as gogo does: a value ends at b[i] and the
// functions return the index of its first byte. Writing the tail first means
// a nested message's length is known when its prefix is written, without
// computing its size twice.

// putUint64Field writes a varint field with the one-byte tag tag. It is
// small enough to be inlined, loop included.
func putUint64Field(b []byte, i int, tag byte, v uint64) int {
	n := int(9*uint32(bits.Len64(v))+64) / 64 // sizeVarint, spelled out to stay inlinable
	i -= n + 1
	b[i] = tag
	j := i + 1
	for ; v >= 0x80; j++ {
		b[j] = byte(v) | 0x80
		v >>= 7
	}
	b[j] = byte(v)
	return i
}

// appendUint64Field is putUint64Field writing forward: the field starts at
// b[i] and it returns the index after it. Forward, a varint needs no
// length computed first.
func appendUint64Field(b []byte, i int, tag byte, v uint64) int {
	b[i] = tag
	for i++; v >= 0x80; i++ {
		b[i] = byte(v) | 0x80
		v >>= 7
	}
	b[i] = byte(v)
	return i + 1
}

// putBytesField writes a length-delimited field with the one-byte tag tag.
func putBytesField(b []byte, i int, tag byte, v []byte) int {
	i -= len(v)
	copy(b[i:], v)
	return putLengthPrefix(b, i, tag, len(v))
}

// putLengthPrefix writes the tag and length in front of a value of n bytes
// that already starts at b[i]. The prefix is laid out as a varint field.
func putLengthPrefix(b []byte, i int, tag byte, n int) int {
	return putUint64Field(b, i, tag, uint64(n))
}

// One-byte tags: field number << 3 | wire type.
const (
	wireVarint = byte(protowire.VarintType)
	wireBytes  = byte(protowire.BytesType)
)

func tagVarint(num byte) byte { return num<<3 | wireVarint }
func tagBytes(num byte) byte  { return num<<3 | wireBytes }

// checkBuffer is the length check of MarshalTo and MarshalToSizedBuffer.
func checkBuffer(have, need int) error {
	if have < need {
		return fmt.Errorf("%w: have %d bytes, need %d", errShortBuffer, have, need)
	}
	return nil
}

// consumeVarint decodes the varint at b[i:] and returns it with the index
// after it. Like gogo it accepts up to ten bytes and ignores bits past 64.
// It is small enough to be inlined.
func consumeVarint(b []byte, i int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if i >= len(b) {
			return 0, i, io.ErrUnexpectedEOF
		}
		c := b[i]
		v |= uint64(c&0x7f) << shift
		if i++; c < 0x80 {
			return v, i, nil
		}
	}
	return 0, i, ErrIntOverflowRaft
}

// consumeLength decodes the length prefix at b[i:] and returns the bounds
// [start, end) of the value it announces.
func consumeLength(b []byte, i int) (start, end int, err error) {
	n, i, err := consumeVarint(b, i)
	if err != nil {
		return 0, 0, err
	}
	if n > math.MaxInt64 {
		return 0, 0, ErrInvalidLengthRaft
	}
	if n > uint64(len(b)-i) {
		return 0, 0, io.ErrUnexpectedEOF
	}
	return i, i + int(n), nil
}

// Decoders try two fast paths before the general per-field code. First
// decodeInOrder: straight-line code that takes the varint fields with
// one-byte values in the order encoders write them, one predictable
// comparison each; a heartbeat with small values is nothing else. Then, in
// the loop, decodeScalars: varint fields with one-byte keys (all of
// raft.proto's) in any order and of any length, the one-byte value inline
// and a switch on the field number that compiles to a jump table. Such
// fields are most of a raft message (types, node ids, flags, terms and
// indexes). Each fast path stops at the first field it does not handle,
// malformed ones included, which the general code then decodes with every
// check; so they change no result, only the speed. (The straight line
// exists because the jump table's indirect branch is mispredicted often
// enough to cost more than the rest of a heartbeat's decoding.)

// inOrder reads the field at b[i:] if its key is key and its value one
// byte; ok false leaves i where it was. It is small enough to be inlined.
func inOrder(b []byte, i int, key byte) (v uint64, next int, ok bool) {
	if i+1 < len(b) && b[i] == key && b[i+1] < 0x80 {
		return uint64(b[i+1]), i + 2, true
	}
	return 0, i, false
}

// shortKey decodes the common one-byte key of a valid field; other keys
// go through consumeTag.
func shortKey(c byte) (protowire.Number, protowire.Type, bool) {
	return protowire.Number(c >> 3), protowire.Type(c & 7), c < 0x80 && c >= 8 && c&7 != byte(protowire.EndGroupType)
}

// consumeTag decodes the field key at b[i:] and rejects field number zero,
// numbers beyond int32, and an end-group key, which here would close a
// group that was never opened.
func consumeTag(b []byte, i int) (protowire.Number, protowire.Type, int, error) {
	key, i, err := consumeVarint(b, i)
	if err != nil {
		return 0, 0, i, err
	}
	num, typ := key>>3, protowire.Type(key&7)
	if num == 0 || num > math.MaxInt32 {
		return 0, 0, i, errFieldNumber
	}
	if typ == protowire.EndGroupType {
		return 0, 0, i, ErrUnexpectedEndOfGroupRaft
	}
	return protowire.Number(num), typ, i, nil
}

// errFieldNumber and errWireType are wrapped by fieldError with the field
// they concern.
var (
	errFieldNumber = errors.New("illegal field number")
	errWireType    = errors.New("wrong wire type")
)

// fieldError says where decoding failed: the message, the field number
// and the key's wire type. Errors of nested messages come out as a path.
func fieldError(msg string, num protowire.Number, typ protowire.Type, err error) error {
	return fmt.Errorf("raftpb: %s field %d (wire type %d): %w", msg, num, typ, err)
}

// keyError reports a malformed field key.
func keyError(msg string, err error) error {
	return fmt.Errorf("raftpb: %s: field key: %w", msg, err)
}

// decodeUint64 decodes a varint field's value.
func decodeUint64(b []byte, i int, typ protowire.Type) (uint64, int, error) {
	if typ == protowire.VarintType {
		return consumeVarint(b, i)
	}
	return 0, 0, errWireType
}

// decodeSpan decodes a length-delimited field's bounds.
func decodeSpan(b []byte, i int, typ protowire.Type) (start, end int, err error) {
	if typ != protowire.BytesType {
		return 0, 0, errWireType
	}
	return consumeLength(b, i)
}

// decodeBytes decodes a bytes field as an alias of b, capped so that an
// append cannot overwrite what follows it.
func decodeBytes(b []byte, i int, typ protowire.Type) ([]byte, int, error) {
	start, end, err := decodeSpan(b, i, typ)
	if err != nil {
		return nil, i, err
	}
	if start == end {
		return emptyBytes, end, nil
	}
	return b[start:end:end], end, nil
}

// skipField skips the value of an unknown field whose key has been read.
func skipField(b []byte, i int, num protowire.Number, typ protowire.Type) (int, error) {
	return skipValue(b, i, num, typ, 0)
}

// maxGroupDepth bounds the nesting of unknown groups so that hostile input
// cannot exhaust the stack.
const maxGroupDepth = 100

func skipValue(b []byte, i int, num protowire.Number, typ protowire.Type, depth int) (int, error) {
	switch typ {
	case protowire.VarintType:
		_, i, err := consumeVarint(b, i)
		return i, err
	case protowire.Fixed64Type:
		if len(b)-i < 8 {
			return i, io.ErrUnexpectedEOF
		}
		return i + 8, nil
	case protowire.Fixed32Type:
		if len(b)-i < 4 {
			return i, io.ErrUnexpectedEOF
		}
		return i + 4, nil
	case protowire.BytesType:
		_, end, err := consumeLength(b, i)
		return end, err
	case protowire.StartGroupType:
		return skipGroup(b, i, num, depth+1)
	default:
		return i, fmt.Errorf("illegal wire type %d", typ)
	}
}

// skipGroup skips the fields of a group up to and including the end-group
// key that closes it, which must carry the group's field number.
func skipGroup(b []byte, i int, num protowire.Number, depth int) (int, error) {
	if depth > maxGroupDepth {
		return i, fmt.Errorf("groups nested deeper than %d", maxGroupDepth)
	}
	for {
		key, j, err := consumeVarint(b, i)
		if err != nil {
			return j, err
		}
		i = j
		n, typ := key>>3, protowire.Type(key&7)
		if n == 0 || n > math.MaxInt32 {
			return i, fmt.Errorf("illegal field number %d in group", n)
		}
		if typ == protowire.EndGroupType {
			if protowire.Number(n) != num {
				return i, fmt.Errorf("group %d closed by field %d: %w", num, n, ErrUnexpectedEndOfGroupRaft)
			}
			return i, nil
		}
		if i, err = skipValue(b, i, protowire.Number(n), typ, depth); err != nil {
			return i, err
		}
	}
}

// countField counts the occurrences of field num with wire type bytes in
// b[i:], so that a repeated message field can be sized exactly before it is
// filled. It stops at the first malformed field; decoding reports that.
func countField(b []byte, i int, num protowire.Number) int {
	n := 0
	for i < len(b) {
		key, j, err := consumeVarint(b, i)
		if err != nil {
			return n
		}
		typ := protowire.Type(key & 7)
		if key>>3 == uint64(num) && typ == protowire.BytesType {
			n++
		}
		if typ == protowire.EndGroupType {
			return n
		}
		if i, err = skipValue(b, j, protowire.Number(key>>3), typ, 0); err != nil {
			return n
		}
	}
	return n
}

// grow makes room for n more elements without the rounding up of append,
// so that a decoded repeated field is allocated at its exact size.
func grow[T any](s []T, n int) []T {
	if n <= cap(s)-len(s) {
		return s
	}
	t := make([]T, len(s), len(s)+n)
	copy(t, s)
	return t
}

// detacher moves the bytes fields that alias an input buffer into one fresh
// allocation. A walk over a decoded value copies them; a decoder that does
// not count the bytes it aliased (see newCopier) walks once before that to
// count them.
type detacher struct {
	in      []byte
	total   int
	copying bool
	buf     []byte
}

// newCopier returns a detacher ready for the copying walk, with a buffer
// of total bytes: the count of a decoder of the bytes it made a value
// alias, which bounds what the walk finds and is exact unless a field was
// set twice. It saves the counting walk.
func newCopier(in []byte, total int) detacher {
	return detacher{in: in, copying: true, buf: make([]byte, total)}
}

// startCopy ends the counting walk and prepares the copying one, which is
// needed only if the counting walk found aliased bytes. The walks are
// called on concrete types, not through an interface, so that the
// detacher stays on the stack.
func (d *detacher) startCopy() bool {
	if d.total == 0 {
		return false
	}
	d.copying, d.buf = true, make([]byte, d.total)
	return true
}

// bytes visits one bytes field.
func (d *detacher) bytes(p *[]byte) {
	s := *p
	if !d.aliases(s) {
		return
	}
	if !d.copying {
		d.total += len(s)
		return
	}
	if len(s) > len(d.buf) {
		// Only when the field was not among those counted: one that an
		// earlier UnmarshalAlias of the same input set.
		*p = bytes.Clone(s)
		return
	}
	n := copy(d.buf, s)
	*p = d.buf[:n:n]
	d.buf = d.buf[n:]
}

// aliases says whether s points into the input. The comparison is on
// addresses only; nothing is dereferenced through them.
func (d *detacher) aliases(s []byte) bool {
	if len(s) == 0 || len(d.in) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(d.in)))
	return p >= lo && p-lo < uintptr(len(d.in))
}

// encoder is a message type as the generic Marshal helpers see it: encode
// writes m backwards so that it ends at b[i] and returns where it starts.
type encoder interface {
	Size() int
	encode(b []byte, i int) int
}

// marshalExact encodes m into a buffer of exactly its size.
func marshalExact[M encoder](m M) []byte {
	b := make([]byte, m.Size())
	m.encode(b, len(b))
	return b
}

// marshalTo writes m to the start of b.
func marshalTo[M encoder](m M, b []byte) (int, error) {
	n := m.Size()
	if err := checkBuffer(len(b), n); err != nil {
		return 0, err
	}
	m.encode(b, n)
	return n, nil
}

// marshalToSizedBuffer writes m to the end of b.
func marshalToSizedBuffer[M encoder](m M, b []byte) (int, error) {
	if err := checkBuffer(len(b), m.Size()); err != nil {
		return 0, err
	}
	return len(b) - m.encode(b, len(b)), nil
}

// countingDecoder is a message type whose decode reports how many input
// bytes the fields it set alias.
type countingDecoder interface {
	decode(b []byte) (aliased int, err error)
	detach(d *detacher)
}

// unmarshalCopy decodes b into m, then moves the aliased bytes into one
// fresh buffer. The copying walk runs only if some bytes field was set, and
// also after a failure part way, as Unmarshal promises no aliasing either
// way.
func unmarshalCopy[M countingDecoder](m M, b []byte) error {
	aliased, err := m.decode(b)
	if aliased > 0 {
		d := newCopier(b, aliased)
		m.detach(&d)
	}
	return err
}
