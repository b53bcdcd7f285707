package raftpb

import "strconv"

// String methods render a message exactly as v3.6 does. v3.6's generated
// String is github.com/golang/protobuf's CompactTextString, which walks the
// schema through protobuf-go's reflection of these plain structs. Users log
// and compare these strings, so the rules are kept byte for byte:
//   - fields appear in raft.proto declaration order (which is also Go
//     struct order), each as "name:value" followed by one space, name being
//     the field's name in raft.proto;
//   - a field appears only when it is present: a scalar or enum when
//     non-zero, a bool when true, bytes when non-nil (so empty bytes print
//     as ""), a repeated field when non-empty (one "name:value " per
//     element), a message pointer when non-nil, and an embedded message
//     when any of its fields is non-zero or a non-nil slice;
//   - a message value prints as "name:<fields> ", so nested text ends in
//     " > " and an empty one is "<> ";
//   - an enum prints its name, or its number when it has no name;
//   - bytes are quoted with \n \r \t \" \\ escaped and every other byte
//     outside printable ASCII as a three-digit octal escape.
//
// A zero message prints as "" and a nil receiver as "<nil>".

const nilText = "<nil>"

func (m *Entry) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *SnapshotMetadata) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *Snapshot) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *Message) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *HardState) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *ConfState) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *ConfChange) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *ConfChangeSingle) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *ConfChangeV2) String() string {
	if m == nil {
		return nilText
	}
	return string(m.appendText(nil))
}

func (m *Entry) appendText(b []byte) []byte {
	b = appendUintField(b, "Term", m.Term)
	b = appendUintField(b, "Index", m.Index)
	b = appendEnumField(b, "Type", int32(m.Type), m.Type.String())
	return appendBytesField(b, "Data", m.Data)
}

func (m *SnapshotMetadata) appendText(b []byte) []byte {
	if m.ConfState.present() {
		b = closeMessage(m.ConfState.appendText(openMessage(b, "conf_state")))
	}
	b = appendUintField(b, "index", m.Index)
	return appendUintField(b, "term", m.Term)
}

func (m *Snapshot) appendText(b []byte) []byte {
	b = appendBytesField(b, "data", m.Data)
	if m.Metadata.present() {
		b = closeMessage(m.Metadata.appendText(openMessage(b, "metadata")))
	}
	return b
}

func (m *Message) appendText(b []byte) []byte {
	b = appendEnumField(b, "type", int32(m.Type), m.Type.String())
	b = appendUintField(b, "to", m.To)
	b = appendUintField(b, "from", m.From)
	b = appendUintField(b, "term", m.Term)
	b = appendUintField(b, "logTerm", m.LogTerm)
	b = appendUintField(b, "index", m.Index)
	for i := range m.Entries {
		b = closeMessage(m.Entries[i].appendText(openMessage(b, "entries")))
	}
	b = appendUintField(b, "commit", m.Commit)
	b = appendUintField(b, "vote", m.Vote)
	if m.Snapshot != nil {
		b = closeMessage(m.Snapshot.appendText(openMessage(b, "snapshot")))
	}
	b = appendBoolField(b, "reject", m.Reject)
	b = appendUintField(b, "rejectHint", m.RejectHint)
	b = appendBytesField(b, "context", m.Context)
	for i := range m.Responses {
		b = closeMessage(m.Responses[i].appendText(openMessage(b, "responses")))
	}
	return b
}

func (m *HardState) appendText(b []byte) []byte {
	b = appendUintField(b, "term", m.Term)
	b = appendUintField(b, "vote", m.Vote)
	return appendUintField(b, "commit", m.Commit)
}

func (m *ConfState) appendText(b []byte) []byte {
	b = appendUintsField(b, "voters", m.Voters)
	b = appendUintsField(b, "learners", m.Learners)
	b = appendUintsField(b, "voters_outgoing", m.VotersOutgoing)
	b = appendUintsField(b, "learners_next", m.LearnersNext)
	return appendBoolField(b, "auto_leave", m.AutoLeave)
}

func (m *ConfChange) appendText(b []byte) []byte {
	b = appendEnumField(b, "type", int32(m.Type), m.Type.String())
	b = appendUintField(b, "node_id", m.NodeID)
	b = appendBytesField(b, "context", m.Context)
	return appendUintField(b, "id", m.ID)
}

func (m *ConfChangeSingle) appendText(b []byte) []byte {
	b = appendEnumField(b, "type", int32(m.Type), m.Type.String())
	return appendUintField(b, "node_id", m.NodeID)
}

func (m *ConfChangeV2) appendText(b []byte) []byte {
	b = appendEnumField(b, "transition", int32(m.Transition), m.Transition.String())
	for i := range m.Changes {
		b = closeMessage(m.Changes[i].appendText(openMessage(b, "changes")))
	}
	return appendBytesField(b, "context", m.Context)
}

// present reports whether an embedded (non-pointer) ConfState counts as
// set: protobuf-go's reflection sees it as set unless every field is the
// Go zero value, and a non-nil empty slice is not the zero value.
func (m *ConfState) present() bool {
	return m.Voters != nil || m.Learners != nil || m.VotersOutgoing != nil ||
		m.LearnersNext != nil || m.AutoLeave
}

// present follows the same rule as ConfState.present.
func (m *SnapshotMetadata) present() bool {
	return m.ConfState.present() || m.Index != 0 || m.Term != 0
}

func appendUintField(b []byte, name string, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = append(b, name...)
	b = append(b, ':')
	b = strconv.AppendUint(b, v, 10)
	return append(b, ' ')
}

func appendUintsField(b []byte, name string, vs []uint64) []byte {
	for _, v := range vs {
		b = append(b, name...)
		b = append(b, ':')
		b = strconv.AppendUint(b, v, 10)
		b = append(b, ' ')
	}
	return b
}

func appendBoolField(b []byte, name string, v bool) []byte {
	if !v {
		return b
	}
	b = append(b, name...)
	return append(b, ":true "...)
}

// appendEnumField writes an enum field; text is the enum's String.
func appendEnumField(b []byte, name string, v int32, text string) []byte {
	if v == 0 {
		return b
	}
	b = append(b, name...)
	b = append(b, ':')
	b = append(b, text...)
	return append(b, ' ')
}

// appendBytesField omits a nil field; an empty one still prints as "".
func appendBytesField(b []byte, name string, v []byte) []byte {
	if v == nil {
		return b
	}
	b = append(b, name...)
	b = append(b, ':')
	b = appendQuoted(b, v)
	return append(b, ' ')
}

func openMessage(b []byte, name string) []byte {
	b = append(b, name...)
	return append(b, ':', '<')
}

func closeMessage(b []byte) []byte {
	return append(b, '>', ' ')
}

// appendQuoted quotes v byte by byte (not rune by rune) with C-style and
// octal escapes, as the protobuf text format does in every language.
func appendQuoted(b, v []byte) []byte {
	b = append(b, '"')
	for _, c := range v {
		switch c {
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			if c >= 0x20 && c < 0x7f {
				b = append(b, c)
			} else {
				b = append(b, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
			}
		}
	}
	return append(b, '"')
}
