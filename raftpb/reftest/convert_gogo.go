package reftest

import (
	"github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/raftpb/reftest/gogoref"
)

// The gogo reference types have the same shapes as tickraft's, so these
// converters copy field by field. Slices are converted element-wise and nil
// stays nil, so nil-versus-empty survives a round trip; byte slices are
// shared, not copied, since neither side mutates them.

// EntryToGogo converts a tickraft Entry to the gogo reference type.
func EntryToGogo(e raftpb.Entry) gogoref.Entry {
	return gogoref.Entry{Term: e.Term, Index: e.Index, Type: gogoref.EntryType(e.Type), Data: e.Data}
}

// EntryFromGogo converts a gogo reference Entry to tickraft's.
func EntryFromGogo(e gogoref.Entry) raftpb.Entry {
	return raftpb.Entry{Term: e.Term, Index: e.Index, Type: raftpb.EntryType(e.Type), Data: e.Data}
}

// ConfStateToGogo converts a tickraft ConfState to the gogo reference type.
func ConfStateToGogo(c raftpb.ConfState) gogoref.ConfState {
	return gogoref.ConfState{
		Voters:         c.Voters,
		Learners:       c.Learners,
		VotersOutgoing: c.VotersOutgoing,
		LearnersNext:   c.LearnersNext,
		AutoLeave:      c.AutoLeave,
	}
}

// ConfStateFromGogo converts a gogo reference ConfState to tickraft's.
func ConfStateFromGogo(c gogoref.ConfState) raftpb.ConfState {
	return raftpb.ConfState{
		Voters:         c.Voters,
		Learners:       c.Learners,
		VotersOutgoing: c.VotersOutgoing,
		LearnersNext:   c.LearnersNext,
		AutoLeave:      c.AutoLeave,
	}
}

// SnapshotMetadataToGogo converts tickraft SnapshotMetadata to the gogo reference type.
func SnapshotMetadataToGogo(m raftpb.SnapshotMetadata) gogoref.SnapshotMetadata {
	return gogoref.SnapshotMetadata{ConfState: ConfStateToGogo(m.ConfState), Index: m.Index, Term: m.Term}
}

// SnapshotMetadataFromGogo converts gogo reference SnapshotMetadata to tickraft's.
func SnapshotMetadataFromGogo(m gogoref.SnapshotMetadata) raftpb.SnapshotMetadata {
	return raftpb.SnapshotMetadata{ConfState: ConfStateFromGogo(m.ConfState), Index: m.Index, Term: m.Term}
}

// SnapshotToGogo converts a tickraft Snapshot to the gogo reference type.
func SnapshotToGogo(s raftpb.Snapshot) gogoref.Snapshot {
	return gogoref.Snapshot{Data: s.Data, Metadata: SnapshotMetadataToGogo(s.Metadata)}
}

// SnapshotFromGogo converts a gogo reference Snapshot to tickraft's.
func SnapshotFromGogo(s gogoref.Snapshot) raftpb.Snapshot {
	return raftpb.Snapshot{Data: s.Data, Metadata: SnapshotMetadataFromGogo(s.Metadata)}
}

// MessageToGogo converts a tickraft Message, nested entries, snapshot and
// responses included, to the gogo reference type.
func MessageToGogo(m raftpb.Message) gogoref.Message {
	out := gogoref.Message{
		Type:       gogoref.MessageType(m.Type),
		To:         m.To,
		From:       m.From,
		Term:       m.Term,
		LogTerm:    m.LogTerm,
		Index:      m.Index,
		Entries:    convertSlice(m.Entries, EntryToGogo),
		Commit:     m.Commit,
		Vote:       m.Vote,
		Reject:     m.Reject,
		RejectHint: m.RejectHint,
		Context:    m.Context,
		Responses:  convertSlice(m.Responses, MessageToGogo),
	}
	if m.Snapshot != nil {
		s := SnapshotToGogo(*m.Snapshot)
		out.Snapshot = &s
	}
	return out
}

