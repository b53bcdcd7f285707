package raft

import (
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
)

// entryID names one log entry by its term and index. By the Log Matching
// property two logs holding the same entryID agree on every entry up to it.
type entryID struct {
	term  uint64
	index uint64
}

// pbEntryID returns the id of e.
func pbEntryID(e *pb.Entry) entryID { return entryID{term: e.Term, index: e.Index} }

func (id entryID) String() string { return fmt.Sprintf("%d/%d", id.term, id.index) }

// logMark is a position in a log together with the leader term under which
// that log was written (its "accepted term"). Under one leader term a log
// only grows by appends of that leader's entries, so a mark names a unique
// log prefix: an acknowledgement carrying mark {t, i} says that the prefix
// up to i written under leader t is durable, and it stays meaningful even if
// entries at i were overwritten since (by a different leader term) and
// rewritten identically later — the mark's term would differ.
type logMark struct {
	term  uint64 // the leader term that wrote the log
	index uint64 // the last index covered
}

func (m logMark) String() string { return fmt.Sprintf("%d@%d", m.index, m.term) }

// after reports whether m is strictly further than o in the order used to
// compare acknowledgements: by leader term first, then by index.
func (m logMark) after(o logMark) bool {
	return m.term > o.term || (m.term == o.term && m.index > o.index)
}

// logSlice is a run of contiguous entries together with the id of the entry
// just before it and the leader term under which it was written. It is the
// unit in which entries enter a log, from a leader's MsgApp or from the
// local leader's own proposals.
//
// A valid slice (see valid) satisfies:
//   - entries[i].Index == prev.index+1+i;
//   - prev.term <= entries[0].Term <= ... <= entries[n-1].Term <= term.
type logSlice struct {
	term    uint64
	prev    entryID
	entries []pb.Entry
}

// lastIndex returns the index of the last entry, or prev.index if empty.
func (s *logSlice) lastIndex() uint64 { return s.prev.index + uint64(len(s.entries)) }

// lastEntryID returns the id of the last entry, or prev if empty.
func (s *logSlice) lastEntryID() entryID {
	if n := len(s.entries); n != 0 {
		return pbEntryID(&s.entries[n-1])
	}
	return s.prev
}

// mark returns the log mark of the slice's end.
func (s *logSlice) mark() logMark { return logMark{term: s.term, index: s.lastIndex()} }

// valid checks the slice invariants. It is called where a slice is built
// from data that is not trusted (a peer's message); inside, slices are
// trusted.
func (s logSlice) valid() error {
	prev := s.prev
	if prev.term > s.term {
		return fmt.Errorf("previous entry %s has a term above the leader term %d", prev, s.term)
	}
	for i := range s.entries {
		id := pbEntryID(&s.entries[i])
		if id.index != prev.index+1 {
			return fmt.Errorf("entry %s does not follow %s", id, prev)
		}
		if id.term < prev.term || id.term > s.term {
			return fmt.Errorf("entry %s has a term outside [%d, %d]", id, prev.term, s.term)
		}
		prev = id
	}
	return nil
}

// forward returns the part of the slice after index i, with prev set to
// the entry at i. It requires prev.index <= i <= lastIndex().
func (s logSlice) forward(i uint64) logSlice {
	if i == s.prev.index {
		return s
	}
	off := i - s.prev.index
	return logSlice{term: s.term, prev: pbEntryID(&s.entries[off-1]), entries: s.entries[off:]}
}
