package wal

import (
	"fmt"
	"os"
)

// encode writes recs as one batch into w.buf, the last record committing
// it, and returns each record's offset in the buffer.
func (w *WAL) encode(recs []record) []int64 {
	w.buf = w.buf[:0]
	offs := make([]int64, len(recs))
	for i := range recs {
		offs[i] = int64(len(w.buf))
		t := recs[i].typ
		if i == len(recs)-1 {
			t |= recCommit
		}
		switch recs[i].typ {
		case recEntries:
			w.buf = appendEntriesRecord(w.buf, w.nextBatch, t, recs[i].ents)
		case recHardState:
			w.buf = appendHardStateRecord(w.buf, w.nextBatch, t, recs[i].hs)
		case recSnapshot, recMark:
			w.buf = appendSnapRecord(w.buf, w.nextBatch, t, recs[i].snap)
		case recCompact:
			w.buf = appendCompactRecord(w.buf, w.nextBatch, t, recs[i].index, recs[i].term)
		}
	}
	return offs
}

// write appends recs as one batch to the last segment, rotating first if
// they do not fit, syncs once, and then applies them to the state.
func (w *WAL) write(recs []record) error {
	offs := w.encode(recs)
	if seg := w.segs[len(w.segs)-1]; w.off+int64(len(w.buf)) > seg.size {
		if err := w.rotate(len(w.buf)); err != nil {
			return err
		}
		offs = w.encode(recs) // again, under the batch number after the start record's
	}
	seg := w.segs[len(w.segs)-1]
	if _, err := seg.f.WriteAt(w.buf, w.off); err != nil {
		w.err = fmt.Errorf("wal: writing %s at offset %d: %w", seg.path, w.off, err)
		return w.err
	}
	if err := fdatasync(seg.f); err != nil {
		w.err = fmt.Errorf("wal: syncing %s: %w", seg.path, err)
		return w.err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range recs {
		size := int64(len(w.buf)) - offs[i]
		if i+1 < len(recs) {
			size = offs[i+1] - offs[i]
		}
		if err := w.st.apply(&recs[i], seg.seq, w.off+offs[i], size); err != nil {
			// Save checked the records against this state; reaching here
			// is a bug, and the disk now holds what memory does not.
			w.err = fmt.Errorf("wal: applying a written record: %w", err)
			return w.err
		}
	}
	w.off += int64(len(w.buf))
	w.nextBatch++
	return nil
}

// rotate starts a new segment, big enough for need more bytes, that
// begins with the current state.
func (w *WAL) rotate(need int) error {
	h := segHeader{firstIndex: w.st.lastIndex() + 1}
	if n := len(w.segs); n > 0 {
		h.seq = w.segs[n-1].seq + 1
	}
	init := appendStartRecord(nil, w.nextBatch, &w.st)
	size := max(w.opts.SegmentSize, int64(headerSize+len(init)+need))
	seg, err := createSegment(w.dir, h, init, size)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.segs = append(w.segs, seg)
	w.mu.Unlock()
	w.off = int64(headerSize + len(init))
	w.nextBatch++
	return nil
}

// release deletes the oldest segments while the segment after them starts
// at or below the compaction point: all their entries are discarded, and
// the compaction (or snapshot) record that discarded them lives in the
// last segment, which is never released. Older segments go first, so a
// crash midway leaves a contiguous run.
func (w *WAL) release() error {
	k := 0
	for k+1 < len(w.segs) && w.segs[k+1].firstIndex-1 <= w.st.prevIndex {
		k++
	}
	if k == 0 {
		return nil
	}
	w.mu.Lock()
	gone := w.segs[:k:k]
	w.segs = w.segs[k:]
	w.mu.Unlock()
	for _, s := range gone {
		s.f.Close()
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("wal: releasing segment: %w", err)
		}
	}
	if err := syncDir(w.dir); err != nil {
		return fmt.Errorf("wal: releasing segments: %w", err)
	}
	return nil
}