// MessageFromGogo converts a gogo reference Message to tickraft's.
func MessageFromGogo(m gogoref.Message) raftpb.Message {
	out := raftpb.Message{
		Type:       raftpb.MessageType(m.Type),
		To:         m.To,
		From:       m.From,
		Term:       m.Term,
		LogTerm:    m.LogTerm,
		Index:      m.Index,
		Entries:    convertSlice(m.Entries, EntryFromGogo),
		Commit:     m.Commit,
		Vote:       m.Vote,
		Reject:     m.Reject,
		RejectHint: m.RejectHint,
		Context:    m.Context,
		Responses:  convertSlice(m.Responses, MessageFromGogo),
	}
	if m.Snapshot != nil {
		s := SnapshotFromGogo(*m.Snapshot)
		out.Snapshot = &s
	}
	return out
}

// HardStateToGogo converts a tickraft HardState to the gogo reference type.
func HardStateToGogo(h raftpb.HardState) gogoref.HardState {
	return gogoref.HardState{Term: h.Term, Vote: h.Vote, Commit: h.Commit}
}

// HardStateFromGogo converts a gogo reference HardState to tickraft's.
func HardStateFromGogo(h gogoref.HardState) raftpb.HardState {
	return raftpb.HardState{Term: h.Term, Vote: h.Vote, Commit: h.Commit}
}

// ConfChangeToGogo converts a tickraft ConfChange to the gogo reference type.
func ConfChangeToGogo(c raftpb.ConfChange) gogoref.ConfChange {
	return gogoref.ConfChange{Type: gogoref.ConfChangeType(c.Type), NodeID: c.NodeID, Context: c.Context, ID: c.ID}
}

// ConfChangeFromGogo converts a gogo reference ConfChange to tickraft's.
func ConfChangeFromGogo(c gogoref.ConfChange) raftpb.ConfChange {
	return raftpb.ConfChange{Type: raftpb.ConfChangeType(c.Type), NodeID: c.NodeID, Context: c.Context, ID: c.ID}
}

// ConfChangeSingleToGogo converts a tickraft ConfChangeSingle to the gogo reference type.
func ConfChangeSingleToGogo(c raftpb.ConfChangeSingle) gogoref.ConfChangeSingle {
	return gogoref.ConfChangeSingle{Type: gogoref.ConfChangeType(c.Type), NodeID: c.NodeID}
}

// ConfChangeSingleFromGogo converts a gogo reference ConfChangeSingle to tickraft's.
func ConfChangeSingleFromGogo(c gogoref.ConfChangeSingle) raftpb.ConfChangeSingle {
	return raftpb.ConfChangeSingle{Type: raftpb.ConfChangeType(c.Type), NodeID: c.NodeID}
}

// ConfChangeV2ToGogo converts a tickraft ConfChangeV2 to the gogo reference type.
func ConfChangeV2ToGogo(c raftpb.ConfChangeV2) gogoref.ConfChangeV2 {
	return gogoref.ConfChangeV2{
		Transition: gogoref.ConfChangeTransition(c.Transition),
		Changes:    convertSlice(c.Changes, ConfChangeSingleToGogo),
		Context:    c.Context,
	}
}

// ConfChangeV2FromGogo converts a gogo reference ConfChangeV2 to tickraft's.
func ConfChangeV2FromGogo(c gogoref.ConfChangeV2) raftpb.ConfChangeV2 {
	return raftpb.ConfChangeV2{
		Transition: raftpb.ConfChangeTransition(c.Transition),
		Changes:    convertSlice(c.Changes, ConfChangeSingleFromGogo),
		Context:    c.Context,
	}
}

// convertSlice maps f over in, keeping nil as nil and empty as empty.
func convertSlice[In, Out any](in []In, f func(In) Out) []Out {
	if in == nil {
		return nil
	}
	out := make([]Out, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
