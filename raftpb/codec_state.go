package raftpb

import "google.golang.org/protobuf/encoding/protowire"

// HardState fields: Term 1, Vote 2, Commit 3.

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *HardState) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *HardState) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *HardState) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

// Size is the length of m's encoding.
func (m *HardState) Size() (n int) {
	if m == nil {
		return 0
	}
	return 3 + sizeVarint(m.Term) + sizeVarint(m.Vote) + sizeVarint(m.Commit)
}

func (m *HardState) encode(b []byte, i int) int {
	i = putUint64Field(b, i, tagVarint(3), m.Commit)
	i = putUint64Field(b, i, tagVarint(2), m.Vote)
	return putUint64Field(b, i, tagVarint(1), m.Term)
}

// Reset clears m.
func (m *HardState) Reset() { *m = HardState{} }

// Unmarshal merges the encoding in b into m.
func (m *HardState) Unmarshal(b []byte) error { return m.decode(b) }

// UnmarshalAlias is Unmarshal; it exists for uniformity.
func (m *HardState) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *HardState) decode(b []byte) error {
	const msg = "HardState"
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
			m.Term, i, err = decodeUint64(b, j, typ)
		case 2:
			m.Vote, i, err = decodeUint64(b, j, typ)
		case 3:
			m.Commit, i, err = decodeUint64(b, j, typ)
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return fieldError(msg, num, typ, err)
		}
	}
	return nil
}

// ConfState fields: Voters 1, Learners 2, VotersOutgoing 3, LearnersNext 4
// (repeated uint64, written unpacked, read either way), AutoLeave 5.

// Marshal returns the encoding of m in a buffer allocated at its exact size.
func (m *ConfState) Marshal() ([]byte, error) { return marshalExact(m), nil }

// MarshalTo writes the encoding of m to b[:m.Size()].
func (m *ConfState) MarshalTo(b []byte) (int, error) { return marshalTo(m, b) }

// MarshalToSizedBuffer writes the encoding of m at the end of b and returns
// its length.
func (m *ConfState) MarshalToSizedBuffer(b []byte) (int, error) { return marshalToSizedBuffer(m, b) }

// Size is the length of m's encoding.
func (m *ConfState) Size() (n int) {
	if m == nil {
		return 0
	}
	return sizeUnpacked(m.Voters) + sizeUnpacked(m.Learners) +
		sizeUnpacked(m.VotersOutgoing) + sizeUnpacked(m.LearnersNext) + 2
}

// sizeUnpacked is the length of a repeated uint64 field written one key
// per element.
func sizeUnpacked(vs []uint64) (n int) {
	for _, v := range vs {
		n += 1 + sizeVarint(v)
	}
	return n
}

func (m *ConfState) encode(b []byte, i int) int {
	i = putUint64Field(b, i, tagVarint(5), uint64(boolWire(m.AutoLeave)))
	i = putUnpacked(b, i, tagVarint(4), m.LearnersNext)
	i = putUnpacked(b, i, tagVarint(3), m.VotersOutgoing)
	i = putUnpacked(b, i, tagVarint(2), m.Learners)
	return putUnpacked(b, i, tagVarint(1), m.Voters)
}

// putUnpacked writes vs one key per element, last element first.
func putUnpacked(b []byte, i int, tag byte, vs []uint64) int {
	for k := len(vs) - 1; k >= 0; k-- {
		i = putUint64Field(b, i, tag, vs[k])
	}
	return i
}

// Reset clears m.
func (m *ConfState) Reset() { *m = ConfState{} }

// Unmarshal merges the encoding in b into m: the repeated fields append.
func (m *ConfState) Unmarshal(b []byte) error { return m.decode(b) }

// UnmarshalAlias is Unmarshal; it exists for uniformity.
func (m *ConfState) UnmarshalAlias(b []byte) error { return m.decode(b) }

func (m *ConfState) decode(b []byte) error {
	const msg = "ConfState"
	// Each repeated field is sized once per call, when first seen.
	var counted [4]bool
	for i := 0; i < len(b); {
		num, typ, ok := shortKey(b[i])
		j, err := i+1, error(nil)
		if !ok {
			if num, typ, j, err = consumeTag(b, i); err != nil {
				return keyError(msg, err)
			}
		}
		switch num {
		case 1, 2, 3, 4:
			p := m.repeatedField(num)
			if !counted[num-1] {
				counted[num-1] = true
				*p = grow(*p, countUint64s(b, j, num, typ))
			}
			*p, i, err = decodeRepeatedUint64(*p, b, j, typ)
		case 5:
			var v uint64
			v, i, err = decodeUint64(b, j, typ)
			m.AutoLeave = v != 0
		default:
			i, err = skipField(b, j, num, typ)
		}
		if err != nil {
			return fieldError(msg, num, typ, err)
		}
	}
	return nil
}

// repeatedField returns ConfState's repeated field number num (1 to 4).
func (m *ConfState) repeatedField(num protowire.Number) *[]uint64 {
	switch num {
	case 1:
		return &m.Voters
	case 2:
		return &m.Learners
	case 3:
		return &m.VotersOutgoing
	default:
		return &m.LearnersNext
	}
}

// decodeRepeatedUint64 appends one occurrence of a repeated uint64 field,
// unpacked (one varint) or packed (a length-delimited run of varints). The
// key has been read and b[i:] holds the value.
func decodeRepeatedUint64(vs []uint64, b []byte, i int, typ protowire.Type) ([]uint64, int, error) {
	switch typ {
	case protowire.VarintType:
		v, i, err := consumeVarint(b, i)
		if err != nil {
			return vs, i, err
		}
		return append(vs, v), i, nil
	case protowire.BytesType:
		start, end, err := consumeLength(b, i)
		if err != nil {
			return vs, i, err
		}
		for k := start; k < end; {
			var v uint64
			if v, k, err = consumeVarint(b[:end], k); err != nil {
				return vs, end, err
			}
			vs = append(vs, v)
		}
		return vs, end, nil
	default:
		return vs, i, errWireType
	}
}

// countUint64s counts the elements of field want in b, starting with the
// value (of wire type typ) at b[i:] and going on through the fields after
// it, in either the packed or the unpacked form. It stops at the first
// malformed field; decoding reports that.
func countUint64s(b []byte, i int, want protowire.Number, typ protowire.Type) int {
	n, num := 0, want
	for {
		if num == want {
			switch typ {
			case protowire.VarintType:
				n++
			case protowire.BytesType:
				if start, end, err := consumeLength(b, i); err == nil {
					n += countVarints(b[start:end])
				}
			}
		}
		var err error
		if i, err = skipValue(b, i, num, typ, 0); err != nil || i >= len(b) {
			return n
		}
		var key uint64
		if key, i, err = consumeVarint(b, i); err != nil {
			return n
		}
		num, typ = protowire.Number(key>>3), protowire.Type(key&7)
		if num <= 0 || typ == protowire.EndGroupType {
			return n
		}
	}
}

// countVarints counts the varints of a packed run: one per final byte.
func countVarints(b []byte) (n int) {
	for _, c := range b {
		if c < 0x80 {
			n++
		}
	}
	return n
}
