package raft

import (
	"fmt"
	"slices"
	"sync"

	pb "github.com/tickraft/raft/raftpb"
)

// MemoryStorage is a Storage kept in memory. The application writes to it
// (SetHardState, Append, ApplySnapshot, CreateSnapshot, Compact) as the
// Ready contract describes, and raft reads it through the Storage methods.
//
// It is safe for concurrent use. Every method takes the embedded mutex,
// which is exported only because v3.6 embeds it too: calling a method while
// holding it deadlocks.
//
// It never hands out a slice that a later call can write into: the slices
// returned by Entries are capped (appending to them reallocates), and
// Append and Compact never write into an array a returned slice may share.
// Entries themselves are shared, not copied: neither the application nor
// raft may modify an entry, or a snapshot's bytes, once handed over.
//
// Misuse that v3.6 also treats as a broken local contract panics, with a
// message naming the rule: appending with a gap after the last index,
// appending entries whose indexes are not consecutive, compacting or
// snapshotting past the last index. Those calls would otherwise lose or
// misplace acknowledged entries, and v3.6-era code commonly ignores the
// error results of these methods.
type MemoryStorage struct {
	sync.Mutex

	hardState pb.HardState
	snapshot  pb.Snapshot

	// prevIndex and prevTerm identify the entry just before ents: the last
	// entry of the snapshot, or the last compacted one. ents[i] has index
	// prevIndex+1+i.
	prevIndex, prevTerm uint64
	ents                []pb.Entry
	// deadPrefix counts the compacted entries that still sit in front of
	// ents in its backing array. Compact drops entries by reslicing (a
	// returned slice may share the array, so it cannot be written) and
	// copies the live entries out once the dead ones outnumber them.
	deadPrefix int

	calls storageCallCounts
}

// storageCallCounts counts the calls raft makes to each Storage method, for
// benchmarks and tests that check how often raft reads its storage. They
// are 32-bit so that a MemoryStorage fits the 256-byte allocation class;
// differences of counts stay right across a wrap.
type storageCallCounts struct {
	initialState, entries, term, lastIndex, firstIndex, snapshot uint32
}

// NewMemoryStorage returns an empty MemoryStorage: no entries, an empty
// snapshot at index 0 and term 0, and a zero HardState.
func NewMemoryStorage() *MemoryStorage {
	return &MemoryStorage{}
}

// InitialState implements Storage. The ConfState is the latest snapshot's.
func (ms *MemoryStorage) InitialState() (pb.HardState, pb.ConfState, error) {
	ms.Lock()
	defer ms.Unlock()
	ms.calls.initialState++
	return ms.hardState, ms.snapshot.Metadata.ConfState, nil
}

// SetHardState records the HardState that InitialState returns.
func (ms *MemoryStorage) SetHardState(st pb.HardState) error {
	ms.Lock()
	defer ms.Unlock()
	ms.hardState = st
	return nil
}

// Entries implements Storage. Limiting by maxSize returns a prefix of the
// stored entries; it allocates nothing.
func (ms *MemoryStorage) Entries(lo, hi, maxSize uint64) ([]pb.Entry, error) {
	ms.Lock()
	defer ms.Unlock()
	ms.calls.entries++
	if lo <= ms.prevIndex {
		return nil, ErrCompacted
	}
	if hi > ms.lastIndex()+1 {
		return nil, ErrUnavailable
	}
	if lo > hi {
		return nil, fmt.Errorf("raft: MemoryStorage.Entries: invalid range [%d, %d): lo is greater than hi", lo, hi)
	}
	ents := limitSize(ms.ents[lo-ms.prevIndex-1:hi-ms.prevIndex-1], entryEncodingSize(maxSize))
	// The full slice expression makes a caller's append reallocate instead
	// of writing over the entries that follow in ms.ents.
	return ents[:len(ents):len(ents)], nil
}

// Term implements Storage.
func (ms *MemoryStorage) Term(i uint64) (uint64, error) {
	ms.Lock()
	defer ms.Unlock()
	ms.calls.term++
	switch {
	case i < ms.prevIndex:
		return 0, ErrCompacted
	case i == ms.prevIndex:
		return ms.prevTerm, nil
	case i > ms.lastIndex():
		return 0, ErrUnavailable
	}
	return ms.ents[i-ms.prevIndex-1].Term, nil
}

