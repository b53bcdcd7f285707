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
// An array that Entries has never returned a slice of is reused in place
// (see Compact), so an application that never reads entries back compacts
// without allocating.
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
	snap      storedSnapshot

	// prevIndex and prevTerm identify the entry just before the log: the
	// last entry of the snapshot, or the last compacted one.
	prevIndex, prevTerm uint64
	// buf holds dead compacted slots, then the log: buf[dead()+i] has
	// index prevIndex+1+i. Compact only advances dead() until the dead
	// slots outnumber the live ones, then moves the log to the array's
	// front (or to a new array, if the old one may be shared).
	buf []pb.Entry
	// front is dead() with, in its top bit, shared(): one word instead of
	// two keeps MemoryStorage in a smaller allocation class.
	front uint64
}

// frontShared is the bit of MemoryStorage.front that shared() reports.
const frontShared = 1 << 63

// dead returns the number of compacted slots at the front of buf.
func (ms *MemoryStorage) dead() int { return int(ms.front &^ frontShared) }

// shared reports whether Entries has returned a slice of buf's array: its
// slots must then never be written again, and the next move of the log
// goes to a new array.
func (ms *MemoryStorage) shared() bool { return ms.front&frontShared != 0 }

// storedSnapshot is a pb.Snapshot in 64 bytes instead of 144: the
// ConfState's four id lists share one array. A storage holds a snapshot
// from its start (often only a ConfState at a low index) and hands it out
// rarely (InitialState, Snapshot), so it is rebuilt on those calls, its
// lists capped views of the stored array.
type storedSnapshot struct {
	index, term uint64
	data        []byte
	conf        compactConf
}

// storeSnapshot returns the compact copy of the metadata index, term and
// cs, with data.
func storeSnapshot(index, term uint64, cs *pb.ConfState, data []byte) storedSnapshot {
	return storedSnapshot{index: index, term: term, data: slices.Clip(data), conf: compactConfState(cs)}
}

func (s *storedSnapshot) confState() pb.ConfState { return s.conf.confState() }

func (s *storedSnapshot) snapshot() pb.Snapshot {
	return pb.Snapshot{Data: s.data, Metadata: pb.SnapshotMetadata{ConfState: s.confState(), Index: s.index, Term: s.term}}
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
	return ms.hardState, ms.snap.confState(), nil
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
	if lo <= ms.prevIndex {
		return nil, ErrCompacted
	}
	if hi > ms.lastIndex()+1 {
		return nil, ErrUnavailable
	}
	if lo > hi {
		return nil, fmt.Errorf("raft: MemoryStorage.Entries: invalid range [%d, %d): lo is greater than hi", lo, hi)
	}
	ents := limitSize(ms.log()[lo-ms.prevIndex-1:hi-ms.prevIndex-1], entryEncodingSize(maxSize))
	// The full slice expression makes a caller's append reallocate instead
	// of writing over the entries that follow in ms.buf.
	if len(ents) > 0 {
		ms.front |= frontShared
	}
	return ents[:len(ents):len(ents)], nil
}

// Term implements Storage.
func (ms *MemoryStorage) Term(i uint64) (uint64, error) {
	ms.Lock()
	defer ms.Unlock()
	switch {
	case i < ms.prevIndex:
		return 0, ErrCompacted
	case i == ms.prevIndex:
		return ms.prevTerm, nil
	case i > ms.lastIndex():
		return 0, ErrUnavailable
	}
	return ms.buf[ms.dead()+int(i-ms.prevIndex-1)].Term, nil
}

// LastIndex implements Storage.
func (ms *MemoryStorage) LastIndex() (uint64, error) {
	ms.Lock()
	defer ms.Unlock()
	return ms.lastIndex(), nil
}

func (ms *MemoryStorage) lastIndex() uint64 {
	return ms.prevIndex + uint64(len(ms.buf)-ms.dead())
}

// log returns the live entries, after the compaction point.
func (ms *MemoryStorage) log() []pb.Entry {
	return ms.buf[ms.dead():]
}

// FirstIndex implements Storage.
func (ms *MemoryStorage) FirstIndex() (uint64, error) {
	ms.Lock()
	defer ms.Unlock()
	return ms.prevIndex + 1, nil
}

// Snapshot implements Storage. It returns the snapshot last recorded by
// ApplySnapshot or CreateSnapshot.
func (ms *MemoryStorage) Snapshot() (pb.Snapshot, error) {
	ms.Lock()
	defer ms.Unlock()
	return ms.snap.snapshot(), nil
}

