package raft

import (
	"sync/atomic"

	pb "github.com/tickraft/raft/raftpb"
)

// countingStorage counts the calls raft makes to each Storage method of a
// MemoryStorage, for tests that check how often raft reads its storage.
// The counters live here rather than in MemoryStorage so that an idle
// group's storage does not carry them.
type countingStorage struct {
	*MemoryStorage
	initialState, entries, term, lastIndex, firstIndex, snapshot atomic.Uint32
}

// storageCallCounts is a snapshot of a countingStorage's counters.
type storageCallCounts struct {
	initialState, entries, term, lastIndex, firstIndex, snapshot uint32
}

func (s *countingStorage) callCounts() storageCallCounts {
	return storageCallCounts{initialState: s.initialState.Load(), entries: s.entries.Load(), term: s.term.Load(),
		lastIndex: s.lastIndex.Load(), firstIndex: s.firstIndex.Load(), snapshot: s.snapshot.Load()}
}

func (s *countingStorage) InitialState() (pb.HardState, pb.ConfState, error) {
	s.initialState.Add(1)
	return s.MemoryStorage.InitialState()
}

func (s *countingStorage) Entries(lo, hi, maxSize uint64) ([]pb.Entry, error) {
	s.entries.Add(1)
	return s.MemoryStorage.Entries(lo, hi, maxSize)
}

func (s *countingStorage) Term(i uint64) (uint64, error) {
	s.term.Add(1)
	return s.MemoryStorage.Term(i)
}

func (s *countingStorage) LastIndex() (uint64, error) {
	s.lastIndex.Add(1)
	return s.MemoryStorage.LastIndex()
}

func (s *countingStorage) FirstIndex() (uint64, error) {
	s.firstIndex.Add(1)
	return s.MemoryStorage.FirstIndex()
}

func (s *countingStorage) Snapshot() (pb.Snapshot, error) {
	s.snapshot.Add(1)
	return s.MemoryStorage.Snapshot()
}