// LastIndex implements Storage.
func (ms *MemoryStorage) LastIndex() (uint64, error) {
	ms.Lock()
	defer ms.Unlock()
	ms.calls.lastIndex++
	return ms.lastIndex(), nil
}

func (ms *MemoryStorage) lastIndex() uint64 {
	return ms.prevIndex + uint64(len(ms.ents))
}

// FirstIndex implements Storage.
func (ms *MemoryStorage) FirstIndex() (uint64, error) {
	ms.Lock()
	defer ms.Unlock()
	ms.calls.firstIndex++
	return ms.prevIndex + 1, nil
}

// Snapshot implements Storage. It returns the snapshot last recorded by
// ApplySnapshot or CreateSnapshot.
func (ms *MemoryStorage) Snapshot() (pb.Snapshot, error) {
	ms.Lock()
	defer ms.Unlock()
	ms.calls.snapshot++
	return ms.snapshot, nil
}

// callCounts returns how many times each Storage method has been called.
func (ms *MemoryStorage) callCounts() storageCallCounts {
	ms.Lock()
	defer ms.Unlock()
	return ms.calls
}

// ApplySnapshot replaces the whole contents of the storage with snap: the
// log becomes empty, positioned just after the snapshot. It returns
// ErrSnapOutOfDate, and changes nothing, unless snap is newer (has a
// greater index) than the snapshot already held. The HardState is kept.
func (ms *MemoryStorage) ApplySnapshot(snap pb.Snapshot) error {
	ms.Lock()
	defer ms.Unlock()
	if snap.Metadata.Index <= ms.snapshot.Metadata.Index {
		return ErrSnapOutOfDate
	}
	snap.Metadata.ConfState = cloneConfState(snap.Metadata.ConfState)
	snap.Data = slices.Clip(snap.Data)
	ms.snapshot = snap
	ms.prevIndex, ms.prevTerm = snap.Metadata.Index, snap.Metadata.Term
	ms.ents, ms.deadPrefix = nil, 0
	return nil
}

// CreateSnapshot records a snapshot of the application state at index i,
// which Snapshot then returns, and returns it. cs is the configuration in
// force at i (the result of the last ApplyConfChange at or before i); nil
// keeps the previous snapshot's. The log is not compacted: call Compact.
//
// It returns ErrSnapOutOfDate if i is not after the current snapshot's
// index, and ErrCompacted if the term of i is no longer known (i was
// compacted away). i past the last index panics.
func (ms *MemoryStorage) CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (pb.Snapshot, error) {
	ms.Lock()
	defer ms.Unlock()
	if i <= ms.snapshot.Metadata.Index {
		return pb.Snapshot{}, ErrSnapOutOfDate
	}
	if i < ms.prevIndex {
		return pb.Snapshot{}, ErrCompacted
	}
	if i > ms.lastIndex() {
		panic(fmt.Sprintf("raft: MemoryStorage.CreateSnapshot: index %d is past the last index %d; a snapshot may only cover entries in the log", i, ms.lastIndex()))
	}
	ms.snapshot.Metadata.Index = i
	ms.snapshot.Metadata.Term = ms.termAt(i)
	if cs != nil {
		ms.snapshot.Metadata.ConfState = cloneConfState(*cs)
	}
	ms.snapshot.Data = slices.Clip(data)
	return ms.snapshot, nil
}

// termAt returns the term of i, which must be in [prevIndex, lastIndex()].
func (ms *MemoryStorage) termAt(i uint64) uint64 {
	if i == ms.prevIndex {
		return ms.prevTerm
	}
	return ms.ents[i-ms.prevIndex-1].Term
}