// ApplySnapshot replaces the whole contents of the storage with snap: the
// log becomes empty, positioned just after the snapshot. It returns
// ErrSnapOutOfDate, and changes nothing, unless snap is newer (has a
// greater index) than the snapshot already held. The HardState is kept.
func (ms *MemoryStorage) ApplySnapshot(snap pb.Snapshot) error {
	ms.Lock()
	defer ms.Unlock()
	if snap.Metadata.Index <= ms.snap.index {
		return ErrSnapOutOfDate
	}
	ms.snap = storeSnapshot(snap.Metadata.Index, snap.Metadata.Term, &snap.Metadata.ConfState, snap.Data)
	ms.prevIndex, ms.prevTerm = snap.Metadata.Index, snap.Metadata.Term
	ms.buf, ms.front = nil, 0
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
	if i <= ms.snap.index {
		return pb.Snapshot{}, ErrSnapOutOfDate
	}
	if i < ms.prevIndex {
		return pb.Snapshot{}, ErrCompacted
	}
	if i > ms.lastIndex() {
		panic(fmt.Sprintf("raft: MemoryStorage.CreateSnapshot: index %d is past the last index %d; a snapshot may only cover entries in the log", i, ms.lastIndex()))
	}
	if cs == nil {
		prev := ms.snap.confState()
		cs = &prev
	}
	ms.snap = storeSnapshot(i, ms.termAt(i), cs, data)
	return ms.snap.snapshot(), nil
}

// termAt returns the term of i, which must be in [prevIndex, lastIndex()].
func (ms *MemoryStorage) termAt(i uint64) uint64 {
	if i == ms.prevIndex {
		return ms.prevTerm
	}
	return ms.buf[ms.dead()+int(i-ms.prevIndex-1)].Term
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
	if !ms.shared() {
		// Nobody else sees these slots: drop the payloads now.
		clear(ms.buf[ms.dead() : ms.dead()+dropped])
	}
	ms.front += uint64(dropped)
	if dead := ms.dead(); dead > len(ms.buf)-dead {
		ms.moveLog()
	}
	return nil
}

// moveLog moves the live entries to the front of an array, leaving no dead
// slots. It runs once the dead slots outnumber the live ones, so its cost
// is less than the entries compacted since the last move: amortized O(1)
// per compacted entry.
//
// An unshared array that the log filled to at least a quarter since the
// last move is reused: the live entries move to its front, over slots
// Compact has already cleared. Otherwise the log moves to a new array with
// half the old one's room: a log compacted at a steady length refills it
// without growing step by step from empty, and one that stays short gives
// the room back over a few compactions.
func (ms *MemoryStorage) moveLog() {
	live := ms.log()
	n := len(live)
	if !ms.shared() && 4*len(ms.buf) >= cap(ms.buf) {
		copy(ms.buf, live) // dead > n: the two ranges do not overlap
		clear(ms.buf[ms.dead():])
		ms.buf, ms.front = ms.buf[:n], 0
		return
	}
	ms.buf = append(make([]pb.Entry, 0, max(2*n, cap(ms.buf)/2)), live...)
	ms.front = 0
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
		ms.buf = append(ms.log()[:keep:keep], entries...)
		ms.front = 0
	default:
		panic(fmt.Sprintf("raft: MemoryStorage.Append: first entry index %d leaves a gap after the last index %d; entries must be appended contiguously", start, last))
	}
	return nil
}

// appendAtEnd appends after the last entry, writing only past the end of
// ms.buf, into slots no returned slice covers. Out of room, the live
// entries move to a new, larger array without the dead slots.
func (ms *MemoryStorage) appendAtEnd(entries []pb.Entry) {
	if len(ms.buf)+len(entries) <= cap(ms.buf) {
		ms.buf = append(ms.buf, entries...)
		return
	}
	live := ms.log()
	ms.buf = append(live[:len(live):len(live)], entries...)
	ms.front = 0
}

// checkConsecutive panics unless the entries' indexes increase by one.
func checkConsecutive(entries []pb.Entry) {
	for i := 1; i < len(entries); i++ {
		if entries[i].Index != entries[i-1].Index+1 {
			panic(fmt.Sprintf("raft: MemoryStorage.Append: entry index %d follows index %d; appended entries must have consecutive indexes", entries[i].Index, entries[i-1].Index))
		}
	}
}
