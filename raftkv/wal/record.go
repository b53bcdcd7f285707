package wal

import (
	"encoding/binary"
	"errors"
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
)

// record is a decoded record payload.
type record struct {
	typ  recType // without the commit bit
	ents []pb.Entry
	hs   pb.HardState
	snap pb.SnapshotMetadata
	// index and term are the compaction point of recCompact and recStart.
	index, term uint64
}

// appendEntriesRecord appends ents as one recEntries record.
func appendEntriesRecord(buf []byte, batch uint64, t recType, ents []pb.Entry) []byte {
	n := 0
	for i := range ents {
		s := ents[i].Size()
		n += uvarintLen(uint64(s)) + s
	}
	return appendFrame(buf, batch, t, n, func(p []byte) {
		for i := range ents {
			s := ents[i].Size()
			k := binary.PutUvarint(p, uint64(s))
			_, _ = ents[i].MarshalTo(p[k : k+s])
			p = p[k+s:]
		}
	})
}

func appendHardStateRecord(buf []byte, batch uint64, t recType, hs pb.HardState) []byte {
	return appendFrame(buf, batch, t, hs.Size(), func(p []byte) { _, _ = hs.MarshalTo(p) })
}

// appendSnapRecord appends a recSnapshot or recMark record.
func appendSnapRecord(buf []byte, batch uint64, t recType, meta pb.SnapshotMetadata) []byte {
	return appendFrame(buf, batch, t, meta.Size(), func(p []byte) { _, _ = meta.MarshalTo(p) })
}

func appendCompactRecord(buf []byte, batch uint64, t recType, index, term uint64) []byte {
	return appendFrame(buf, batch, t, 16, func(p []byte) {
		binary.LittleEndian.PutUint64(p[0:8], index)
		binary.LittleEndian.PutUint64(p[8:16], term)
	})
}

// appendStartRecord appends the record every segment begins with: the
// compaction point, hard state and snapshot marker in force when it was
// created, so that it can be replayed once the segments before it are gone.
func appendStartRecord(buf []byte, batch uint64, st *logState) []byte {
	hsLen := st.hs.Size()
	n := 16 + uvarintLen(uint64(hsLen)) + hsLen + st.snap.Size()
	return appendFrame(buf, batch, recStart|recCommit, n, func(p []byte) {
		binary.LittleEndian.PutUint64(p[0:8], st.prevIndex)
		binary.LittleEndian.PutUint64(p[8:16], st.prevTerm)
		k := 16 + binary.PutUvarint(p[16:], uint64(hsLen))
		_, _ = st.hs.MarshalTo(p[k : k+hsLen])
		_, _ = st.snap.MarshalTo(p[k+hsLen:])
	})
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

var errShortPayload = errors.New("payload cut short")

// decodeRecord decodes a frame's payload. Entries are copied out of p.
func decodeRecord(t recType, p []byte) (record, error) {
	r := record{typ: t.kind()}
	var err error
	switch r.typ {
	case recEntries:
		r.ents, err = decodeEntries(p, false)
	case recHardState:
		err = r.hs.Unmarshal(p)
	case recSnapshot, recMark:
		err = r.snap.Unmarshal(p)
	case recCompact:
		if len(p) != 16 {
			return r, fmt.Errorf("compact record of %d bytes, want 16", len(p))
		}
		r.index, r.term = binary.LittleEndian.Uint64(p[0:8]), binary.LittleEndian.Uint64(p[8:16])
	case recStart:
		err = decodeStart(&r, p)
	default:
		return r, fmt.Errorf("unknown record type %d", uint8(r.typ))
	}
	if err != nil {
		return r, fmt.Errorf("%v record: %w", r.typ, err)
	}
	return r, nil
}

func decodeStart(r *record, p []byte) error {
	if len(p) < 16 {
		return errShortPayload
	}
	r.index, r.term = binary.LittleEndian.Uint64(p[0:8]), binary.LittleEndian.Uint64(p[8:16])
	hsLen, k := binary.Uvarint(p[16:])
	if k <= 0 || hsLen > uint64(len(p)-16-k) {
		return errShortPayload
	}
	p = p[16+k:]
	if err := r.hs.Unmarshal(p[:hsLen]); err != nil {
		return err
	}
	return r.snap.Unmarshal(p[hsLen:])
}

// decodeEntries decodes a recEntries payload and checks that the entries
// are consecutive. With alias, Data points into p.
func decodeEntries(p []byte, alias bool) ([]pb.Entry, error) {
	var ents []pb.Entry
	for len(p) > 0 {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return nil, errShortPayload
		}
		var e pb.Entry
		var err error
		if alias {
			err = e.UnmarshalAlias(p[k : k+int(n)])
		} else {
			err = e.Unmarshal(p[k : k+int(n)])
		}
		if err != nil {
			return nil, err
		}
		if len(ents) > 0 && e.Index != ents[len(ents)-1].Index+1 {
			return nil, fmt.Errorf("entry index %d follows %d", e.Index, ents[len(ents)-1].Index)
		}
		ents = append(ents, e)
		p = p[k+int(n):]
	}
	if len(ents) == 0 {
		return nil, errors.New("no entries")
	}
	return ents, nil
}
