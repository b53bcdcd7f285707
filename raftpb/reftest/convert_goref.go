package reftest

import (
	"github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/raftpb/reftest/goref"
)

// protoc-gen-go's proto2 types mark presence with pointers (scalars,
// messages) and nil (bytes). The To* converters model an encoder that writes
// only set fields: a scalar is set only when it is non-zero, a non-nullable
// message only when it is not the zero value, a nullable message
// (Message.Snapshot) when its pointer is non-nil, and bytes when they are
// non-nil (so empty non-nil bytes are written as a present, empty field).
// The From* converters read an unset field as the zero value.

// EntryToGoref converts a tickraft Entry to the protoc-gen-go reference type.
func EntryToGoref(e raftpb.Entry) *goref.Entry {
	return &goref.Entry{
		Term:  optional(e.Term),
		Index: optional(e.Index),
		Type:  optional(goref.EntryType(e.Type)),
		Data:  e.Data,
	}
}

// EntryFromGoref converts a protoc-gen-go reference Entry to tickraft's.
func EntryFromGoref(e *goref.Entry) raftpb.Entry {
	return raftpb.Entry{
		Term:  e.GetTerm(),
		Index: e.GetIndex(),
		Type:  raftpb.EntryType(e.GetType()),
		Data:  e.GetData(),
	}
}

// ConfStateToGoref converts a tickraft ConfState to the protoc-gen-go reference type.
func ConfStateToGoref(c raftpb.ConfState) *goref.ConfState {
	return &goref.ConfState{
		Voters:         c.Voters,
		Learners:       c.Learners,
		VotersOutgoing: c.VotersOutgoing,
		LearnersNext:   c.LearnersNext,
		AutoLeave:      optional(c.AutoLeave),
	}
}

// ConfStateFromGoref converts a protoc-gen-go reference ConfState to tickraft's.
func ConfStateFromGoref(c *goref.ConfState) raftpb.ConfState {
	return raftpb.ConfState{
		Voters:         c.GetVoters(),
		Learners:       c.GetLearners(),
		VotersOutgoing: c.GetVotersOutgoing(),
		LearnersNext:   c.GetLearnersNext(),
		AutoLeave:      c.GetAutoLeave(),
	}
}

// SnapshotMetadataToGoref converts tickraft SnapshotMetadata to the protoc-gen-go reference type.
func SnapshotMetadataToGoref(m raftpb.SnapshotMetadata) *goref.SnapshotMetadata {
	out := &goref.SnapshotMetadata{Index: optional(m.Index), Term: optional(m.Term)}
	if !isZeroConfState(m.ConfState) {
		out.ConfState = ConfStateToGoref(m.ConfState)
	}
	return out
}

// SnapshotMetadataFromGoref converts protoc-gen-go reference SnapshotMetadata to tickraft's.
func SnapshotMetadataFromGoref(m *goref.SnapshotMetadata) raftpb.SnapshotMetadata {
	return raftpb.SnapshotMetadata{
		ConfState: ConfStateFromGoref(m.GetConfState()),
		Index:     m.GetIndex(),
		Term:      m.GetTerm(),
	}
}

// SnapshotToGoref converts a tickraft Snapshot to the protoc-gen-go reference type.
func SnapshotToGoref(s raftpb.Snapshot) *goref.Snapshot {
	out := &goref.Snapshot{Data: s.Data}
	if !isZeroSnapshotMetadata(s.Metadata) {
		out.Metadata = SnapshotMetadataToGoref(s.Metadata)
	}
	return out
}

// SnapshotFromGoref converts a protoc-gen-go reference Snapshot to tickraft's.
func SnapshotFromGoref(s *goref.Snapshot) raftpb.Snapshot {
	return raftpb.Snapshot{Data: s.GetData(), Metadata: SnapshotMetadataFromGoref(s.GetMetadata())}
}

// MessageToGoref converts a tickraft Message to the protoc-gen-go reference type.
func MessageToGoref(m raftpb.Message) *goref.Message {
	out := &goref.Message{
		Type:       optional(goref.MessageType(m.Type)),
		To:         optional(m.To),
		From:       optional(m.From),
		Term:       optional(m.Term),
		LogTerm:    optional(m.LogTerm),
		Index:      optional(m.Index),
		Entries:    convertSlice(m.Entries, EntryToGoref),
		Commit:     optional(m.Commit),
		Vote:       optional(m.Vote),
		Reject:     optional(m.Reject),
		RejectHint: optional(m.RejectHint),
		Context:    m.Context,
		Responses:  convertSlice(m.Responses, MessageToGoref),
	}
	if m.Snapshot != nil {
		out.Snapshot = SnapshotToGoref(*m.Snapshot)
	}
	return out
}

