package wal

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// contractWAL opens a WAL holding a snapshot marker at (4, 2) followed by
// entries 5..8 with 0, 10, 20 and 30 data bytes. Their encoded sizes, by
// hand: Type, Term and Index take two bytes each (6), Data a tag and a
// length byte, so 8, 18, 28 and 38; running totals 8, 26, 54, 92.
// With reopen the WAL is closed and opened again first; with noCache every
// entry is read back from disk.
func contractWAL(t *testing.T, reopen, noCache bool) *WAL {
	t.Helper()
	opts := smallOpts
	if noCache {
		opts.CacheBytes = -1
	}
	dir := t.TempDir()
	w := mustOpen(t, dir, opts)
	snap := pb.SnapshotMetadata{Index: 4, Term: 2, ConfState: pb.ConfState{Voters: []uint64{1, 2, 3}}}
	if err := w.Save(pb.HardState{Term: 3, Vote: 2, Commit: 6}, []pb.Entry{ent(5, 2, 0), ent(6, 3, 10), ent(7, 3, 20), ent(8, 3, 30)}, &snap); err != nil {
		t.Fatal(err)
	}
	if reopen {
		mustClose(t, w)
		w = mustOpen(t, dir, opts)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func forEachVariant(t *testing.T, f func(t *testing.T, w *WAL)) {
	for _, v := range []struct {
		name            string
		reopen, noCache bool
	}{{"cached", false, false}, {"reopened", true, false}, {"from-disk", false, true}, {"reopened-from-disk", true, true}} {
		t.Run(v.name, func(t *testing.T) { f(t, contractWAL(t, v.reopen, v.noCache)) })
	}
}

func TestContractEmpty(t *testing.T) {
	w := mustOpen(t, t.TempDir(), smallOpts)
	defer w.Close()
	s := w.Storage()
	if first, _ := s.FirstIndex(); first != 1 {
		t.Errorf("FirstIndex = %d, want 1", first)
	}
	if last, _ := s.LastIndex(); last != 0 {
		t.Errorf("LastIndex = %d, want 0", last)
	}
	if term, err := s.Term(0); term != 0 || err != nil {
		t.Errorf("Term(0) = %d, %v; want 0, nil", term, err)
	}
	if _, err := s.Term(1); !errors.Is(err, raft.ErrUnavailable) {
		t.Errorf("Term(1) error = %v, want ErrUnavailable", err)
	}
	if _, err := s.Entries(1, 2, math.MaxUint64); !errors.Is(err, raft.ErrUnavailable) {
		t.Errorf("Entries(1, 2) error = %v, want ErrUnavailable", err)
	}
	if _, err := s.Entries(0, 1, math.MaxUint64); !errors.Is(err, raft.ErrCompacted) {
		t.Errorf("Entries(0, 1) error = %v, want ErrCompacted", err)
	}
	hs, cs, err := s.InitialState()
	if hs != (pb.HardState{}) || !reflect.DeepEqual(cs, pb.ConfState{}) || err != nil {
		t.Errorf("InitialState = %+v, %+v, %v; want zero", hs, cs, err)
	}
	if snap, err := s.Snapshot(); !reflect.DeepEqual(snap, pb.Snapshot{}) || err != nil {
		t.Errorf("Snapshot = %+v, %v; want zero", snap, err)
	}
}

func TestContractTermAndState(t *testing.T) {
	forEachVariant(t, func(t *testing.T, w *WAL) {
		s := w.Storage()
		for _, tc := range []struct {
			i, want uint64
			err     error
		}{
			{i: 0, err: raft.ErrCompacted},
			{i: 3, err: raft.ErrCompacted},
			{i: 4, want: 2}, // FirstIndex-1: the snapshot marker's term
			{i: 5, want: 2},
			{i: 8, want: 3},
			{i: 9, err: raft.ErrUnavailable},
		} {
			if got, err := s.Term(tc.i); got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Term(%d) = %d, %v; want %d, %v", tc.i, got, err, tc.want, tc.err)
			}
		}
		hs, cs, _ := s.InitialState()
		if hs != (pb.HardState{Term: 3, Vote: 2, Commit: 6}) || !reflect.DeepEqual(cs.Voters, []uint64{1, 2, 3}) {
			t.Errorf("InitialState = %+v, %+v", hs, cs)
		}
		snap, _ := s.Snapshot()
		if snap.Metadata.Index != 4 || snap.Metadata.Term != 2 || snap.Data != nil {
			t.Errorf("Snapshot = %+v, want marker (4, 2) with nil data", snap)
		}
	})
}

func TestContractEntries(t *testing.T) {
	forEachVariant(t, func(t *testing.T, w *WAL) {
		s := w.Storage()
		for _, tc := range []struct {
			lo, hi, max uint64
			want        []uint64 // indexes
			err         error
		}{
			{lo: 4, hi: 6, max: math.MaxUint64, err: raft.ErrCompacted},
			{lo: 5, hi: 10, max: math.MaxUint64, err: raft.ErrUnavailable},
			{lo: 9, hi: 9, max: math.MaxUint64},
			{lo: 5, hi: 9, max: math.MaxUint64, want: []uint64{5, 6, 7, 8}},
			{lo: 5, hi: 9, max: 0, want: []uint64{5}},
			{lo: 5, hi: 9, max: 25, want: []uint64{5}},
			{lo: 5, hi: 9, max: 26, want: []uint64{5, 6}},
			{lo: 5, hi: 9, max: 53, want: []uint64{5, 6}},
			{lo: 5, hi: 9, max: 54, want: []uint64{5, 6, 7}},
			{lo: 5, hi: 9, max: 92, want: []uint64{5, 6, 7, 8}},
			{lo: 7, hi: 9, max: 65, want: []uint64{7}},
			{lo: 7, hi: 9, max: 66, want: []uint64{7, 8}},
			{lo: 8, hi: 9, max: 1, want: []uint64{8}},
			{lo: 6, hi: 8, max: math.MaxUint64, want: []uint64{6, 7}},
		} {
			got, err := s.Entries(tc.lo, tc.hi, tc.max)
			if !errors.Is(err, tc.err) {
				t.Errorf("Entries(%d, %d, %d) error = %v, want %v", tc.lo, tc.hi, tc.max, err, tc.err)
				continue
			}
			var idx []uint64
			for _, e := range got {
				if want := ent(e.Index, e.Term, int(e.Index-5)*10); !reflect.DeepEqual(e, want) {
					t.Errorf("Entries(%d, %d, %d): entry %+v, want %+v", tc.lo, tc.hi, tc.max, e, want)
				}
				idx = append(idx, e.Index)
			}
			if !reflect.DeepEqual(idx, tc.want) {
				t.Errorf("Entries(%d, %d, %d) = %v, want %v", tc.lo, tc.hi, tc.max, idx, tc.want)
			}
		}
		if _, err := s.Entries(7, 6, math.MaxUint64); err == nil || errors.Is(err, raft.ErrCompacted) || errors.Is(err, raft.ErrUnavailable) {
			t.Errorf("Entries(7, 6) error = %v, want an invalid-range error", err)
		}
		// Appending to a returned slice must not reach the WAL's entries.
		got, _ := s.Entries(5, 7, math.MaxUint64)
		_ = append(got, pb.Entry{Index: 99, Term: 99})
		if again, _ := s.Entries(7, 8, math.MaxUint64); again[0].Index != 7 || again[0].Term != 3 {
			t.Errorf("after appending to a returned slice, entry 7 = %+v", again[0])
		}
	})
}

func TestContractWrites(t *testing.T) {
	type step = op
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"overwrite the suffix", []step{{kind: "save", ents: []pb.Entry{ent(7, 4, 1)}}}},
		{"overwrite from the first", []step{{kind: "save", ents: []pb.Entry{ent(5, 4, 1), ent(6, 4, 1)}}}},
		{"compacted prefix is ignored", []step{{kind: "save", ents: []pb.Entry{ent(3, 1, 1), ent(4, 2, 1), ent(5, 5, 1)}}}},
		{"wholly compacted", []step{{kind: "save", ents: []pb.Entry{ent(2, 1, 1), ent(3, 1, 1)}}}},
		{"append at the end", []step{{kind: "save", hs: pb.HardState{Term: 4, Commit: 8}, ents: []pb.Entry{ent(9, 4, 3), ent(10, 4, 3)}}}},
		{"compact", []step{{kind: "compact", index: 6}}},
		{"compact all", []step{{kind: "compact", index: 8}, {kind: "save", ents: []pb.Entry{ent(9, 5, 0)}}}},
		{"mark then compact", []step{{kind: "mark", index: 7, cs: &pb.ConfState{Voters: []uint64{1}}}, {kind: "compact", index: 7}}},
		{"mark keeps the config", []step{{kind: "mark", index: 6}}},
		{"newer snapshot replaces the log", []step{{kind: "save", snap: &pb.SnapshotMetadata{Index: 20, Term: 5}, ents: []pb.Entry{ent(21, 5, 2)}}}},
		{"snapshot inside the log", []step{{kind: "save", snap: &pb.SnapshotMetadata{Index: 6, Term: 3}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := contractWAL(t, false, true)
			m := modelOf(t, []op{{kind: "save", hs: pb.HardState{Term: 3, Vote: 2, Commit: 6},
				ents: []pb.Entry{ent(5, 2, 0), ent(6, 3, 10), ent(7, 3, 20), ent(8, 3, 30)},
				snap: &pb.SnapshotMetadata{Index: 4, Term: 2, ConfState: pb.ConfState{Voters: []uint64{1, 2, 3}}}}})
			apply(t, w, m, tc.steps...)
			checkModel(t, w, m)
			dir := w.dir
			mustClose(t, w)
			w = mustOpen(t, dir, smallOpts)
			defer w.Close()
			checkModel(t, w, m)
		})
	}
}

