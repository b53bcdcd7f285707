package raftpb

// ConfChange fields: ID 1, Type 2, NodeID 3, Context 4 (nullable).

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *ConfChange) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *ConfChange) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *ConfChange) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

// Size is the length of m's encoding.
func (m *ConfChange) Size() (n int) {
	if m == nil {
		return 0
	}
	n = 3 + sizeVarint(m.ID) + sizeVarint(enumWire(int32(m.Type))) + sizeVarint(m.NodeID)
	if m.Context != nil {
		n += sizeBytesField(len(m.Context))
	}
	return n
}

func (m *ConfChange) encode(b []byte, i int) int {
	if m.Context != nil {
		i = putBytesField(b, i, tagBytes(4), m.Context)
	}
	i = putUint64Field(b, i, tagVarint(3), m.NodeID)
	i = putUint64Field(b, i, tagVarint(2), enumWire(int32(m.Type)))
	return putUint64Field(b, i, tagVarint(1), m.ID)
}

// Reset clears m.
func (m *ConfChange) Reset() { *m = ConfChange{} }

// Unmarshal merges the encoding in b into m. Context is copied, so m does
// not alias b.
func (m *ConfChange) Unmarshal(b []byte) error {
	err := m.decode(b)
	d := detacher{in: b}
	if m.detach(&d); d.startCopy() {
		m.detach(&d)
	}
	return err
}

// UnmarshalAlias is Unmarshal without the copy: Context aliases b, which
// must stay unchanged while m is in use.
func (m *ConfChange) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *ConfChange) decode(b []byte) error {
	const msg = "ConfChange"
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
			m.ID, i, err = decodeUint64(b, j, typ)
		case 2:
			v, i, err = decodeUint64(b, j, typ)
			m.Type = ConfChangeType(v)
		case 3:
			m.NodeID, i, err = decodeUint64(b, j, typ)
		case 4:
			var data []byte
			if data, i, err = decodeBytes(b, j, typ); err == nil {
				m.Context = data
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

func (m *ConfChange) detach(d *detacher) { d.bytes(&m.Context) }

// ConfChangeSingle fields: Type 1, NodeID 2.

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *ConfChangeSingle) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *ConfChangeSingle) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *ConfChangeSingle) MarshalToSizedBuffer(b []byte) (int, error) {
	return marshalToSizedBuffer(m, b)
}

// Size is the length of m's encoding.
func (m *ConfChangeSingle) Size() (n int) {
	if m == nil {
		return 0
	}
	return 2 + sizeVarint(enumWire(int32(m.Type))) + sizeVarint(m.NodeID)
}

func (m *ConfChangeSingle) encode(b []byte, i int) int {
	i = putUint64Field(b, i, tagVarint(2), m.NodeID)
	return putUint64Field(b, i, tagVarint(1), enumWire(int32(m.Type)))
}

// Reset clears m.
func (m *ConfChangeSingle) Reset() { *m = ConfChangeSingle{} }

// Unmarshal merges the encoding in b into m.
func (m *ConfChangeSingle) Unmarshal(b []byte) error { return m.decode(b) }

// UnmarshalAlias is Unmarshal; it exists for uniformity.
func (m *ConfChangeSingle) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *ConfChangeSingle) decode(b []byte) error {
	const msg = "ConfChangeSingle"
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
			m.Type = ConfChangeType(v)
		case 2:
			m.NodeID, i, err = decodeUint64(b, j, typ)
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return fieldError(msg, num, typ, err)
		}
	}
	return nil
}

// ConfChangeV2 fields: Transition 1, Changes 2 (repeated), Context 3
// (nullable).

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *ConfChangeV2) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *ConfChangeV2) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *ConfChangeV2) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

// Size is the length of m's encoding.
func (m *ConfChangeV2) Size() (n int) {
	if m == nil {
		return 0
	}
	n = 1 + sizeVarint(enumWire(int32(m.Transition)))
	for k := range m.Changes {
		n += sizeBytesField(m.Changes[k].Size())
	}
	if m.Context != nil {
		n += sizeBytesField(len(m.Context))
	}
	return n
}

func (m *ConfChangeV2) encode(b []byte, i int) int {
	if m.Context != nil {
		i = putBytesField(b, i, tagBytes(3), m.Context)
	}
	for k := len(m.Changes) - 1; k >= 0; k-- {
		end := i
		i = m.Changes[k].encode(b, i)
		i = putLengthPrefix(b, i, tagBytes(2), end-i)
	}
	return putUint64Field(b, i, tagVarint(1), enumWire(int32(m.Transition)))
}

// Reset clears m.
func (m *ConfChangeV2) Reset() { *m = ConfChangeV2{} }

// Unmarshal merges the encoding in b into m: Changes append. Context is
// copied, so m does not alias b.
func (m *ConfChangeV2) Unmarshal(b []byte) error {
	err := m.decode(b)
	d := detacher{in: b}
	if m.detach(&d); d.startCopy() {
		m.detach(&d)
	}
	return err
}

// UnmarshalAlias is Unmarshal without the copy: Context aliases b, which
// must stay unchanged while m is in use.
func (m *ConfChangeV2) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *ConfChangeV2) decode(b []byte) error {
	const msg = "ConfChangeV2"
	// Changes is sized once per call, when first seen.
	countedChanges := false
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
			m.Transition = ConfChangeTransition(v)
		case 2:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err != nil {
				break
			}
			if !countedChanges {
				countedChanges = true
				m.Changes = grow(m.Changes, 1+countField(b, i, 2))
			}
			m.Changes = append(m.Changes, ConfChangeSingle{})
			err = m.Changes[len(m.Changes)-1].decode(b[start:i])
		case 3:
			var data []byte
			if data, i, err = decodeBytes(b, j, typ); err == nil {
				m.Context = data
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

func (m *ConfChangeV2) detach(d *detacher) { d.bytes(&m.Context) }
