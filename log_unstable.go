package raft

import (
	pb "github.com/tickraft/raft/raftpb"
)

// unstable holds the part of the log that is not known to be durable yet:
// possibly an incoming snapshot, and the entries after the last durable one.
//
//	storage (durable)      unstable
//	[ ... prev ]           [ snapshot? ] [ entries ... ]
//	                         ^ ends at prev when present
//
// The embedded logSlice's prev is the last durable entry (or the snapshot's
// last entry), and its term is the log's accepted term: the leader term
// under which the whole log was last written.
//
// Writes are handed out in order: entries in (prev.index, inProgress] and
// the snapshot, if snapshotInProgress, are being written. Their
// acknowledgements follow two different rules:
//
//   - Entries are acknowledged by a log mark, and one whose term is not the
//     current accepted term is ignored: the log it describes may have been
//     overwritten and rewritten since (ABA), so a term change hands every
//     unstable entry out again and only the new write's mark counts.
//   - The snapshot is acknowledged by naming it, whatever the term: it is
//     the same immutable, committed state under any leader, so once written
//     it is durable. It is handed out once; writing it again would regress
//     storage that already holds it (MemoryStorage refuses it with
//     ErrSnapOutOfDate). A newer snapshot replacing it is a different
//     snapshot, handed out on its own, and the older one's acknowledgement
//     does not clear it.
type unstable struct {
	snapshot *pb.Snapshot
	logSlice

	snapshotInProgress bool
	inProgress         uint64

	// durable holds entries up to prev that are durable and not yet handed
	// out for applying, kept so that committing them needs no Storage read
	// (see raftLog.keepDurable). It always sits just before entries in one
	// array, so that a range across prev is one slice; any change of
	// entries' array either carries it along or drops it. durableSize is
	// its payload size.
	durable     []pb.Entry
	durableSize uint64
}

// newUnstable returns the unstable part of a log whose durable part ends at
// last. The accepted term is not persisted; the last entry's term is a safe
// lower bound for it.
func newUnstable(last entryID) unstable {
	return unstable{logSlice: logSlice{term: last.term, prev: last}, inProgress: last.index}
}

// maybeTerm returns the term of the entry at i if it is in memory.
func (u *unstable) maybeTerm(i uint64) (uint64, bool) {
	if i < u.prev.index {
		if first := u.firstInMemory(); i >= first {
			return u.durable[i-first].Term, true
		}
		return 0, false
	}
	if i > u.lastIndex() {
		return 0, false
	}
	if i == u.prev.index {
		return u.prev.term, true
	}
	return u.entries[i-u.prev.index-1].Term, true
}

// firstInMemory returns the index of the first entry held in memory,
// durable or not; entries before it must be read from storage.
func (u *unstable) firstInMemory() uint64 { return u.prev.index + 1 - uint64(len(u.durable)) }

// nextEntries returns the entries not yet handed out for writing. The slice
// is capped so that an append by the caller cannot write into the log.
func (u *unstable) nextEntries() []pb.Entry {
	off := u.inProgress - u.prev.index
	if off >= uint64(len(u.entries)) {
		return nil
	}
	return u.entries[off:len(u.entries):len(u.entries)]
}

// nextSnapshot returns the snapshot if it has not been handed out yet.
func (u *unstable) nextSnapshot() *pb.Snapshot {
	if u.snapshot == nil || u.snapshotInProgress {
		return nil
	}
	return u.snapshot
}

// acceptInProgress records that everything returned by nextEntries and
// nextSnapshot has been handed out for writing.
func (u *unstable) acceptInProgress() {
	u.inProgress = u.lastIndex()
	if u.snapshot != nil {
		u.snapshotInProgress = true
	}
}

// stableTo records that the entries up to mark are durable. It reports
// whether anything changed; a mark for another accepted term, for positions
// already durable or past the log, or one reaching past an unstable
// snapshot that is not durable yet, changes nothing.
func (u *unstable) stableTo(mark logMark) bool {
	if mark.term != u.term || mark.index > u.lastIndex() {
		return false
	}
	if u.snapshot != nil || mark.index <= u.prev.index {
		return false
	}
	n := mark.index - u.prev.index
	written := u.entries[:n]
	if len(u.durable) == 0 {
		u.durable = written
	} else {
		// Adjacent in one array: extending covers exactly the written ones.
		u.durable = u.durable[:len(u.durable)+len(written)]
	}
	u.durableSize += payloadSize(written)
	u.prev = pbEntryID(&u.entries[n-1])
	u.entries = u.entries[n:]
	u.inProgress = max(u.inProgress, u.prev.index)
	u.shrink()
	return true
}

// stableSnapTo records that the snapshot ending at id is durable. Unlike
// stableTo it does not look at the accepted term: a snapshot's content is
// the same under every leader. It reports whether the unstable snapshot was
// the one written; an acknowledgement of an older snapshot replaced by a
// newer one changes nothing.
func (u *unstable) stableSnapTo(id entryID) bool {
	s := u.snapshot
	if s == nil || !u.snapshotInProgress || s.Metadata.Index != id.index || s.Metadata.Term != id.term {
		return false
	}
	u.snapshot, u.snapshotInProgress = nil, false
	return true
}

