package raft

import (
	"errors"
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
)

// raftLog is a node's log: the durable part in Storage, the rest in
// unstable, and the commit and apply positions over both.
//
//	firstIndex-1  ...  applied <= applying <= committed <= lastIndex
//
// applied is what the application reported as applied; applying is what
// has been handed out for applying (applied <= applying). Entries in
// (applying, committed] are the next to hand out.
type raftLog struct {
	storage  Storage
	unstable unstable

	committed uint64
	applying  uint64
	applied   uint64

	// maxApplyingSize bounds the size of the entries handed out for applying
	// and not applied yet; applyingSize is that size now. At least one entry
	// may always be outstanding, so any limit (even 0) makes progress.
	maxApplyingSize entryEncodingSize
	applyingSize    entryEncodingSize

	logger Logger
}

// newLog returns a log over storage, applied up to the storage's first
// index - 1 and committed up to that or its snapshot, whichever is later.
func newLog(storage Storage, logger Logger, maxApplyingSize entryEncodingSize) (*raftLog, error) {
	first, err := storage.FirstIndex()
	if err != nil {
		return nil, fmt.Errorf("reading the storage's first index: %w", err)
	}
	last, err := storage.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("reading the storage's last index: %w", err)
	}
	if last+1 < first {
		return nil, fmt.Errorf("storage's last index %d is before its first index %d minus one", last, first)
	}
	lastTerm, err := storage.Term(last)
	if err != nil {
		return nil, fmt.Errorf("reading the term of the storage's last index %d: %w", last, err)
	}
	committed, err := snapshotCommit(storage, first-1, last)
	if err != nil {
		return nil, err
	}
	return &raftLog{
		storage:         storage,
		unstable:        newUnstable(entryID{term: lastTerm, index: last}),
		committed:       committed,
		applying:        first - 1,
		applied:         first - 1,
		maxApplyingSize: maxApplyingSize,
		logger:          logger,
	}, nil
}

// snapshotCommit is the commit index a restarted log starts from: the
// snapshot's index when storage keeps entries below it (it snapshotted
// without compacting that far), else compacted. A snapshot holds only
// committed entries, so its index is committed even when the durable hard
// state, written by another thread, lags behind it.
func snapshotCommit(storage Storage, compacted, last uint64) (uint64, error) {
	snap, err := storage.Snapshot()
	if errors.Is(err, ErrSnapshotTemporarilyUnavailable) {
		return compacted, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the storage's snapshot: %w", err)
	}
	if i := snap.Metadata.Index; i > last {
		return 0, fmt.Errorf("storage's snapshot index %d is past its last index %d", i, last)
	}
	return max(compacted, snap.Metadata.Index), nil
}

func (l *raftLog) String() string {
	return fmt.Sprintf("committed=%d applied=%d applying=%d last=%s accTerm=%d",
		l.committed, l.applied, l.applying, l.lastEntryID(), l.accTerm())
}

// accTerm returns the leader term under which the log was last written.
func (l *raftLog) accTerm() uint64 { return l.unstable.term }

// firstIndex returns the first index whose entry may be read.
func (l *raftLog) firstIndex() uint64 {
	if s := l.unstable.snapshot; s != nil {
		return s.Metadata.Index + 1
	}
	i, err := l.storage.FirstIndex()
	if err != nil {
		l.logger.Panicf("raft: storage must answer FirstIndex: %v", err)
	}
	return i
}

func (l *raftLog) lastIndex() uint64 { return l.unstable.lastIndex() }

func (l *raftLog) lastEntryID() entryID { return l.unstable.lastEntryID() }

// term returns the term of the entry at i. It returns ErrCompacted below the
// first index - 1 and ErrUnavailable after the last index.
func (l *raftLog) term(i uint64) (uint64, error) {
	if t, ok := l.unstable.maybeTerm(i); ok {
		return t, nil
	}
	if i > l.lastIndex() {
		return 0, ErrUnavailable
	}
	if l.unstable.snapshot != nil {
		// Storage still describes the log the snapshot replaces.
		return 0, ErrCompacted
	}
	t, err := l.storage.Term(i)
	if err != nil && !errors.Is(err, ErrCompacted) && !errors.Is(err, ErrUnavailable) {
		l.logger.Panicf("raft: storage must answer Term(%d): %v", i, err)
	}
	return t, err
}

// matchTerm reports whether the log holds the entry id.
func (l *raftLog) matchTerm(id entryID) bool {
	t, err := l.term(id.index)
	return err == nil && t == id.term
}

