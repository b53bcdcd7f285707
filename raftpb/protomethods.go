package raftpb

import (
	"slices"

	"google.golang.org/protobuf/runtime/protoiface"
)

// The methods in this file give the message types the method set that
// v3.6's generated code has, so that code written against the
// github.com/golang/protobuf (APIv1) and gogo runtimes keeps compiling and
// working: proto.Message, the descriptor accessors, and the XXX_ hooks the
// table-driven runtimes call.
//
// XXX_Merge takes a protoiface.MessageV1, exactly as v3.6's does: v3.6's
// generated code imports github.com/golang/protobuf/proto, whose Message is
// an alias of protoiface.MessageV1. gogo's proto.Message has the same
// method set, so its values convert too.

// Message indexes in raft.proto, in file order.
const (
	entryIndex = iota
	snapshotMetadataIndex
	snapshotIndex
	messageIndex
	hardStateIndex
	confStateIndex
	confChangeIndex
	confChangeSingleIndex
	confChangeV2Index
)

func (*Entry) ProtoMessage()            {}
func (*SnapshotMetadata) ProtoMessage() {}
func (*Snapshot) ProtoMessage()         {}
func (*Message) ProtoMessage()          {}
func (*HardState) ProtoMessage()        {}
func (*ConfState) ProtoMessage()        {}
func (*ConfChange) ProtoMessage()       {}
func (*ConfChangeSingle) ProtoMessage() {}
func (*ConfChangeV2) ProtoMessage()     {}

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of Entry in it.
func (*Entry) Descriptor() ([]byte, []int) { return fileDescriptorRaft, []int{entryIndex} }

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of SnapshotMetadata in it.
func (*SnapshotMetadata) Descriptor() ([]byte, []int) {
	return fileDescriptorRaft, []int{snapshotMetadataIndex}
}

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of Snapshot in it.
func (*Snapshot) Descriptor() ([]byte, []int) { return fileDescriptorRaft, []int{snapshotIndex} }

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of Message in it.
func (*Message) Descriptor() ([]byte, []int) { return fileDescriptorRaft, []int{messageIndex} }

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of HardState in it.
func (*HardState) Descriptor() ([]byte, []int) { return fileDescriptorRaft, []int{hardStateIndex} }

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of ConfState in it.
func (*ConfState) Descriptor() ([]byte, []int) { return fileDescriptorRaft, []int{confStateIndex} }

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of ConfChange in it.
func (*ConfChange) Descriptor() ([]byte, []int) { return fileDescriptorRaft, []int{confChangeIndex} }

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of ConfChangeSingle in it.
func (*ConfChangeSingle) Descriptor() ([]byte, []int) {
	return fileDescriptorRaft, []int{confChangeSingleIndex}
}

// Descriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of ConfChangeV2 in it.
func (*ConfChangeV2) Descriptor() ([]byte, []int) {
	return fileDescriptorRaft, []int{confChangeV2Index}
}

// XXX_Unmarshal is Unmarshal: it merges the encoding in b into m.
func (m *Entry) XXX_Unmarshal(b []byte) error            { return m.Unmarshal(b) }
func (m *SnapshotMetadata) XXX_Unmarshal(b []byte) error { return m.Unmarshal(b) }
func (m *Snapshot) XXX_Unmarshal(b []byte) error         { return m.Unmarshal(b) }
func (m *Message) XXX_Unmarshal(b []byte) error          { return m.Unmarshal(b) }
func (m *HardState) XXX_Unmarshal(b []byte) error        { return m.Unmarshal(b) }
func (m *ConfState) XXX_Unmarshal(b []byte) error        { return m.Unmarshal(b) }
func (m *ConfChange) XXX_Unmarshal(b []byte) error       { return m.Unmarshal(b) }
func (m *ConfChangeSingle) XXX_Unmarshal(b []byte) error { return m.Unmarshal(b) }
func (m *ConfChangeV2) XXX_Unmarshal(b []byte) error     { return m.Unmarshal(b) }

