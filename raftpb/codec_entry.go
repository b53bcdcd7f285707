package raftpb

// Entry fields: Type 1, Term 2, Index 3, Data 4 (nullable).

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *Entry) Marshal() ([]byte, error) {
	b := make([]byte, m.Size())
	m.encode(b, len(b))
	return b, nil
}

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *Entry) MarshalTo(b []byte) (int, error) {
	n := m.Size()
	if err := checkBuffer(len(b), n); err != nil {
		return 0, err
	}
	m.encode(b, n)
	return n, nil
}

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *Entry) MarshalToSizedBuffer(b []byte) (int, error) {
	if err := checkBuffer(len(b), m.Size()); err != nil {
		return 0, err
	}
	return len(b) - m.encode(b, len(b)), nil
}

// Size is the length of m's encoding.
func (m *Entry) Size() (n int) {
	if m == nil {
		return 0
	}
	n = 3 + sizeVarint(enumWire(int32(m.Type))) + sizeVarint(m.Term) + sizeVarint(m.Index)
	if m.Data != nil {
		n += sizeBytesField(len(m.Data))
	}
	return n
}

// encode writes m to end just before b[i] and returns where it starts.
func (m *Entry) encode(b []byte, i int) int {
	if m.Data != nil {
		i = putBytesField(b, i, tagBytes(4), m.Data)
	}
	i = putUint64Field(b, i, tagVarint(3), m.Index)
	i = putUint64Field(b, i, tagVarint(2), m.Term)
	return putUint64Field(b, i, tagVarint(1), enumWire(int32(m.Type)))
}

// Reset clears m.
func (m *Entry) Reset() { *m = Entry{} }

// Unmarshal merges the encoding in b into m. Data is copied, so m does not
// alias b.
func (m *Entry) Unmarshal(b []byte) error {
	err := m.decode(b)
	d := detacher{in: b}
	if m.detach(&d); d.startCopy() {
		m.detach(&d)
	}
	return err
}

// UnmarshalAlias is Unmarshal without the copy: Data aliases b, which must
// stay unchanged while m is in use.
func (m *Entry) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *Entry) decode(b []byte) error {
	const msg = "Entry"
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
			m.Type = EntryType(v)
		case 2:
			m.Term, i, err = decodeUint64(b, j, typ)
		case 3:
			m.Index, i, err = decodeUint64(b, j, typ)
		case 4:
			var data []byte
			if data, i, err = decodeBytes(b, j, typ); err == nil {
				m.Data = data
			}
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return fieldError(msg, num, typ, err)
		}
	}
	return nil
}

func (m *Entry) detach(d *detacher) { d.bytes(&m.Data) }
