package raft

import (
	pb "github.com/tickraft/raft/raftpb"
)

// The durability protocol. Every storage write is described by a
// MsgStorageAppend whose self-acknowledgement, a MsgStorageAppendResp,
// carries the log mark of the write's end (Index is the last index written
// and LogTerm the leader term under which the log was written, not the
// term of the entry at Index) and the snapshot the write installed, if
// any. Entries acknowledged under an older leader term are ignored; a
// snapshot's acknowledgement is honoured under any term (see unstable).
// The leader counts its own copy of the log toward commit only from these
// acknowledgements.
//
// RawNode presents the protocol in two ways: with AsyncStorageWrites the
// messages go to the application's storage threads; otherwise Ready carries
// the same work and Advance steps the same acknowledgements.

// storageAppendAck returns the acknowledgement of a write that ends the log
// at mark and, if snap is not nil, installs snap.
func (r *raft) storageAppendAck(mark logMark, snap *pb.Snapshot) pb.Message {
	return pb.Message{Type: pb.MsgStorageAppendResp, To: r.id, From: LocalAppendThread,
		Index: mark.index, LogTerm: mark.term, Snapshot: snap}
}

// handleStorageAppendResp records a durable write. The snapshot part is
// honoured whatever the mark's term, the entries part only under the
// current accepted term (see unstable).
func (r *raft) handleStorageAppendResp(m *pb.Message) {
	mark := logMark{term: m.LogTerm, index: m.Index}
	if s := m.Snapshot; s != nil {
		id := entryID{term: s.Metadata.Term, index: s.Metadata.Index}
		if r.raftLog.stableSnapTo(id) {
			// Installing the snapshot is part of the write: it is applied.
			r.raftLog.restoreApplied(id.index)
		}
	}
	r.raftLog.stableTo(mark)
	if r.state != StateLeader || mark.term != r.term || mark.term != r.raftLog.accTerm() {
		return
	}
	pr := r.selfProgress()
	if pr == nil || !pr.MaybeUpdate(min(mark.index, r.raftLog.unstable.prev.index)) {
		return
	}
	if r.maybeCommit() {
		r.bcastAppend()
	}
}

// storageApplyAck returns the acknowledgement of applying ents.
func (r *raft) storageApplyAck(ents []pb.Entry) pb.Message {
	return pb.Message{Type: pb.MsgStorageApplyResp, To: r.id, From: LocalApplyThread, Entries: ents}
}

// handleStorageApplyResp records applied entries.
func (r *raft) handleStorageApplyResp(m *pb.Message) {
	n := len(m.Entries)
	if n == 0 {
		return
	}
	var size entryEncodingSize
	for i := range m.Entries {
		size += entrySize(&m.Entries[i])
	}
	r.appliedEntries(m.Entries[n-1].Index, size)
}

// appliedEntries records that the entries up to index, of total size size,
// are applied.
func (r *raft) appliedEntries(index uint64, size entryEncodingSize) {
	r.raftLog.appliedTo(index, size)
	r.maybeAutoLeave()
}
