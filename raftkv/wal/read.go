package wal

import (
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
)

// readEntries reads [lo, hi) with the size limit, from disk below the
// cache and from the cache above it. Each record is read whole with pread
// and its CRC checked. The caller holds mu for reading and has checked
// the bounds.
func (w *WAL) readEntries(lo, hi, maxSize uint64) ([]pb.Entry, error) {
	st := &w.st
	var out []pb.Entry
	var total uint64
	full := func(e *pb.Entry) bool {
		total += uint64(e.Size())
		return len(out) > 0 && total > maxSize
	}
	i := lo
	for i < hi {
		if c := &st.cache; len(c.ents) > 0 && i >= c.lo() {
			for _, e := range c.ents[i-c.lo() : hi-c.lo()] {
				if full(&e) {
					return out, nil
				}
				out = append(out, e)
			}
			return out, nil
		}
		loc := st.locs[i-st.first]
		ents, err := w.readRecord(loc)
		if err != nil {
			return nil, err
		}
		progressed := false
		for j := range ents {
			e := &ents[j]
			if e.Index != i || i >= hi {
				continue
			}
			l := st.locs[i-st.first]
			if l.seq != loc.seq || l.off != loc.off {
				break // overwritten by a later record
			}
			if e.Term != l.term {
				return nil, fmt.Errorf("wal: entry %d read back with term %d, but the index says term %d", i, e.Term, l.term)
			}
			if full(e) {
				return out, nil
			}
			out = append(out, *e)
			i++
			progressed = true
		}
		if !progressed {
			return nil, fmt.Errorf("wal: entry %d is indexed in the record at offset %d of segment %d, which does not hold it", i, loc.off, loc.seq)
		}
	}
	return out, nil
}

// readRecord reads back the entries record at loc and checks it.
func (w *WAL) readRecord(loc entryLoc) ([]pb.Entry, error) {
	seg := w.segs[loc.seq-w.segs[0].seq]
	buf := make([]byte, loc.size)
	if _, err := seg.f.ReadAt(buf, loc.off); err != nil {
		return nil, fmt.Errorf("wal: reading %s at offset %d: %w", seg.path, loc.off, err)
	}
	fr, status, why := parseFrame(buf)
	if status != frameOK || fr.typ.kind() != recEntries || int64(fr.size) != loc.size {
		if why == "" {
			why = fmt.Sprintf("found a %v record of %d bytes", fr.typ, fr.size)
		}
		return nil, corruptf(seg.path, loc.off, -1, "entries record read back: %s", why)
	}
	ents, err := decodeEntries(fr.payload, true)
	if err != nil {
		return nil, corruptf(seg.path, loc.off, -1, "entries record read back: %v", err)
	}
	return ents, nil
}
