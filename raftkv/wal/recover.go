package wal

import (
	"fmt"
	"os"
	"path/filepath"
)

// pendingRec is a record of a batch whose committing record has not been
// read yet.
type pendingRec struct {
	rec       record
	off, size int64
	n         int
}

// segReader replays one segment into the WAL's state.
type segReader struct {
	w      *WAL
	seg    *segment
	data   []byte
	first  bool // the first segment replayed: its start record sets the state
	last   bool // the last segment: a damaged tail here may be a torn write
	n      int  // records read
	commit int64
}

// recoverSegments opens and replays every segment named by hdrs.
func (w *WAL) recoverSegments(hdrs []segHeader) error {
	for i, h := range hdrs {
		seg, data, err := openSegment(w.dir, h)
		if err != nil {
			return err
		}
		w.segs = append(w.segs, seg)
		r := &segReader{w: w, seg: seg, data: data, first: i == 0, last: i == len(hdrs)-1}
		end, err := r.replay()
		if err != nil {
			return err
		}
		w.off = end
	}
	if st := &w.st; st.first != st.prevIndex+1 {
		return corruptf(w.segs[0].path, headerSize, 0,
			"entries %d..%d are missing: the segments holding them were lost", st.prevIndex+1, st.first-1)
	}
	return nil
}

// openSegment opens a segment for reading and appending and returns its
// contents, after checking its header against its name.
func openSegment(dir string, h segHeader) (*segment, []byte, error) {
	path := filepath.Join(dir, segName(h.seq, h.firstIndex))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("wal: opening segment: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("wal: reading segment: %w", err)
	}
	got, err := decodeHeader(data)
	if err == nil && got != h {
		err = fmt.Errorf("header says sequence %d, first index %d, which does not match the file name", got.seq, got.firstIndex)
	}
	if err != nil {
		f.Close()
		return nil, nil, corruptf(path, 0, -1, "%v", err)
	}
	return &segment{segHeader: h, path: path, f: f, size: int64(len(data))}, data, nil
}

// replay applies the segment's committed batches and returns the offset
// where the next record goes.
func (r *segReader) replay() (int64, error) {
	off := int64(headerSize)
	r.commit = off
	var pending []pendingRec
	for {
		fr, status, why := parseFrame(r.data[off:])
		switch status {
		case frameZero:
			return r.finish(off, pending, "")
		case frameBad:
			return r.finish(off, pending, why)
		}
		if err := r.checkBatch(fr, off); err != nil {
			return 0, err
		}
		rec, err := decodeRecord(fr.typ, fr.payload)
		if err != nil {
			return 0, corruptf(r.seg.path, off, r.n, "%v", err)
		}
		pending = append(pending, pendingRec{rec: rec, off: off, size: int64(fr.size), n: r.n})
		off += int64(fr.size)
		r.n++
		if fr.typ.commits() {
			if err := r.applyBatch(pending); err != nil {
				return 0, err
			}
			pending = pending[:0]
			r.commit = off
			r.w.nextBatch++
		}
	}
}

// checkBatch checks that a frame belongs to the batch being read, and that
// a segment opens with its start record.
func (r *segReader) checkBatch(fr frame, off int64) error {
	isStart := fr.typ.kind() == recStart
	if r.n == 0 {
		if !isStart || !fr.typ.commits() {
			return corruptf(r.seg.path, off, r.n, "segment begins with a %v record, not its start record", fr.typ)
		}
		if r.first {
			r.w.nextBatch = fr.batch
		}
	} else if isStart {
		return corruptf(r.seg.path, off, r.n, "a segment start record in the middle of the segment")
	}
	if fr.batch != r.w.nextBatch {
		return corruptf(r.seg.path, off, r.n, "record of batch %d where batch %d was expected", fr.batch, r.w.nextBatch)
	}
	return nil
}

func (r *segReader) applyBatch(batch []pendingRec) error {
	st := &r.w.st
	for _, p := range batch {
		if p.rec.typ == recStart {
			if err := r.applyStart(&p.rec); err != nil {
				return corruptf(r.seg.path, p.off, p.n, "%v", err)
			}
			continue
		}
		if err := st.apply(&p.rec, r.seg.seq, p.off, p.size); err != nil {
			return corruptf(r.seg.path, p.off, p.n, "%v", err)
		}
	}
	return nil
}

// applyStart takes the state from the first segment's start record, and
// checks later segments' start records against the replayed state.
func (r *segReader) applyStart(rec *record) error {
	st := &r.w.st
	if r.first {
		if rec.index >= r.seg.firstIndex {
			return fmt.Errorf("start record's compaction point %d is not before the segment's first index %d", rec.index, r.seg.firstIndex)
		}
		st.hs, st.snap = rec.hs, rec.snap
		st.prevIndex, st.prevTerm = rec.index, rec.term
		st.first, st.locs = r.seg.firstIndex, nil
		return nil
	}
	if st.lastIndex()+1 != r.seg.firstIndex || st.prevIndex != rec.index {
		return fmt.Errorf("segment starts at index %d after compaction point %d, but the segments before it end at %d with compaction point %d",
			r.seg.firstIndex, rec.index, st.lastIndex(), st.prevIndex)
	}
	return nil
}

// finish handles the end of the readable records at off: either clean
// zeros, or a damaged frame (why says how). Damage, or a batch left
// without its committing record, is a torn write only at the tail of the
// last segment with no record of a later batch after it; the torn batch is
// then cut off. Anything else is corruption.
func (r *segReader) finish(off int64, pending []pendingRec, why string) (int64, error) {
	if r.n == 0 {
		return 0, corruptf(r.seg.path, off, 0, "segment has no start record")
	}
	torn := why != "" || len(pending) > 0
	if why == "" {
		why = "a batch without its committing record"
	}
	if torn && !r.last {
		return 0, corruptf(r.seg.path, off, r.n, "%s in a segment that is not the last", why)
	}
	if o, fr, ok := r.laterRecord(off); ok {
		what := "data ends here"
		if torn {
			what = why
		}
		return 0, corruptf(r.seg.path, off, r.n, "%s, but a valid record of batch %d follows at offset %d", what, fr.batch, o)
	}
	if !allZero(r.data[r.commit:]) {
		if err := r.truncate(r.commit); err != nil {
			return 0, err
		}
	}
	return r.commit, nil
}

// laterRecord looks at every aligned offset after off for a valid record
// that proves the damage is not a torn tail: in the last segment, one of a
// batch after the torn one; elsewhere, any record.
func (r *segReader) laterRecord(off int64) (int64, frame, bool) {
	for o := off + defaultAlign; o+frameHeaderSize <= int64(len(r.data)); o += defaultAlign {
		fr, status, _ := parseFrame(r.data[o:])
		if status != frameOK {
			continue
		}
		if !r.last || fr.batch != r.w.nextBatch {
			return o, fr, true
		}
	}
	return 0, frame{}, false
}

// truncate cuts the torn tail off at off and preallocates the space again,
// so that the torn bytes can never be mistaken for records later.
func (r *segReader) truncate(off int64) error {
	f := r.seg.f
	err := f.Truncate(off)
	if err == nil {
		err = preallocate(f, r.seg.size)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return fmt.Errorf("wal: truncating the torn tail of %s at offset %d: %w", r.seg.path, off, err)
	}
	return nil
}
