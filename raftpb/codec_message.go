package raftpb

import (
	"encoding/binary"
	"fmt"
)

// Message fields: Type 1, To 2, From 3, Term 4, LogTerm 5, Index 6,
// Entries 7 (repeated), Commit 8, Snapshot 9 (nullable), Reject 10,
// RejectHint 11, Context 12 (nullable), Vote 13, Responses 14 (repeated).

// maxResponseDepth bounds how deeply Responses may nest when decoding, so
// that hostile input cannot exhaust the stack. Raft itself nests one level.
const maxResponseDepth = 32

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *Message) Marshal() ([]byte, error) {
	if m.small() {
		// Most of raft's traffic (heartbeats, votes, acknowledgements) is
		// varint fields and at most a short Context. Written forward into a
		// stack buffer these need no Size and no varint lengths, which would
		// cost as much as the writing itself; one small copy then fills the
		// exact allocation.
		var buf [maxSmallMessageSize]byte
		n := m.encodeSmallForward(&buf)
		b := make([]byte, n)
		copy(b, buf[:n])
		return b, nil
	}
	b := make([]byte, m.Size())
	m.encode(b, len(b))
	return b, nil
}

// maxSmallContext is the longest Context that small accepts: room for the
// 8-byte read sequence numbers heartbeats carry, and to spare.
const maxSmallContext = 16

// maxSmallMessageSize bounds the encoding of a Message for which small
// holds: ten varint fields of one-byte key and at most ten bytes, and a
// Context with one-byte key and length.
const maxSmallMessageSize = 10*(1+binary.MaxVarintLen64) + 2 + maxSmallContext

// small says whether m has nothing to encode but its varint fields and a
// Context of at most maxSmallContext bytes.
func (m *Message) small() bool {
	return len(m.Entries) == 0 && m.Snapshot == nil && len(m.Context) <= maxSmallContext && len(m.Responses) == 0
}

// encodeSmallForward writes m, for which small holds, to the start of b and
// returns its length: the fields encode would write, in the same order.
func (m *Message) encodeSmallForward(b *[maxSmallMessageSize]byte) int {
	i := appendUint64Field(b[:], 0, tagVarint(1), enumWire(int32(m.Type)))
	i = appendUint64Field(b[:], i, tagVarint(2), m.To)
	i = appendUint64Field(b[:], i, tagVarint(3), m.From)
	i = appendUint64Field(b[:], i, tagVarint(4), m.Term)
	i = appendUint64Field(b[:], i, tagVarint(5), m.LogTerm)
	i = appendUint64Field(b[:], i, tagVarint(6), m.Index)
	i = appendUint64Field(b[:], i, tagVarint(8), m.Commit)
	i = appendUint64Field(b[:], i, tagVarint(10), uint64(boolWire(m.Reject)))
	i = appendUint64Field(b[:], i, tagVarint(11), m.RejectHint)
	if m.Context != nil {
		b[i], b[i+1] = tagBytes(12), byte(len(m.Context)) // a one-byte length
		i += 2 + copy(b[i+2:], m.Context)
	}
	return appendUint64Field(b[:], i, tagVarint(13), m.Vote)
}

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *Message) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *Message) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

// Size is the length of m's encoding.
func (m *Message) Size() (n int) {
	if m == nil {
		return 0
	}
	// Nine varint fields with one-byte keys, and Reject's key and byte.
	n = 9 + 2 + sizeVarint(enumWire(int32(m.Type))) + sizeVarint(m.To) + sizeVarint(m.From) +
		sizeVarint(m.Term) + sizeVarint(m.LogTerm) + sizeVarint(m.Index) +
		sizeVarint(m.Commit) + sizeVarint(m.RejectHint) + sizeVarint(m.Vote)
	for k := range m.Entries {
		n += sizeBytesField(m.Entries[k].Size())
	}
	if m.Snapshot != nil {
		n += sizeBytesField(m.Snapshot.Size())
	}
	if m.Context != nil {
		n += sizeBytesField(len(m.Context))
	}
	for k := range m.Responses {
		n += sizeBytesField(m.Responses[k].Size())
	}
	return n
}

