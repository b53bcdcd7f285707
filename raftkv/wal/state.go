package wal

import (
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
)

// entryLoc says where an entry lives: the record holding it and its term,
// so that Term never reads the disk.
type entryLoc struct {
	term uint64
	seq  uint64 // segment
	off  int64  // frame offset in the segment
	size int64  // frame size
}

// logState is the logical content of the WAL, rebuilt by replaying records
// at Open and advanced by the same apply after every durable write.
//
// Entries known are first .. first+len(locs)-1. Normally first is
// prevIndex+1. While replaying from a segment whose predecessors were
// released, first may lie past prevIndex+1 until the compaction record
// that allowed the release is replayed; a gap left at the end of replay
// means lost segments.
type logState struct {
	hs                  pb.HardState
	snap                pb.SnapshotMetadata
	prevIndex, prevTerm uint64
	first               uint64
	locs                []entryLoc
	cache               entryCache
}

func (st *logState) lastIndex() uint64 { return st.first + uint64(len(st.locs)) - 1 }

// term returns the term of i, which must be in [prevIndex, lastIndex()]
// and not in a replay gap.
func (st *logState) term(i uint64) uint64 {
	if i == st.prevIndex {
		return st.prevTerm
	}
	return st.locs[i-st.first].term
}

// apply applies one record. seq and off locate its frame. Errors only come
// from records that contradict the log, which Save never writes.
func (st *logState) apply(r *record, seq uint64, off, size int64) error {
	switch r.typ {
	case recEntries:
		return st.applyEntries(r.ents, entryLoc{seq: seq, off: off, size: size})
	case recHardState:
		st.hs = r.hs
	case recSnapshot:
		st.snap = r.snap
		st.prevIndex, st.prevTerm = r.snap.Index, r.snap.Term
		st.first, st.locs = r.snap.Index+1, nil
		st.cache.reset()
	case recMark:
		st.snap = r.snap
	case recCompact:
		st.compact(r.index, r.term)
	case recStart:
		return fmt.Errorf("segment-start record in the middle of a segment")
	}
	return nil
}

func (st *logState) applyEntries(ents []pb.Entry, loc entryLoc) error {
	if ents[len(ents)-1].Index <= st.prevIndex {
		return nil
	}
	if ents[0].Index <= st.prevIndex {
		ents = ents[st.prevIndex+1-ents[0].Index:]
	}
	start := ents[0].Index
	if start > st.lastIndex()+1 {
		return fmt.Errorf("entries start at index %d, leaving a gap after the last index %d", start, st.lastIndex())
	}
	if start < st.first {
		st.first, st.locs = start, st.locs[:0]
	} else {
		st.locs = st.locs[:start-st.first]
	}
	for i := range ents {
		loc.term = ents[i].Term
		st.locs = append(st.locs, loc)
	}
	st.cache.put(ents)
	return nil
}

func (st *logState) compact(index, term uint64) {
	switch {
	case index > st.lastIndex():
		st.first, st.locs = index+1, nil
	case index >= st.first:
		st.locs = append([]entryLoc(nil), st.locs[index+1-st.first:]...)
		st.first = index + 1
	}
	st.prevIndex, st.prevTerm = index, term
	st.cache.dropThrough(index)
}

// entryCache keeps the most recent entries, up to limit bytes of encoded
// size, so the hot path of raft's reads never touches the disk.
type entryCache struct {
	ents  []pb.Entry // consecutive indexes
	bytes int
	limit int
}

func (c *entryCache) reset() { c.ents, c.bytes = nil, 0 }

// lo returns the first cached index, or 0 if the cache is empty.
func (c *entryCache) lo() uint64 {
	if len(c.ents) == 0 {
		return 0
	}
	return c.ents[0].Index
}

// put adds ents, which replace any cached entries at and after their
// first index. Slices handed out by get are never written: truncation
// copies into a new array, and appends only write past their end.
func (c *entryCache) put(ents []pb.Entry) {
	if c.limit <= 0 {
		return
	}
	start := ents[0].Index
	switch lo := c.lo(); {
	case len(c.ents) == 0 || start < lo || start > lo+uint64(len(c.ents)):
		c.reset()
		c.ents = append(c.ents, ents...)
	case start == lo+uint64(len(c.ents)):
		c.ents = append(c.ents, ents...)
	default:
		keep := int(start - lo)
		for i := keep; i < len(c.ents); i++ {
			c.bytes -= c.ents[i].Size()
		}
		c.ents = append(c.ents[:keep:keep], ents...)
	}
	for i := range ents {
		c.bytes += ents[i].Size()
	}
	c.trim()
}

// trim drops the oldest entries until the cache fits its limit, and
// copies the survivors out when most of the array is dead.
func (c *entryCache) trim() {
	drop := 0
	for drop < len(c.ents) && c.bytes > c.limit {
		c.bytes -= c.ents[drop].Size()
		drop++
	}
	c.ents = c.ents[drop:]
	if len(c.ents) < cap(c.ents)/4 {
		c.ents = append([]pb.Entry(nil), c.ents...)
	}
}

func (c *entryCache) dropThrough(index uint64) {
	lo := c.lo()
	if len(c.ents) == 0 || index < lo {
		return
	}
	n := int(min(index-lo+1, uint64(len(c.ents))))
	for i := range n {
		c.bytes -= c.ents[i].Size()
	}
	c.ents = c.ents[n:]
	c.trim()
}
