package raftpb

// Entry fields: Type 1, Term 2, Index 3, Data 4 (nullable).

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *Entry) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *Entry) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *Entry) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

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
func (m *Entry) Unmarshal(b []byte) error { return unmarshalCopy(m, b) }

// UnmarshalAlias is Unmarshal without the copy: Data aliases b, which must
// stay unchanged while m is in use.
func (m *Entry) UnmarshalAlias(b []byte) error {
	_, err := m.decode(b)
	return err
}

// decode merges b into m and returns how many bytes of b the Data it set
// aliases, also when it fails part way.
func (m *Entry) decode(b []byte) (aliased int, _ error) {
	const msg = "Entry"
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
				m.Data, aliased = data, aliased+len(data)
			}
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return aliased, fieldError(msg, num, typ, err)
		}
	}
	return aliased, nil
}

// decodeInOrder is decode's fastest path, as Message.decodeInOrder.
func (m *Entry) decodeInOrder(b []byte) int {
	v, i, ok := inOrder(b, 0, tagVarint(1))
	if !ok {
		return i
	}
	m.Type = EntryType(v)
	if v, i, ok = inOrder(b, i, tagVarint(2)); !ok {
		return i
	}
	m.Term = v
	if v, i, ok = inOrder(b, i, tagVarint(3)); !ok {
		return i
	}
	m.Index = v
	return i
}

// decodeScalars is decode's fast path, as Message.decodeScalars.
func (m *Entry) decodeScalars(b []byte, i int) int {
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
			m.Type = EntryType(v)
		case 2:
			m.Term = v
		case 3:
			m.Index = v
		default:
			return i
		}
		i = next
	}
	return i
}

func (m *Entry) detach(d *detacher) { d.bytes(&m.Data) }