// dropDurable forgets the durable entries up to index i and then, oldest
// first, as many as it takes to bring their payload within maxSize. The
// dropped ones are read from storage if they are needed again.
func (u *unstable) dropDurable(i, maxSize uint64) {
	k := 0
	if first := u.firstInMemory(); i >= first {
		k = int(min(i-first+1, uint64(len(u.durable))))
	}
	size := u.durableSize - payloadSize(u.durable[:k])
	for ; k < len(u.durable) && size > maxSize; k++ {
		size -= uint64(len(u.durable[k].Data))
	}
	u.durable, u.durableSize = u.durable[k:], size
}

// dropAllDurable forgets every durable entry kept in memory, for changes
// that give entries a new array or move prev.
func (u *unstable) dropAllDurable() { u.durable, u.durableSize = nil, 0 }

// minUnstableCap is the smallest array allocated for unstable entries:
// appended one at a time, eight entries cost one allocation. A drained
// log's array goes at the next tick (releaseDrained), so an idle group
// keeps none whatever its size; a busy one drains after every round and
// starts a new array each time this one runs out.
const minUnstableCap = 8

// releaseDrained lets the entries array go once every entry in it is
// durable and handed out for applying, so that an idle group does not keep
// it (384 bytes) for appends that may never come. Called on each tick, not
// when the log drains: a busy group drains after every round of appends,
// and would pay an allocation per round instead of at most one per tick.
func (u *unstable) releaseDrained() {
	if len(u.entries) == 0 && len(u.durable) == 0 {
		u.entries, u.durable = nil, nil
	}
}

// shrink drops the backing array when most of it holds entries that are
// no longer needed, so that they can be collected; the entries still in
// memory move to a smaller array. The old array is not written: Ready
// slices handed out before remain valid.
func (u *unstable) shrink() {
	const minCap = 64
	d := len(u.durable)
	live, c := d+len(u.entries), cap(u.entries)
	if d > 0 {
		c = cap(u.durable)
	}
	switch {
	case c <= minCap:
	case live == 0:
		u.entries, u.durable = nil, nil
	case live < c/4:
		ents := append(append(make([]pb.Entry, 0, 2*live), u.durable...), u.entries...)
		u.durable, u.entries = ents[:d], ents[d:]
	}
}

// restore replaces the unstable log with a snapshot written under leader
// term term.
func (u *unstable) restore(s *pb.Snapshot, term uint64) {
	id := entryID{term: s.Metadata.Term, index: s.Metadata.Index}
	u.snapshot = s
	u.snapshotInProgress = false
	u.logSlice = logSlice{term: term, prev: id}
	u.inProgress = id.index
	u.dropAllDurable()
}

// setTerm moves the accepted term to term. Entry writes in progress were
// issued under the old term, so their marks will be ignored: the unstable
// entries are handed out again under the new term. A snapshot in progress
// is not (see unstable).
func (u *unstable) setTerm(term uint64) {
	if term == u.term {
		return
	}
	u.term = term
	u.inProgress = u.prev.index
}

// truncateAndAppend writes s into the log, replacing every entry after
// s.prev. The caller has checked that s.prev matches the log, that s is not
// older than the accepted term and that nothing durable the caller cares
// about (a pending snapshot, committed entries) is overwritten.
func (u *unstable) truncateAndAppend(s logSlice) {
	u.setTerm(s.term)
	switch {
	case s.prev.index == u.lastIndex():
		// The common case: an append at the end. It writes only past
		// len(entries), which no handed-out slice covers (with
		// ReuseReadyBuffers, none still valid: see rewindLog), so spare
		// capacity is reused; a new array gets room for more, so that appending one
		// entry at a time does not allocate each time. The durable entries
		// move along, to stay just before entries.
		if n := len(u.entries) + len(s.entries); n > cap(u.entries) {
			d := len(u.durable)
			grown := make([]pb.Entry, d+len(u.entries), max(2*(d+n), minUnstableCap))
			copy(grown[copy(grown, u.durable):], u.entries)
			u.durable, u.entries = grown[:d], grown[d:]
		}
		u.entries = append(u.entries, s.entries...)
	case s.prev.index <= u.prev.index:
		// The new entries replace part of the durable log too.
		if u.snapshot != nil && s.prev.index < u.prev.index {
			panic("raft: truncating the log below an unstable snapshot breaks the caller's check")
		}
		u.prev = s.prev
		u.entries = append([]pb.Entry(nil), s.entries...)
		u.inProgress = u.prev.index
		u.dropAllDurable()
	default:
		// Keep a prefix of the unstable entries. Copy it, since slices of
		// the old array may have been handed out in a Ready.
		keep := u.entries[:s.prev.index-u.prev.index]
		ents := make([]pb.Entry, 0, len(keep)+len(s.entries))
		ents = append(ents, keep...)
		u.entries = append(ents, s.entries...)
		u.inProgress = min(u.inProgress, s.prev.index)
		u.dropAllDurable() // rare: read back from storage if needed
	}
}

// slice returns the entries in [lo, hi) held in memory, durable or not,
// which the caller has checked lie within [firstInMemory(), lastIndex()+1].
// The slice is capped.
func (u *unstable) slice(lo, hi uint64) []pb.Entry {
	all := u.entries
	if d := len(u.durable); d > 0 {
		all = u.durable[:d+len(u.entries)]
	}
	first := u.firstInMemory()
	return all[lo-first : hi-first : hi-first]
}