func (m *Message) encode(b []byte, i int) int {
	for k := len(m.Responses) - 1; k >= 0; k-- {
		end := i
		i = m.Responses[k].encode(b, i)
		i = putLengthPrefix(b, i, tagBytes(14), end-i)
	}
	i = putUint64Field(b, i, tagVarint(13), m.Vote)
	if m.Context != nil {
		i = putBytesField(b, i, tagBytes(12), m.Context)
	}
	i = putUint64Field(b, i, tagVarint(11), m.RejectHint)
	i = putUint64Field(b, i, tagVarint(10), uint64(boolWire(m.Reject)))
	if m.Snapshot != nil {
		end := i
		i = m.Snapshot.encode(b, i)
		i = putLengthPrefix(b, i, tagBytes(9), end-i)
	}
	i = putUint64Field(b, i, tagVarint(8), m.Commit)
	for k := len(m.Entries) - 1; k >= 0; k-- {
		end := i
		i = m.Entries[k].encode(b, i)
		i = putLengthPrefix(b, i, tagBytes(7), end-i)
	}
	i = putUint64Field(b, i, tagVarint(6), m.Index)
	i = putUint64Field(b, i, tagVarint(5), m.LogTerm)
	i = putUint64Field(b, i, tagVarint(4), m.Term)
	i = putUint64Field(b, i, tagVarint(3), m.From)
	i = putUint64Field(b, i, tagVarint(2), m.To)
	return putUint64Field(b, i, tagVarint(1), enumWire(int32(m.Type)))
}

// Reset clears m.
func (m *Message) Reset() { *m = Message{} }

// Unmarshal merges the encoding in b into m: Entries and Responses append,
// Snapshot is allocated if nil and merged into. The bytes fields decoded
// (Context and those of the entries, snapshot and responses) are copied
// into one shared allocation, so m does not alias b.
func (m *Message) Unmarshal(b []byte) error {
	// decode counts the bytes it made m alias, so that the buffer for
	// them is allocated without a walk to count them, and messages without
	// bytes (heartbeats, votes, acknowledgements: most of them) skip the
	// walk that copies them. (So a field that an earlier UnmarshalAlias
	// of the same input set is copied only if this call copies any.)
	aliased, err := m.decode(b, 0)
	if aliased > 0 {
		d := newCopier(b, aliased)
		m.detach(&d)
	}
	return err
}

// UnmarshalAlias is Unmarshal without the copy: the bytes fields alias b,
// which must stay unchanged while m is in use.
func (m *Message) UnmarshalAlias(b []byte) error {
	_, err := m.decode(b, 0)
	return err
}

// decode merges b into m and returns how many bytes of b the bytes fields
// it set alias; it counts them also when it fails part way, as Unmarshal
// copies what was decoded either way.
func (m *Message) decode(b []byte, depth int) (aliased int, _ error) {
	const msg = "Message"
	// Entries and Responses are sized once per call, when first seen.
	var countedEntries, countedResponses bool
	for i := m.decodeInOrder(b); i < len(b); {
		if i = m.decodeScalars(b, i); i == len(b) {
			break
		}
		num, typ, ok := shortKey(b[i])
		j, err := i+1, error(nil)
		if !ok {
			if num, typ, j, err = consumeTag(b, i); err != nil {
				return aliased, keyError(msg, err)
			}
		}
		var v uint64
		var a int // the bytes of b the field made m alias
		switch num {
		case 1:
			v, i, err = decodeUint64(b, j, typ)
			m.Type = MessageType(v)
		case 2:
			m.To, i, err = decodeUint64(b, j, typ)
		case 3:
			m.From, i, err = decodeUint64(b, j, typ)
		case 4:
			m.Term, i, err = decodeUint64(b, j, typ)
		case 5:
			m.LogTerm, i, err = decodeUint64(b, j, typ)
		case 6:
			m.Index, i, err = decodeUint64(b, j, typ)
		case 7:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err != nil {
				break
			}
			if !countedEntries {
				countedEntries = true
				m.Entries = grow(m.Entries, 1+countField(b, i, 7))
			}
			m.Entries = append(m.Entries, Entry{})
			a, err = m.Entries[len(m.Entries)-1].decode(b[start:i])
		case 8:
			m.Commit, i, err = decodeUint64(b, j, typ)
		case 9:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err != nil {
				break
			}
			if m.Snapshot == nil {
				m.Snapshot = &Snapshot{}
			}
			a, err = m.Snapshot.decode(b[start:i])
		case 10:
			v, i, err = decodeUint64(b, j, typ)
			m.Reject = v != 0
		case 11:
			m.RejectHint, i, err = decodeUint64(b, j, typ)
		case 12:
			var data []byte
			if data, i, err = decodeBytes(b, j, typ); err == nil {
				m.Context, a = data, len(data)
			}
		case 13:
			m.Vote, i, err = decodeUint64(b, j, typ)
		case 14:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err != nil {
				break
			}
			if depth >= maxResponseDepth {
				return aliased, fmt.Errorf("raftpb: Message.responses nested deeper than %d", maxResponseDepth)
			}
			if !countedResponses {
				countedResponses = true
				m.Responses = grow(m.Responses, 1+countField(b, i, 14))
			}
			m.Responses = append(m.Responses, Message{})
			a, err = m.Responses[len(m.Responses)-1].decode(b[start:i], depth+1)
		default:
			i, err = skipField(b, j, num, typ)
		}
		aliased += a
		if err != nil {
			return aliased, fieldError(msg, num, typ, err)
		}
	}
	return aliased, nil
}