// MessageFromGoref converts a protoc-gen-go reference Message to tickraft's.
func MessageFromGoref(m *goref.Message) raftpb.Message {
	out := raftpb.Message{
		Type:       raftpb.MessageType(m.GetType()),
		To:         m.GetTo(),
		From:       m.GetFrom(),
		Term:       m.GetTerm(),
		LogTerm:    m.GetLogTerm(),
		Index:      m.GetIndex(),
		Entries:    convertSlice(m.GetEntries(), EntryFromGoref),
		Commit:     m.GetCommit(),
		Vote:       m.GetVote(),
		Reject:     m.GetReject(),
		RejectHint: m.GetRejectHint(),
		Context:    m.GetContext(),
		Responses:  convertSlice(m.GetResponses(), MessageFromGoref),
	}
	if m.Snapshot != nil {
		s := SnapshotFromGoref(m.Snapshot)
		out.Snapshot = &s
	}
	return out
}

// HardStateToGoref converts a tickraft HardState to the protoc-gen-go reference type.
func HardStateToGoref(h raftpb.HardState) *goref.HardState {
	return &goref.HardState{Term: optional(h.Term), Vote: optional(h.Vote), Commit: optional(h.Commit)}
}

// HardStateFromGoref converts a protoc-gen-go reference HardState to tickraft's.
func HardStateFromGoref(h *goref.HardState) raftpb.HardState {
	return raftpb.HardState{Term: h.GetTerm(), Vote: h.GetVote(), Commit: h.GetCommit()}
}

// ConfChangeToGoref converts a tickraft ConfChange to the protoc-gen-go reference type.
func ConfChangeToGoref(c raftpb.ConfChange) *goref.ConfChange {
	return &goref.ConfChange{
		Type:    optional(goref.ConfChangeType(c.Type)),
		NodeId:  optional(c.NodeID),
		Context: c.Context,
		Id:      optional(c.ID),
	}
}

// ConfChangeFromGoref converts a protoc-gen-go reference ConfChange to tickraft's.
func ConfChangeFromGoref(c *goref.ConfChange) raftpb.ConfChange {
	return raftpb.ConfChange{
		Type:    raftpb.ConfChangeType(c.GetType()),
		NodeID:  c.GetNodeId(),
		Context: c.GetContext(),
		ID:      c.GetId(),
	}
}

// ConfChangeSingleToGoref converts a tickraft ConfChangeSingle to the protoc-gen-go reference type.
func ConfChangeSingleToGoref(c raftpb.ConfChangeSingle) *goref.ConfChangeSingle {
	return &goref.ConfChangeSingle{Type: optional(goref.ConfChangeType(c.Type)), NodeId: optional(c.NodeID)}
}

// ConfChangeSingleFromGoref converts a protoc-gen-go reference ConfChangeSingle to tickraft's.
func ConfChangeSingleFromGoref(c *goref.ConfChangeSingle) raftpb.ConfChangeSingle {
	return raftpb.ConfChangeSingle{Type: raftpb.ConfChangeType(c.GetType()), NodeID: c.GetNodeId()}
}

// ConfChangeV2ToGoref converts a tickraft ConfChangeV2 to the protoc-gen-go reference type.
func ConfChangeV2ToGoref(c raftpb.ConfChangeV2) *goref.ConfChangeV2 {
	return &goref.ConfChangeV2{
		Transition: optional(goref.ConfChangeTransition(c.Transition)),
		Changes:    convertSlice(c.Changes, ConfChangeSingleToGoref),
		Context:    c.Context,
	}
}

// ConfChangeV2FromGoref converts a protoc-gen-go reference ConfChangeV2 to tickraft's.
func ConfChangeV2FromGoref(c *goref.ConfChangeV2) raftpb.ConfChangeV2 {
	return raftpb.ConfChangeV2{
		Transition: raftpb.ConfChangeTransition(c.GetTransition()),
		Changes:    convertSlice(c.GetChanges(), ConfChangeSingleFromGoref),
		Context:    c.GetContext(),
	}
}

// optional returns a pointer to v when v is set (non-zero), otherwise nil.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// isZeroConfState reports whether c has no member and no AutoLeave, so that
// an only-set-fields encoder would leave it out.
func isZeroConfState(c raftpb.ConfState) bool {
	return len(c.Voters) == 0 && len(c.Learners) == 0 && len(c.VotersOutgoing) == 0 &&
		len(c.LearnersNext) == 0 && !c.AutoLeave
}

func isZeroSnapshotMetadata(m raftpb.SnapshotMetadata) bool {
	return isZeroConfState(m.ConfState) && m.Index == 0 && m.Term == 0
}