// isUpToDate reports whether a log ending at id is at least as up to date
// as this one (Raft §5.4.1): a higher last term, or the same term and an
// index at least as high.
func (l *raftLog) isUpToDate(id entryID) bool {
	last := l.lastEntryID()
	return id.term > last.term || (id.term == last.term && id.index >= last.index)
}

// findConflict returns the index of the first entry of s that the log does
// not hold (a different term, or past the end), or 0 if it holds them all.
// s.prev must match the log.
func (l *raftLog) findConflict(s logSlice) uint64 {
	for i := range s.entries {
		if !l.matchTerm(pbEntryID(&s.entries[i])) {
			return s.entries[i].Index
		}
	}
	return 0
}

// errAppendBelowCommit rejects an append that would overwrite committed
// entries. Only a faulty leader sends one.
var errAppendBelowCommit = errors.New("append conflicts with a committed entry")

// maybeAppend writes a slice from the leader of term s.term into the log.
// It returns false if s.prev does not match the log (the leader must back
// off), and an error if s would overwrite a committed entry. The slice has
// been validated.
func (l *raftLog) maybeAppend(s logSlice) (bool, error) {
	if !l.matchTerm(s.prev) {
		return false, nil
	}
	c := l.findConflict(s)
	switch {
	case c == 0:
		// Nothing new. The log is written by this leader only if it does
		// not extend past s with entries the leader may not have.
		if l.lastIndex() == s.lastIndex() {
			l.unstable.setTerm(s.term)
		}
	case c <= l.committed:
		return false, fmt.Errorf("%w: index %d, committed %d", errAppendBelowCommit, c, l.committed)
	default:
		l.unstable.truncateAndAppend(s.forward(c - 1))
	}
	return true, nil
}

// leaderAppend appends the local leader's new entries, which carry their
// index and term already, at the end of the log.
func (l *raftLog) leaderAppend(ents ...pb.Entry) {
	if len(ents) == 0 {
		return
	}
	if ents[0].Index != l.lastIndex()+1 {
		l.logger.Panicf("raft: leader entries must follow the last index %d, got %d", l.lastIndex(), ents[0].Index)
	}
	l.unstable.truncateAndAppend(logSlice{term: l.accTerm(), prev: l.lastEntryID(), entries: ents})
}

// commitTo raises the commit index to i. Callers clamp peer input, so an
// index past the log is a local bug.
func (l *raftLog) commitTo(i uint64) bool {
	if i <= l.committed {
		return false
	}
	if i > l.lastIndex() {
		l.logger.Panicf("raft: commit index %d must not exceed the last index %d", i, l.lastIndex())
	}
	l.committed = i
	return true
}

// stableTo records that the log's entries are durable up to mark. Those
// not handed out for applying stay in memory (see keepDurable).
func (l *raftLog) stableTo(mark logMark) bool {
	if !l.unstable.stableTo(mark) {
		return false
	}
	l.keepDurable()
	return true
}

// keepDurable bounds the durable entries kept in memory: those in
// (applying, durable end], at most maxApplyingSize bytes of payload, the
// oldest dropped first. They are what the next Readies hand out for
// applying, and a leader's appends to followers that are close behind
// read them too, so both skip a Storage read; the bound is the one
// already accepted for committed entries in flight to the application.
func (l *raftLog) keepDurable() {
	l.unstable.dropDurable(l.applying, uint64(l.maxApplyingSize))
}

// stableSnapTo records that the unstable snapshot ending at id is durable.
func (l *raftLog) stableSnapTo(id entryID) bool { return l.unstable.stableSnapTo(id) }

// restore replaces the log with a snapshot received from the leader of term
// term. The snapshot is committed by definition.
func (l *raftLog) restore(s *pb.Snapshot, term uint64) {
	l.unstable.restore(s, term)
	l.committed = s.Metadata.Index
}

// snapshot returns the unstable snapshot if there is one, else the
// storage's latest snapshot.
func (l *raftLog) snapshot() (pb.Snapshot, error) {
	if s := l.unstable.snapshot; s != nil {
		return *s, nil
	}
	return l.storage.Snapshot()
}

// hasNextOrInProgressSnapshot reports whether a snapshot is not durable yet.
func (l *raftLog) hasNextOrInProgressSnapshot() bool { return l.unstable.snapshot != nil }