// Compact discards the entries up to and including compactIndex; its term
// is kept, so Term(compactIndex) still answers. The application must not
// compact past the index it has applied (and snapshotted). It returns
// ErrCompacted if compactIndex is already compacted; compactIndex past the
// last index panics.
func (ms *MemoryStorage) Compact(compactIndex uint64) error {
	ms.Lock()
	defer ms.Unlock()
	if compactIndex <= ms.prevIndex {
		return ErrCompacted
	}
	if compactIndex > ms.lastIndex() {
		panic(fmt.Sprintf("raft: MemoryStorage.Compact: index %d is past the last index %d; only entries in the log can be compacted", compactIndex, ms.lastIndex()))
	}
	dropped := int(compactIndex - ms.prevIndex)
	ms.prevTerm = ms.termAt(compactIndex)
	ms.prevIndex = compactIndex
	ms.ents = ms.ents[dropped:]
	ms.deadPrefix += dropped
	if ms.deadPrefix > len(ms.ents) {
		// Copy the live entries out so the dead ones can be freed. The cost
		// is less than the entries dropped since the last copy: amortized
		// O(1) per compacted entry. The new array keeps half the old one's
		// room: a log compacted at a steady length refills it without
		// growing step by step from empty, and one that stays short gives
		// the room back over a few compactions.
		room := max(2*len(ms.ents), (ms.deadPrefix+cap(ms.ents))/2)
		ms.ents = append(make([]pb.Entry, 0, room), ms.ents...)
		ms.deadPrefix = 0
	}
	return nil
}

// Append writes entries to the log. entries must have consecutive indexes.
// Entries at or before the compaction point are ignored; the first entry
// that is kept replaces the stored entry at its index and everything after
// it (the Ready contract: writing index i discards stored entries >= i).
// The first kept entry may be at most LastIndex()+1: a gap panics, as do
// non-consecutive indexes.
//
// Append copies the entries (the Entry values, not their Data) into its own
// array; the caller may reuse the entries slice afterwards.
func (ms *MemoryStorage) Append(entries []pb.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	checkConsecutive(entries)

	ms.Lock()
	defer ms.Unlock()
	first := ms.prevIndex + 1
	if entries[len(entries)-1].Index < first {
		return nil // all compacted already
	}
	if entries[0].Index < first {
		entries = entries[first-entries[0].Index:]
	}
	start := entries[0].Index
	switch last := ms.lastIndex(); {
	case start == last+1:
		ms.appendAtEnd(entries)
	case start <= last:
		// Truncate the suffix from start on. Copy into a new array: the
		// suffix's slots may be shared with slices returned by Entries, so
		// they must not be overwritten.
		keep := int(start - first)
		ms.ents = append(ms.ents[:keep:keep], entries...)
		ms.deadPrefix = 0
	default:
		panic(fmt.Sprintf("raft: MemoryStorage.Append: first entry index %d leaves a gap after the last index %d; entries must be appended contiguously", start, last))
	}
	return nil
}

// appendAtEnd appends after the last entry. append writes only past the end
// of ms.ents, into slots no returned slice covers.
func (ms *MemoryStorage) appendAtEnd(entries []pb.Entry) {
	oldCap := cap(ms.ents)
	ms.ents = append(ms.ents, entries...)
	if cap(ms.ents) != oldCap {
		ms.deadPrefix = 0 // append moved the live entries to a new array
	}
}

// checkConsecutive panics unless the entries' indexes increase by one.
func checkConsecutive(entries []pb.Entry) {
	for i := 1; i < len(entries); i++ {
		if entries[i].Index != entries[i-1].Index+1 {
			panic(fmt.Sprintf("raft: MemoryStorage.Append: entry index %d follows index %d; appended entries must have consecutive indexes", entries[i].Index, entries[i-1].Index))
		}
	}
}

// cloneConfState copies cs's id lists into exactly sized slices, so that
// neither the caller's later changes nor appends by whoever receives the
// stored ConfState can alter what the storage holds.
func cloneConfState(cs pb.ConfState) pb.ConfState {
	cs.Voters = slices.Clip(slices.Clone(cs.Voters))
	cs.Learners = slices.Clip(slices.Clone(cs.Learners))
	cs.VotersOutgoing = slices.Clip(slices.Clone(cs.VotersOutgoing))
	cs.LearnersNext = slices.Clip(slices.Clone(cs.LearnersNext))
	return cs
}
