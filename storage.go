package raft

import (
	"errors"

	pb "github.com/tickraft/raft/raftpb"
)

// The Storage errors keep v3.6's values and messages: applications compare
// them with errors.Is and, in older code, by their text. They are returned
// unwrapped for the same reason.
var (
	// ErrCompacted is returned by Storage.Entries, Storage.Term and
	// MemoryStorage.Compact when a requested index has been compacted away,
	// that is, it is covered by the latest snapshot.
	ErrCompacted = errors.New("requested index is unavailable due to compaction")

	// ErrSnapOutOfDate is returned by MemoryStorage.CreateSnapshot and
	// MemoryStorage.ApplySnapshot when the snapshot would not be newer than
	// the one the storage already holds.
	ErrSnapOutOfDate = errors.New("requested index is older than the existing snapshot")

	// ErrUnavailable is returned by Storage.Entries and Storage.Term when a
	// requested index is past the last index of the log.
	ErrUnavailable = errors.New("requested entry at index is unavailable")

	// ErrSnapshotTemporarilyUnavailable is returned by Storage.Snapshot when
	// the snapshot is being prepared; raft asks again later.
	ErrSnapshotTemporarilyUnavailable = errors.New("snapshot is temporarily unavailable")
)

// LogStorage is the read side of the persisted raft log: the entries after
// the latest snapshot, and the id (index and term) of the entry the snapshot
// ends with.
//
// Positions are described by two numbers: FirstIndex() is the first entry
// that Entries can return, and LastIndex() is the last entry. The log is
// empty when LastIndex() == FirstIndex()-1. The entry at FirstIndex()-1 is
// the snapshot's last entry: its term is still known (Term answers for it)
// although the entry itself is gone.
//
//	snapshot covers 1..5      entries 6..9
//	[ 1 2 3 4 5 ]            [ 6 7 8 9 ]
//	          ^ FirstIndex()-1 ^ FirstIndex()   ^ LastIndex()
//
// An empty storage has FirstIndex() == 1 and LastIndex() == 0, and answers
// Term(0) == 0.
type LogStorage interface {
	// Entries returns the log entries with indexes in [lo, hi), starting at
	// lo, in order and without gaps.
	//
	// maxSize limits the total size of the returned entries, counted as
	// their protobuf-encoded sizes (what Entry.Size reports): Entries returns
	// the longest prefix of [lo, hi) whose total size is at most maxSize,
	// except that it returns at least one entry when lo < hi, even if that
	// entry alone is larger than maxSize (so maxSize 0 means one entry). Use
	// math.MaxUint64 for no limit.
	//
	// It returns ErrCompacted if lo <= FirstIndex()-1 (the entry at lo has
	// been compacted), and ErrUnavailable if hi > LastIndex()+1 (some entry
	// in [lo, hi) does not exist). An empty range (lo == hi) inside those
	// bounds returns no entries and no error; lo > hi is an error. Any other
	// error makes the raft instance stop participating; the application
	// must then recover.
	//
	// The caller owns the returned slice and may append to it; the storage
	// must ensure that such appends cannot change its own state (return a
	// fresh slice, or cap it with a full slice expression s[i:j:j] as
	// MemoryStorage does). Neither side may modify the returned entries:
	// raft may hand them back to the application in a Ready.
	Entries(lo, hi, maxSize uint64) ([]pb.Entry, error)

	// Term returns the term of the entry at index i, for any i in
	// [FirstIndex()-1, LastIndex()]; FirstIndex()-1 answers the term of the
	// snapshot's last entry, which raft needs to match logs. It returns
	// ErrCompacted if i < FirstIndex()-1 and ErrUnavailable if
	// i > LastIndex().
	Term(i uint64) (uint64, error)

	// LastIndex returns the index of the last entry in the log, or
	// FirstIndex()-1 when the log holds no entry after the snapshot.
	LastIndex() (uint64, error)

	// FirstIndex returns the index of the first entry that Entries may
	// return: the index after the latest snapshot (or after the latest
	// compaction point). When the log is empty this entry does not exist
	// yet.
	FirstIndex() (uint64, error)
}

// StateStorage is the read side of the persisted raft state that is not
// the log: the hard state, the configuration and the latest snapshot.
type StateStorage interface {
	// InitialState returns the persisted HardState and the ConfState of the
	// latest snapshot (or the configuration the application recorded
	// otherwise). raft reads it once, when a node is created.
	InitialState() (pb.HardState, pb.ConfState, error)

	// Snapshot returns the most recent snapshot. When a snapshot is being
	// prepared and is not ready yet, it returns
	// ErrSnapshotTemporarilyUnavailable, and raft asks again later; any
	// other error makes the raft instance stop participating.
	Snapshot() (pb.Snapshot, error)
}

// Storage is what raft reads its persisted state from. The application
// implements it (or uses MemoryStorage) and writes to it itself, as the
// Ready contract describes; raft never writes to Storage.
//
// Storage is composed of LogStorage and StateStorage so that the log and the
// state can be kept by separate components; its method set is exactly
// go.etcd.io/raft/v3's six methods.
//
// raft calls Storage only from the goroutine that drives the node; an
// implementation that the application writes to from other goroutines must
// synchronize.
type Storage interface {
	LogStorage
	StateStorage
}

// entryEncodingSize is a size in bytes of protobuf-encoded entries, the unit
// of Storage.Entries' maxSize. It is distinct from a payload size (the
// length of Entry.Data alone), so that the two cannot be mixed up.
type entryEncodingSize uint64

// entrySize returns the protobuf-encoded size of e, the unit in which
// Storage.Entries' maxSize is counted (as in v3.6).
func entrySize(e *pb.Entry) entryEncodingSize {
	return entryEncodingSize(e.Size())
}

// limitSize returns the longest prefix of ents whose total encoded size is
// at most maxSize, but never fewer than one entry when ents is non-empty.
// It returns a prefix of ents itself: limiting allocates nothing. One entry,
// or no limit, needs no sizes: the proposal path often has both.
func limitSize(ents []pb.Entry, maxSize entryEncodingSize) []pb.Entry {
	if len(ents) <= 1 || maxSize == noLimit {
		return ents
	}
	total := entrySize(&ents[0])
	for i := 1; i < len(ents); i++ {
		total += entrySize(&ents[i])
		if total > maxSize {
			return ents[:i]
		}
	}
	return ents
}
