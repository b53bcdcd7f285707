package raftpb

import "fmt"

// Message fields: Type 1, To 2, From 3, Term 4, LogTerm 5, Index 6,
// Entries 7 (repeated), Commit 8, Snapshot 9 (nullable), Reject 10,
// RejectHint 11, Context 12 (nullable), Vote 13, Responses 14 (repeated).

// maxResponseDepth bounds how deeply Responses may nest when decoding, so
// that hostile input cannot exhaust the stack. Raft itself nests one level.
const maxResponseDepth = 32

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *Message) Marshal() ([]byte, error) {
	b := make([]byte, m.Size())
	m.encode(b, len(b))
	return b, nil
}

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *Message) MarshalTo(b []byte) (int, error) {
	n := m.Size()
	if err := checkBuffer(len(b), n); err != nil {
		return 0, err
	}
	m.encode(b, n)
	return n, nil
}

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *Message) MarshalToSizedBuffer(b []byte) (int, error) {
	if err := checkBuffer(len(b), m.Size()); err != nil {
		return 0, err
	}
	return len(b) - m.encode(b, len(b)), nil
}

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
	err := m.decode(b, 0)
	d := detacher{in: b}
	if m.detach(&d); d.startCopy() {
		m.detach(&d)
	}
	return err
}

// UnmarshalAlias is Unmarshal without the copy: the bytes fields alias b,
// which must stay unchanged while m is in use.
func (m *Message) UnmarshalAlias(b []byte) error { return m.decode(b, 0) }

func (m *Message) decode(b []byte, depth int) error {
	const msg = "Message"
	// Entries and Responses are sized once per call, when first seen.
	var countedEntries, countedResponses bool
	for i := 0; i < len(b); {
		num, typ, ok := shortKey(b[i])
		j, err := i+1, error(nil)
		if !ok {
			if num, typ, j, err = consumeTag(b, i); err != nil {
				return keyError(msg, err)
			}
		}
		var v uint64
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
			err = m.Entries[len(m.Entries)-1].decode(b[start:i])
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
			err = m.Snapshot.decode(b[start:i])
		case 10:
			v, i, err = decodeUint64(b, j, typ)
			m.Reject = v != 0
		case 11:
			m.RejectHint, i, err = decodeUint64(b, j, typ)
		case 12:
			var data []byte
			if data, i, err = decodeBytes(b, j, typ); err == nil {
				m.Context = data
			}
		case 13:
			m.Vote, i, err = decodeUint64(b, j, typ)
		case 14:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err != nil {
				break
			}
			if depth >= maxResponseDepth {
				return fmt.Errorf("raftpb: Message.responses nested deeper than %d", maxResponseDepth)
			}
			if !countedResponses {
				countedResponses = true
				m.Responses = grow(m.Responses, 1+countField(b, i, 14))
			}
			m.Responses = append(m.Responses, Message{})
			err = m.Responses[len(m.Responses)-1].decode(b[start:i], depth+1)
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return fieldError(msg, num, typ, err)
		}
	}
	return nil
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
