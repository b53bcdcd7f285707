package raftpb

// SnapshotMetadata fields: ConfState 1 (always written), Index 2, Term 3.

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *SnapshotMetadata) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *SnapshotMetadata) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *SnapshotMetadata) MarshalToSizedBuffer(b []byte) (int, error) {
	return marshalToSizedBuffer(m, b)
}

// Size is the length of m's encoding.
func (m *SnapshotMetadata) Size() (n int) {
	if m == nil {
		return 0
	}
	return sizeBytesField(m.ConfState.Size()) + 2 + sizeVarint(m.Index) + sizeVarint(m.Term)
}

func (m *SnapshotMetadata) encode(b []byte, i int) int {
	i = putUint64Field(b, i, tagVarint(3), m.Term)
	i = putUint64Field(b, i, tagVarint(2), m.Index)
	end := i
	i = m.ConfState.encode(b, i)
	return putLengthPrefix(b, i, tagBytes(1), end-i)
}

// Reset clears m.
func (m *SnapshotMetadata) Reset() { *m = SnapshotMetadata{} }

// Unmarshal merges the encoding in b into m; ConfState merges too (its
// repeated fields append). m has no bytes fields, so it never aliases b.
func (m *SnapshotMetadata) Unmarshal(b []byte) error { return m.decode(b) }

// UnmarshalAlias is Unmarshal; it exists for uniformity.
func (m *SnapshotMetadata) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *SnapshotMetadata) decode(b []byte) error {
	const msg = "SnapshotMetadata"
	for i := 0; i < len(b); {
		num, typ, ok := shortKey(b[i])
		j, err := i+1, error(nil)
		if !ok {
			if num, typ, j, err = consumeTag(b, i); err != nil {
				return keyError(msg, err)
			}
		}
		switch num {
		case 1:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err == nil {
				err = m.ConfState.decode(b[start:i])
			}
		case 2:
			m.Index, i, err = decodeUint64(b, j, typ)
		case 3:
			m.Term, i, err = decodeUint64(b, j, typ)
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return fieldError(msg, num, typ, err)
		}
	}
	return nil
}

// Snapshot fields: Data 1 (nullable), Metadata 2 (always written).

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *Snapshot) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *Snapshot) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *Snapshot) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

// Size is the length of m's encoding.
func (m *Snapshot) Size() (n int) {
	if m == nil {
		return 0
	}
	if m.Data != nil {
		n = sizeBytesField(len(m.Data))
	}
	return n + sizeBytesField(m.Metadata.Size())
}

func (m *Snapshot) encode(b []byte, i int) int {
	end := i
	i = m.Metadata.encode(b, i)
	i = putLengthPrefix(b, i, tagBytes(2), end-i)
	if m.Data != nil {
		i = putBytesField(b, i, tagBytes(1), m.Data)
	}
	return i
}

// Reset clears m.
func (m *Snapshot) Reset() { *m = Snapshot{} }

// Unmarshal merges the encoding in b into m. Data is copied, so m does not
// alias b.
func (m *Snapshot) Unmarshal(b []byte) error { return unmarshalCopy(m, b) }

// UnmarshalAlias is Unmarshal without the copy: Data aliases b, which must
// stay unchanged while m is in use.
func (m *Snapshot) UnmarshalAlias(b []byte) error {
	_, err := m.decode(b)
	return err
}

// decode merges b into m and returns how many bytes of b the Data it set
// aliases, also when it fails part way.
func (m *Snapshot) decode(b []byte) (aliased int, _ error) {
	const msg = "Snapshot"
	for i := 0; i < len(b); {
		num, typ, ok := shortKey(b[i])
		j, err := i+1, error(nil)
		if !ok {
			if num, typ, j, err = consumeTag(b, i); err != nil {
				return aliased, keyError(msg, err)
			}
		}
		switch num {
		case 1:
			var data []byte
			if data, i, err = decodeBytes(b, j, typ); err == nil {
				m.Data, aliased = data, aliased+len(data)
			}
		case 2:
			var start int
			if start, i, err = decodeSpan(b, j, typ); err == nil {
				err = m.Metadata.decode(b[start:i])
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

func (m *Snapshot) detach(d *detacher) { d.bytes(&m.Data) }