// decodeInOrder is the fastest path: it decodes the varint fields at the
// start of b that have one-byte values and come in the order encoders
// write them, as straight-line code with no jump table, and returns the
// index of the first field it leaves. A heartbeat with small values is
// nothing else; a MsgApp's header up to its entries is this.
func (m *Message) decodeInOrder(b []byte) int {
	v, i, ok := inOrder(b, 0, tagVarint(1))
	if !ok {
		return i
	}
	m.Type = MessageType(v)
	if v, i, ok = inOrder(b, i, tagVarint(2)); !ok {
		return i
	}
	m.To = v
	if v, i, ok = inOrder(b, i, tagVarint(3)); !ok {
		return i
	}
	m.From = v
	if v, i, ok = inOrder(b, i, tagVarint(4)); !ok {
		return i
	}
	m.Term = v
	if v, i, ok = inOrder(b, i, tagVarint(5)); !ok {
		return i
	}
	m.LogTerm = v
	if v, i, ok = inOrder(b, i, tagVarint(6)); !ok {
		return i
	}
	m.Index = v
	if v, i, ok = inOrder(b, i, tagVarint(8)); !ok {
		return i
	}
	m.Commit = v
	if v, i, ok = inOrder(b, i, tagVarint(10)); !ok {
		return i
	}
	m.Reject = v != 0
	if v, i, ok = inOrder(b, i, tagVarint(11)); !ok {
		return i
	}
	m.RejectHint = v
	if v, i, ok = inOrder(b, i, tagVarint(13)); !ok {
		return i
	}
	m.Vote = v
	return i
}

// decodeScalars is decode's fast path (see codec.go): it decodes the run of
// Message's varint fields at b[i:] that have one-byte keys, and returns the
// index of the first field it leaves to decode.
func (m *Message) decodeScalars(b []byte, i int) int {
	for i+1 < len(b) {
		key := b[i]
		if key&7 != wireVarint {
			return i
		}
		v, next := uint64(b[i+1]), i+2
		if v >= 0x80 {
			var err error
			if v, next, err = consumeVarint(b, i+1); err != nil {
				return i
			}
		}
		switch key >> 3 {
		case 1:
			m.Type = MessageType(v)
		case 2:
			m.To = v
		case 3:
			m.From = v
		case 4:
			m.Term = v
		case 5:
			m.LogTerm = v
		case 6:
			m.Index = v
		case 8:
			m.Commit = v
		case 10:
			m.Reject = v != 0
		case 11:
			m.RejectHint = v
		case 13:
			m.Vote = v
		default:
			return i
		}
		i = next
	}
	return i
}

func (m *Message) detach(d *detacher) {
	d.bytes(&m.Context)
	for k := range m.Entries {
		d.bytes(&m.Entries[k].Data)
	}
	if m.Snapshot != nil {
		d.bytes(&m.Snapshot.Data)
	}
	for k := range m.Responses {
		m.Responses[k].detach(d)
	}
}