// XXX_Marshal appends the encoding of m to b. The encoding is always
// deterministic, so the flag changes nothing. (v3.6's version overwrites
// b's spare capacity instead and fails unless it is exactly m's size.)
func (m *Entry) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *SnapshotMetadata) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *Snapshot) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *Message) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *HardState) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *ConfState) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *ConfChange) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *ConfChangeSingle) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

func (m *ConfChangeV2) XXX_Marshal(b []byte, deterministic bool) ([]byte, error) {
	return appendMarshal(b, m)
}

// XXX_Size is Size.
func (m *Entry) XXX_Size() int            { return m.Size() }
func (m *SnapshotMetadata) XXX_Size() int { return m.Size() }
func (m *Snapshot) XXX_Size() int         { return m.Size() }
func (m *Message) XXX_Size() int          { return m.Size() }
func (m *HardState) XXX_Size() int        { return m.Size() }
func (m *ConfState) XXX_Size() int        { return m.Size() }
func (m *ConfChange) XXX_Size() int       { return m.Size() }
func (m *ConfChangeSingle) XXX_Size() int { return m.Size() }
func (m *ConfChangeV2) XXX_Size() int     { return m.Size() }

// XXX_DiscardUnknown does nothing: decoding never keeps unknown fields.
func (m *Entry) XXX_DiscardUnknown()            {}
func (m *SnapshotMetadata) XXX_DiscardUnknown() {}
func (m *Snapshot) XXX_DiscardUnknown()         {}
func (m *Message) XXX_DiscardUnknown()          {}
func (m *HardState) XXX_DiscardUnknown()        {}
func (m *ConfState) XXX_DiscardUnknown()        {}
func (m *ConfChange) XXX_DiscardUnknown()       {}
func (m *ConfChangeSingle) XXX_DiscardUnknown() {}
func (m *ConfChangeV2) XXX_DiscardUnknown()     {}

// XXX_Merge merges src into m when src is an *Entry, and otherwise does
// nothing. See mergeByCodec for the semantics.
func (m *Entry) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *SnapshotMetadata.
func (m *SnapshotMetadata) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *Snapshot.
func (m *Snapshot) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *Message.
func (m *Message) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *HardState.
func (m *HardState) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *ConfState.
func (m *ConfState) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *ConfChange.
func (m *ConfChange) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *ConfChangeSingle.
func (m *ConfChangeSingle) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// XXX_Merge merges src into m when src is a *ConfChangeV2.
func (m *ConfChangeV2) XXX_Merge(src protoiface.MessageV1) { mergeByCodec(m, src) }

// codecMessage is what every message type's codec provides.
type codecMessage interface {
	Size() int
	MarshalTo(b []byte) (int, error)
	Marshal() ([]byte, error)
	Unmarshal(b []byte) error
}

func appendMarshal(b []byte, m codecMessage) ([]byte, error) {
	start, n := len(b), m.Size()
	b = slices.Grow(b, n)[:start+n]
	if _, err := m.MarshalTo(b[start:]); err != nil {
		return nil, err
	}
	return b, nil
}

// mergeByCodec merges src into dst the way v3.6 does: the protobuf runtime
// marshals src and unmarshals the bytes into dst. So every field src's
// encoding carries replaces dst's, zero scalars included (every
// non-nullable field is written); repeated fields append; a nil bytes
// field or message pointer in src leaves dst's alone; embedded messages
// merge field by field. A src of another type, or a nil src, is ignored.
func mergeByCodec[M interface {
	*T
	codecMessage
}, T any](dst M, src protoiface.MessageV1) {
	s, ok := src.(M)
	if !ok || s == nil {
		return
	}
	// The encoding of a valid value always decodes, so neither call fails
	// except past the codec's nesting limit for Message.Responses, where
	// dst keeps what was merged before the limit.
	data, err := s.Marshal()
	if err != nil {
		return
	}
	_ = dst.Unmarshal(data)
}
