package wal

import (
	"fmt"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// LogStore serves the log part of raft.Storage from a WAL: Entries, Term,
// FirstIndex and LastIndex. Terms come from the in-memory index; entries
// from the cache of recent entries or, for older ones, from disk.
type LogStore struct{ w *WAL }

// MetaStore serves the state part of raft.Storage from a WAL: the hard
// state (term, vote, commit), and the latest snapshot marker.
type MetaStore struct{ w *WAL }

// Storage is a WAL seen as a raft.Storage.
type Storage struct {
	LogStore
	MetaStore
}

var (
	_ raft.LogStorage   = LogStore{}
	_ raft.StateStorage = MetaStore{}
	_ raft.Storage      = (*Storage)(nil)
)

// Storage returns the raft.Storage view of w.
func (w *WAL) Storage() *Storage { return &Storage{LogStore{w}, MetaStore{w}} }

// InitialState implements raft.StateStorage: the latest hard state and the
// latest snapshot marker's configuration.
func (m MetaStore) InitialState() (pb.HardState, pb.ConfState, error) {
	m.w.mu.RLock()
	defer m.w.mu.RUnlock()
	return m.w.st.hs, cloneConfState(m.w.st.snap.ConfState), nil
}

// Snapshot implements raft.StateStorage. It returns the latest snapshot
// marker's metadata with nil Data: the WAL does not hold snapshot data,
// which the state machine streams to a follower separately.
func (m MetaStore) Snapshot() (pb.Snapshot, error) {
	m.w.mu.RLock()
	defer m.w.mu.RUnlock()
	meta := m.w.st.snap
	meta.ConfState = cloneConfState(meta.ConfState)
	return pb.Snapshot{Metadata: meta}, nil
}

// FirstIndex implements raft.LogStorage.
func (l LogStore) FirstIndex() (uint64, error) {
	l.w.mu.RLock()
	defer l.w.mu.RUnlock()
	return l.w.st.prevIndex + 1, nil
}

// LastIndex implements raft.LogStorage.
func (l LogStore) LastIndex() (uint64, error) {
	l.w.mu.RLock()
	defer l.w.mu.RUnlock()
	return l.w.st.lastIndex(), nil
}

// Term implements raft.LogStorage without reading the disk.
func (l LogStore) Term(i uint64) (uint64, error) {
	l.w.mu.RLock()
	defer l.w.mu.RUnlock()
	st := &l.w.st
	switch {
	case i < st.prevIndex:
		return 0, raft.ErrCompacted
	case i > st.lastIndex():
		return 0, raft.ErrUnavailable
	}
	return st.term(i), nil
}

// Entries implements raft.LogStorage. The returned slice is the caller's:
// it is freshly built, or a capped slice of the cache that is never
// written again.
func (l LogStore) Entries(lo, hi, maxSize uint64) ([]pb.Entry, error) {
	l.w.mu.RLock()
	defer l.w.mu.RUnlock()
	st := &l.w.st
	switch {
	case lo <= st.prevIndex:
		return nil, raft.ErrCompacted
	case hi > st.lastIndex()+1:
		return nil, raft.ErrUnavailable
	case lo > hi:
		return nil, fmt.Errorf("wal: Entries: invalid range [%d, %d): lo is greater than hi", lo, hi)
	case lo == hi:
		return nil, nil
	}
	if c := &st.cache; len(c.ents) > 0 && lo >= c.lo() {
		ents := limitSize(c.ents[lo-c.lo():hi-c.lo()], maxSize)
		return ents[:len(ents):len(ents)], nil
	}
	return l.w.readEntries(lo, hi, maxSize)
}

// limitSize returns the longest prefix of ents whose encoded size is at
// most maxSize, and at least one entry.
func limitSize(ents []pb.Entry, maxSize uint64) []pb.Entry {
	var total uint64
	for i := range ents {
		total += uint64(ents[i].Size())
		if i > 0 && total > maxSize {
			return ents[:i]
		}
	}
	return ents
}

func cloneConfState(cs pb.ConfState) pb.ConfState {
	clip := func(s []uint64) []uint64 {
		if s == nil {
			return nil
		}
		return append(make([]uint64, 0, len(s)), s...)
	}
	cs.Voters, cs.Learners = clip(cs.Voters), clip(cs.Learners)
	cs.VotersOutgoing, cs.LearnersNext = clip(cs.VotersOutgoing), clip(cs.LearnersNext)
	return cs
}