// slice returns the entries in [lo, hi), at most maxSize bytes of them but
// at least one. It returns ErrCompacted if lo is at or below firstIndex-1
// and ErrUnavailable if hi is past lastIndex+1.
func (l *raftLog) slice(lo, hi uint64, maxSize entryEncodingSize) ([]pb.Entry, error) {
	if lo > hi {
		l.logger.Panicf("raft: slice bounds must be ordered, got [%d, %d)", lo, hi)
	}
	if hi > l.lastIndex()+1 {
		return nil, ErrUnavailable
	}
	if lo == hi {
		return nil, nil
	}
	split := l.unstable.firstInMemory()
	if lo >= split {
		// No storage call on the hot path: recent entries, and durable
		// ones not applied yet, are in memory.
		return limitSize(l.unstable.slice(lo, hi), maxSize), nil
	}
	if l.unstable.snapshot != nil {
		return nil, ErrCompacted // storage still holds the replaced log
	}
	// Storage answers ErrCompacted itself below its first index.
	ents, err := l.storage.Entries(lo, min(hi, split), uint64(maxSize))
	if err != nil {
		return nil, err
	}
	if n := uint64(len(ents)); n == 0 || ents[0].Index != lo || ents[n-1].Index != lo+n-1 {
		l.logger.Panicf("raft: storage must return entries from %d in order, got %d of them", lo, n)
	}
	if hi <= split || uint64(len(ents)) < split-lo {
		return ents, nil
	}
	// The storage part fitted; fill the rest of the budget from unstable.
	var size entryEncodingSize
	for i := range ents {
		size += entrySize(&ents[i])
	}
	more := l.unstable.slice(split, hi)
	k := 0
	for ; k < len(more); k++ {
		if size += entrySize(&more[k]); size > maxSize {
			break
		}
	}
	if k == 0 {
		return ents, nil
	}
	// Copy: ents belongs to the storage's array, more to the in-memory one.
	out := make([]pb.Entry, 0, len(ents)+k)
	out = append(append(out, ents...), more[:k]...)
	return out, nil
}

// entries returns the entries from lo to the end of the log, at most
// maxSize bytes of them but at least one.
func (l *raftLog) entries(lo uint64, maxSize entryEncodingSize) ([]pb.Entry, error) {
	if lo > l.lastIndex() {
		return nil, nil
	}
	return l.slice(lo, l.lastIndex()+1, maxSize)
}

// applyPaused reports whether enough is being applied that no more
// committed entries should be handed out for now.
func (l *raftLog) applyPaused() bool {
	return l.applyingSize > 0 && l.applyingSize >= l.maxApplyingSize
}

// maxAppliable returns the last index that may be handed out for applying:
// committed entries that are durable, or, with allowUnstable, also those
// still being written (the synchronous Ready contract persists before
// applying).
func (l *raftLog) maxAppliable(allowUnstable bool) uint64 {
	hi := l.committed
	if !allowUnstable {
		hi = min(hi, l.unstable.prev.index)
	}
	return hi
}

// hasNextCommittedEnts reports whether committed entries can be handed out.
// None are while a snapshot is not durable: it must be applied first.
func (l *raftLog) hasNextCommittedEnts(allowUnstable bool) bool {
	if l.hasNextOrInProgressSnapshot() || l.applyPaused() {
		return false
	}
	return l.applying < l.maxAppliable(allowUnstable)
}

// nextCommittedEnts returns the next committed entries to apply, within the
// applying size budget.
func (l *raftLog) nextCommittedEnts(allowUnstable bool) ([]pb.Entry, error) {
	if !l.hasNextCommittedEnts(allowUnstable) {
		return nil, nil
	}
	budget := entryEncodingSize(0)
	if l.maxApplyingSize > l.applyingSize {
		budget = l.maxApplyingSize - l.applyingSize
	}
	return l.slice(l.applying+1, l.maxAppliable(allowUnstable)+1, budget)
}

// acceptApplying records that entries up to i, of total size size, have
// been handed out for applying.
func (l *raftLog) acceptApplying(i uint64, size entryEncodingSize) {
	if i > l.committed {
		l.logger.Panicf("raft: applying index %d must not exceed the commit index %d", i, l.committed)
	}
	if i > l.applying {
		l.applying = i
		l.applyingSize += size
		l.keepDurable()
	}
}

// appliedTo records that the application applied entries up to i, of total
// size size, out of those handed out.
func (l *raftLog) appliedTo(i uint64, size entryEncodingSize) {
	if i > l.applying {
		l.logger.Panicf("raft: applied index %d must not exceed the applying index %d", i, l.applying)
	}
	if i > l.applied {
		l.applied = i
	}
	l.applyingSize -= min(size, l.applyingSize)
}

// restoreApplied sets the applied position when a node restarts with
// Config.Applied or after a snapshot is applied.
func (l *raftLog) restoreApplied(i uint64) {
	l.applied = max(l.applied, i)
	l.applying = max(l.applying, i)
	l.keepDurable()
}
