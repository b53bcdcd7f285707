package server

import (
	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// Bounds on one merged write: the append and apply goroutines take every
// message already queued behind the one they are handling, up to these,
// and pay for them with one fdatasync (WAL) or one bbolt commit (kv).
const (
	maxStorageBatch      = 256     // messages
	maxStorageBatchBytes = 4 << 20 // entry data bytes
)

// appendBatch is consecutive MsgStorageAppends merged into one wal.Save.
// Merging follows raft's append rule: entries at index i replace every
// earlier entry at i and after, so
//
//	msg 1: 5 6 7
//	msg 2:     6' 7' 8'    (a new leader overwrote 6 and 7)
//	batch: 5 6' 7' 8'
//
// The last non-empty hard state wins. A message carrying a snapshot is
// saved alone, so that the snapshot is installed before any later entry
// and after every earlier one.
type appendBatch struct {
	hs        raftpb.HardState
	ents      []raftpb.Entry
	owned     bool // ents is the batch's own array, not a message's
	snap      *raftpb.SnapshotMetadata
	responses []raftpb.Message // every message's, in order
	msgs      int
	bytes     int
}

// add merges m into the batch. It reports false, leaving the batch
// unchanged, when m must start the next batch instead: it carries a
// snapshot or follows one, its entries would leave a gap after the
// batch's, or the batch is full. An empty batch takes any message.
func (b *appendBatch) add(m *raftpb.Message) bool {
	snap := m.Snapshot != nil && !raft.IsEmptySnap(*m.Snapshot)
	if b.msgs > 0 && (snap || b.snap != nil || b.full() || b.gap(m.Entries)) {
		return false
	}
	if snap {
		b.snap = &m.Snapshot.Metadata
	}
	if hs := (raftpb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}); !raft.IsEmptyHardState(hs) {
		b.hs = hs
	}
	b.addEntries(m.Entries)
	b.responses = append(b.responses, m.Responses...)
	b.msgs++
	for i := range m.Entries {
		b.bytes += len(m.Entries[i].Data)
	}
	return true
}

func (b *appendBatch) full() bool {
	return b.msgs >= maxStorageBatch || b.bytes >= maxStorageBatchBytes
}

// gap reports whether ents would start past the batch's last entry + 1.
func (b *appendBatch) gap(ents []raftpb.Entry) bool {
	if len(b.ents) == 0 || len(ents) == 0 {
		return false
	}
	return ents[0].Index > b.ents[len(b.ents)-1].Index+1
}

// addEntries applies the append rule. A message's slice is used as is
// until a second one must be merged; then the batch copies into its own
// array, so raft's arrays are never written.
func (b *appendBatch) addEntries(ents []raftpb.Entry) {
	if len(ents) == 0 {
		return
	}
	if len(b.ents) == 0 || ents[0].Index <= b.ents[0].Index {
		b.ents, b.owned = ents[:len(ents):len(ents)], false
		return
	}
	keep := int(ents[0].Index - b.ents[0].Index)
	if !b.owned {
		own := make([]raftpb.Entry, keep, keep+len(ents))
		copy(own, b.ents[:keep])
		b.ents, b.owned = own, true
	}
	b.ents = append(b.ents[:keep], ents...)
}

// applyBatch is consecutive MsgStorageApplys applied in one kv.Apply.
// Committed entries never overlap, so they are simply concatenated; the
// messages are kept to acknowledge each in order.
type applyBatch struct {
	ents  []raftpb.Entry
	msgs  []raftpb.Message
	bytes int
}

func (b *applyBatch) full() bool {
	return len(b.msgs) >= maxStorageBatch || b.bytes >= maxStorageBatchBytes
}

// add appends m; a message whose entries do not follow the batch's is
// left for the next batch (and kv's own check), as is one past the bounds.
func (b *applyBatch) add(m raftpb.Message) bool {
	if len(b.msgs) > 0 && (b.full() || (len(b.ents) > 0 && len(m.Entries) > 0 &&
		m.Entries[0].Index != b.ents[len(b.ents)-1].Index+1)) {
		return false
	}
	b.ents = append(b.ents, m.Entries...)
	b.msgs = append(b.msgs, m)
	for i := range m.Entries {
		b.bytes += len(m.Entries[i].Data)
	}
	return true
}