func TestContractErrors(t *testing.T) {
	w := contractWAL(t, false, false)
	if err := w.Compact(4); !errors.Is(err, raft.ErrCompacted) {
		t.Errorf("Compact(4) at the snapshot: %v, want ErrCompacted", err)
	}
	if err := w.Compact(9); err == nil {
		t.Error("Compact(9) past the last index: no error")
	}
	if err := w.ApplySnapshot(pb.SnapshotMetadata{Index: 4, Term: 2}); !errors.Is(err, raft.ErrSnapOutOfDate) {
		t.Errorf("ApplySnapshot(4) again: %v, want ErrSnapOutOfDate", err)
	}
	if _, err := w.MarkSnapshot(4, nil); !errors.Is(err, raft.ErrSnapOutOfDate) {
		t.Errorf("MarkSnapshot(4): %v, want ErrSnapOutOfDate", err)
	}
	if _, err := w.MarkSnapshot(9, nil); err == nil {
		t.Error("MarkSnapshot(9) past the last index: no error")
	}
	if err := w.Save(pb.HardState{}, []pb.Entry{ent(10, 3, 0)}, nil); err == nil {
		t.Error("Save leaving a gap after 8: no error")
	}
	if err := w.Save(pb.HardState{}, []pb.Entry{ent(9, 3, 0), ent(11, 3, 0)}, nil); err == nil {
		t.Error("Save of non-consecutive entries: no error")
	}
	if err := w.Compact(6); err != nil {
		t.Fatal(err)
	}
	if _, err := w.MarkSnapshot(5, nil); !errors.Is(err, raft.ErrCompacted) {
		t.Errorf("MarkSnapshot(5) below the compaction point: %v, want ErrCompacted", err)
	}
	mustClose(t, w)
	if err := w.Save(pb.HardState{Term: 9}, nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Save after Close: %v, want ErrClosed", err)
	}
}
