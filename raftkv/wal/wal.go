package wal

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// Options configures a WAL. Zero fields take their defaults.
type Options struct {
	// SegmentSize is the size each segment is preallocated to (default
	// 64 MiB). A Save larger than that gets a segment of its own size.
	SegmentSize int64
	// CacheBytes bounds the recent entries kept in memory, counted in
	// encoded size (default 8 MiB). Older entries are read from disk.
	CacheBytes int
}

const (
	defaultSegmentSize = 64 << 20
	defaultCacheBytes  = 8 << 20
)

func (o Options) withDefaults() Options {
	if o.SegmentSize <= 0 {
		o.SegmentSize = defaultSegmentSize
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = defaultCacheBytes
	}
	return o
}

// WAL is a segmented write-ahead log. Writes (Save, ApplySnapshot,
// MarkSnapshot, Compact) are serialized with each other; reads through
// Storage may run concurrently with them and see only durable state.
type WAL struct {
	dir  string
	opts Options

	// wmu serializes writers. Fields below mu are changed only with both
	// held, so a writer may read them holding wmu alone.
	wmu       sync.Mutex
	off       int64  // where the next record goes in the last segment
	nextBatch uint64 // batch number of the next write
	buf       []byte
	err       error // sticky: a failed write leaves the file in an unknown state
	closed    bool

	mu   sync.RWMutex
	segs []*segment // in sequence order; the last one takes writes
	st   logState
}

// Open opens the WAL in dir, creating dir and a first segment if needed,
// and recovers its state: every segment is read, the index of entries is
// rebuilt and a torn tail is cut off. Damage that is not a torn tail
// returns an error matching ErrCorrupt.
func Open(dir string, opts Options) (*WAL, error) {
	w := &WAL{dir: dir, opts: opts.withDefaults()}
	w.st.cache.limit = w.opts.CacheBytes
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("wal: creating directory: %w", err)
	}
	hdrs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	if len(hdrs) == 0 {
		w.st.first = 1
		if err := w.rotate(0); err != nil {
			return nil, err
		}
		return w, nil
	}
	if err := w.recoverSegments(hdrs); err != nil {
		w.closeFiles()
		return nil, err
	}
	return w, nil
}

// Save appends hs, ents and snap as one batch and makes it durable with
// one fdatasync. snap, if not nil, is an installed snapshot: it must be
// newer than the current marker, and the log restarts after it (its
// entries are discarded) before ents are appended. Entries at or below the
// compaction point are ignored; the first kept entry replaces the entry at
// its index and everything after it. A zero hs is not written.
//
// The in-memory state, and so what Storage returns, changes only once the
// batch is durable. After a failed write the WAL refuses further writes.
func (w *WAL) Save(hs pb.HardState, ents []pb.Entry, snap *pb.SnapshotMetadata) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	recs, err := w.st.saveRecords(hs, ents, snap)
	if err != nil || len(recs) == 0 {
		return err
	}
	if err := w.write(recs); err != nil {
		return err
	}
	if snap != nil {
		return w.release()
	}
	return nil
}

// saveRecords checks a Save against the state and returns its records.
func (st *logState) saveRecords(hs pb.HardState, ents []pb.Entry, snap *pb.SnapshotMetadata) ([]record, error) {
	var recs []record
	prev, last := st.prevIndex, st.lastIndex()
	if snap != nil {
		if snap.Index <= st.snap.Index {
			return nil, raft.ErrSnapOutOfDate
		}
		recs = append(recs, record{typ: recSnapshot, snap: *snap})
		prev, last = snap.Index, snap.Index
	}
	for i := 1; i < len(ents); i++ {
		if ents[i].Index != ents[i-1].Index+1 {
			return nil, fmt.Errorf("wal: Save: entry index %d follows index %d; entries must be consecutive", ents[i].Index, ents[i-1].Index)
		}
	}
	if len(ents) > 0 && ents[len(ents)-1].Index > prev {
		if ents[0].Index <= prev {
			ents = ents[prev+1-ents[0].Index:]
		}
		if ents[0].Index > last+1 {
			return nil, fmt.Errorf("wal: Save: first entry index %d leaves a gap after the last index %d", ents[0].Index, last)
		}
		recs = append(recs, record{typ: recEntries, ents: ents})
	}
	if hs != (pb.HardState{}) {
		recs = append(recs, record{typ: recHardState, hs: hs})
	}
	return recs, nil
}

// ApplySnapshot records an installed snapshot: Save with only a snapshot.
func (w *WAL) ApplySnapshot(meta pb.SnapshotMetadata) error {
	return w.Save(pb.HardState{}, nil, &meta)
}

// MarkSnapshot records that the state machine holds a snapshot at index,
// with configuration cs (nil keeps the current marker's), without
// discarding any entry; Snapshot then returns it. It returns
// raft.ErrSnapOutOfDate unless index is past the current marker, and
// raft.ErrCompacted if index's term is gone.
func (w *WAL) MarkSnapshot(index uint64, cs *pb.ConfState) (pb.SnapshotMetadata, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if err := w.usable(); err != nil {
		return pb.SnapshotMetadata{}, err
	}
	st := &w.st
	switch {
	case index <= st.snap.Index:
		return pb.SnapshotMetadata{}, raft.ErrSnapOutOfDate
	case index < st.prevIndex:
		return pb.SnapshotMetadata{}, raft.ErrCompacted
	case index > st.lastIndex():
		return pb.SnapshotMetadata{}, fmt.Errorf("wal: MarkSnapshot: index %d is past the last index %d", index, st.lastIndex())
	}
	meta := pb.SnapshotMetadata{Index: index, Term: st.term(index), ConfState: st.snap.ConfState}
	if cs != nil {
		meta.ConfState = *cs
	}
	if err := w.write([]record{{typ: recMark, snap: meta}}); err != nil {
		return pb.SnapshotMetadata{}, err
	}
	return meta, nil
}

// Compact discards the entries up to and including index, keeping its
// term, and deletes the segments that hold only discarded entries. It
// returns raft.ErrCompacted if index is already compacted.
func (w *WAL) Compact(index uint64) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	st := &w.st
	if index <= st.prevIndex {
		return raft.ErrCompacted
	}
	if index > st.lastIndex() {
		return fmt.Errorf("wal: Compact: index %d is past the last index %d", index, st.lastIndex())
	}
	if err := w.write([]record{{typ: recCompact, index: index, term: st.term(index)}}); err != nil {
		return err
	}
	return w.release()
}

// Close closes the segment files. Storage reads that need the disk fail
// afterwards.
func (w *WAL) Close() error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	return w.closeFiles()
}

func (w *WAL) closeFiles() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for _, s := range w.segs {
		errs = append(errs, s.f.Close())
	}
	return errors.Join(errs...)
}

func (w *WAL) usable() error {
	if w.closed {
		return ErrClosed
	}
	return w.err
}
