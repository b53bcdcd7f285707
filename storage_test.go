package raft

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/tickraft/raft/raftpb"
)

// contractStorage is a Storage plus the write methods the contract suite
// uses to put it into a known state. MemoryStorage has them; a disk-backed
// storage can be tested through an adapter offering the same methods.
type contractStorage interface {
	Storage
	SetHardState(st pb.HardState) error
	Append(entries []pb.Entry) error
	ApplySnapshot(snap pb.Snapshot) error
	CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (pb.Snapshot, error)
	Compact(compactIndex uint64) error
}

// runStorageContract runs the behaviour every Storage must show against
// storages built by newStorage, which must return an empty storage.
func runStorageContract(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	t.Run("empty", func(t *testing.T) { testContractEmpty(t, newStorage(t)) })
	t.Run("term", func(t *testing.T) { testContractTerm(t, newStorage) })
	t.Run("entries", func(t *testing.T) { testContractEntries(t, newStorage) })
	t.Run("append", func(t *testing.T) { testContractAppend(t, newStorage) })
	t.Run("compact", func(t *testing.T) { testContractCompact(t, newStorage) })
	t.Run("create-snapshot", func(t *testing.T) { testContractCreateSnapshot(t, newStorage) })
	t.Run("apply-snapshot", func(t *testing.T) { testContractApplySnapshot(t, newStorage) })
	t.Run("initial-state", func(t *testing.T) { testContractInitialState(t, newStorage(t)) })
	t.Run("returned-slice-append", func(t *testing.T) { testContractReturnedSliceAppend(t, newStorage) })
	t.Run("returned-slice-stable", func(t *testing.T) { testContractReturnedSliceStable(t, newStorage) })
}

// ent builds an entry with Data of n bytes, each set to byte(index), so a
// stray overwrite shows up in both the Term and the Data.
func ent(index, term uint64, n int) pb.Entry {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(index)
	}
	return pb.Entry{Index: index, Term: term, Data: data}
}

// ids returns the (index, term) pairs of ents, compact enough for diffs.
func ids(ents []pb.Entry) [][2]uint64 {
	out := make([][2]uint64, 0, len(ents))
	for _, e := range ents {
		out = append(out, [2]uint64{e.Index, e.Term})
	}
	return out
}

// logOf returns the whole log after the snapshot, and fails the test if the
// storage's own accessors disagree with each other.
func logOf(t *testing.T, s Storage) (first, last uint64, ents []pb.Entry) {
	t.Helper()
	first = mustIndex(t, s.FirstIndex)
	last = mustIndex(t, s.LastIndex)
	if last+1 < first {
		t.Fatalf("LastIndex %d is before FirstIndex-1 = %d", last, first-1)
	}
	ents, err := s.Entries(first, last+1, math.MaxUint64)
	if err != nil {
		t.Fatalf("Entries(%d, %d): %v", first, last+1, err)
	}
	for i, e := range ents {
		term, err := s.Term(e.Index)
		if err != nil || term != e.Term || e.Index != first+uint64(i) {
			t.Fatalf("entry %d: index %d term %d, Term() = %d, %v", i, e.Index, e.Term, term, err)
		}
	}
	return first, last, ents
}

func mustIndex(t *testing.T, f func() (uint64, error)) uint64 {
	t.Helper()
	i, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func mustAppend(t *testing.T, s contractStorage, ents ...pb.Entry) {
	t.Helper()
	if err := s.Append(ents); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

// storageAfterSnapshot3 returns a storage holding a snapshot at index 3,
// term 3, followed by the given entries.
func storageAfterSnapshot3(t *testing.T, newStorage func(t *testing.T) contractStorage, ents ...pb.Entry) contractStorage {
	t.Helper()
	s := newStorage(t)
	snap := pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 3, Term: 3, ConfState: pb.ConfState{Voters: []uint64{1, 2, 3}}}}
	if err := s.ApplySnapshot(snap); err != nil {
		t.Fatalf("ApplySnapshot: %v", err)
	}
	mustAppend(t, s, ents...)
	return s
}

func testContractEmpty(t *testing.T, s contractStorage) {
	if got := mustIndex(t, s.FirstIndex); got != 1 {
		t.Errorf("FirstIndex = %d, want 1", got)
	}
	if got := mustIndex(t, s.LastIndex); got != 0 {
		t.Errorf("LastIndex = %d, want 0", got)
	}
	if term, err := s.Term(0); term != 0 || err != nil {
		t.Errorf("Term(0) = %d, %v; want 0, nil", term, err)
	}
	if _, err := s.Term(1); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Term(1) error = %v, want ErrUnavailable", err)
	}
	if ents, err := s.Entries(1, 1, math.MaxUint64); len(ents) != 0 || err != nil {
		t.Errorf("Entries(1, 1) = %v, %v; want none, nil", ents, err)
	}
	if _, err := s.Entries(1, 2, math.MaxUint64); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Entries(1, 2) error = %v, want ErrUnavailable", err)
	}
	if _, err := s.Entries(0, 1, math.MaxUint64); !errors.Is(err, ErrCompacted) {
		t.Errorf("Entries(0, 1) error = %v, want ErrCompacted", err)
	}
	snap, err := s.Snapshot()
	if err != nil || !reflect.DeepEqual(snap, pb.Snapshot{}) {
		t.Errorf("Snapshot() = %+v, %v; want the zero snapshot", snap, err)
	}
}

func testContractTerm(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 0), ent(5, 5, 0), ent(6, 6, 0))
	for _, tc := range []struct {
		i       uint64
		want    uint64
		wantErr error
	}{
		{i: 0, wantErr: ErrCompacted},
		{i: 2, wantErr: ErrCompacted},
		{i: 3, want: 3}, // FirstIndex()-1: the snapshot's term
		{i: 4, want: 4},
		{i: 6, want: 6},
		{i: 7, wantErr: ErrUnavailable},
		{i: math.MaxUint64, wantErr: ErrUnavailable},
	} {
		got, err := s.Term(tc.i)
		if !errors.Is(err, tc.wantErr) || got != tc.want {
			t.Errorf("Term(%d) = %d, %v; want %d, %v", tc.i, got, err, tc.want, tc.wantErr)
		}
	}
}

func testContractEntries(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	// Encoded sizes, by hand: Type, Term and Index take a tag byte and one
	// varint byte each (6 bytes); Data takes a tag byte, a one-byte length
	// and its bytes. So entry 4 is 6+1+1+2 = 10 bytes, entry 5 is
	// 6+1+1+12 = 20, entry 6 is 6+1+1+22 = 30. Running totals: 10, 30, 60.
	s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 2), ent(5, 5, 12), ent(6, 6, 22))
	all := [][2]uint64{{4, 4}, {5, 5}, {6, 6}}
	for _, tc := range []struct {
		name            string
		lo, hi, maxSize uint64
		want            [][2]uint64
		wantErr         error
	}{
		{name: "below snapshot", lo: 2, hi: 6, maxSize: math.MaxUint64, wantErr: ErrCompacted},
		{name: "at snapshot index", lo: 3, hi: 6, maxSize: math.MaxUint64, wantErr: ErrCompacted},
		{name: "whole log", lo: 4, hi: 7, maxSize: math.MaxUint64, want: all},
		{name: "past last index", lo: 4, hi: 8, maxSize: math.MaxUint64, wantErr: ErrUnavailable},
		{name: "empty range past last index", lo: 8, hi: 8, maxSize: math.MaxUint64, wantErr: ErrUnavailable},
		{name: "empty range at first", lo: 4, hi: 4, maxSize: math.MaxUint64, want: [][2]uint64{}},
		{name: "empty range after last", lo: 7, hi: 7, maxSize: math.MaxUint64, want: [][2]uint64{}},
		{name: "middle", lo: 5, hi: 6, maxSize: math.MaxUint64, want: [][2]uint64{{5, 5}}},
		{name: "max size 0 returns one entry", lo: 4, hi: 7, maxSize: 0, want: [][2]uint64{{4, 4}}},
		{name: "limit below the first entry returns it", lo: 4, hi: 7, maxSize: 9, want: [][2]uint64{{4, 4}}},
		{name: "limit exactly the first entry", lo: 4, hi: 7, maxSize: 10, want: [][2]uint64{{4, 4}}},
		{name: "limit one short of two entries", lo: 4, hi: 7, maxSize: 29, want: [][2]uint64{{4, 4}}},
		{name: "limit exactly two entries", lo: 4, hi: 7, maxSize: 30, want: [][2]uint64{{4, 4}, {5, 5}}},
		{name: "limit one short of all", lo: 4, hi: 7, maxSize: 59, want: [][2]uint64{{4, 4}, {5, 5}}},
		{name: "limit exactly all", lo: 4, hi: 7, maxSize: 60, want: all},
		{name: "limit from the middle", lo: 5, hi: 7, maxSize: 49, want: [][2]uint64{{5, 5}}},
		{name: "limit from the middle, both", lo: 5, hi: 7, maxSize: 50, want: [][2]uint64{{5, 5}, {6, 6}}},
		{name: "limit on the last entry alone", lo: 6, hi: 7, maxSize: 1, want: [][2]uint64{{6, 6}}},
		{name: "hi caps before the limit does", lo: 4, hi: 6, maxSize: 60, want: [][2]uint64{{4, 4}, {5, 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Entries(tc.lo, tc.hi, tc.maxSize)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Entries(%d, %d, %d) error = %v, want %v", tc.lo, tc.hi, tc.maxSize, err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("Entries(%d, %d, %d) (-want +got):\n%s", tc.lo, tc.hi, tc.maxSize, diff)
			}
		})
	}
	t.Run("lo after hi", func(t *testing.T) {
		_, err := s.Entries(6, 5, math.MaxUint64)
		if err == nil || errors.Is(err, ErrCompacted) || errors.Is(err, ErrUnavailable) {
			t.Fatalf("Entries(6, 5) error = %v, want an invalid-range error", err)
		}
	})
	t.Run("data is returned", func(t *testing.T) {
		got, err := s.Entries(5, 6, math.MaxUint64)
		if err != nil {
			t.Fatal(err)
		}
		if want := ent(5, 5, 12); !reflect.DeepEqual(got, []pb.Entry{want}) {
			t.Errorf("Entries(5, 6) = %+v, want %+v", got, want)
		}
	})
}

func testContractAppend(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	// Every case starts from a snapshot at (3, 3) followed by entries 4 and 5
	// at terms 4 and 5.
	for _, tc := range []struct {
		name   string
		append []pb.Entry
		want   [][2]uint64
	}{
		{name: "nothing", append: nil, want: [][2]uint64{{4, 4}, {5, 5}}},
		{name: "same entries", append: []pb.Entry{ent(4, 4, 0), ent(5, 5, 0)}, want: [][2]uint64{{4, 4}, {5, 5}}},
		{name: "replace the last", append: []pb.Entry{ent(4, 4, 0), ent(5, 6, 0)}, want: [][2]uint64{{4, 4}, {5, 6}}},
		{name: "extend", append: []pb.Entry{ent(4, 4, 0), ent(5, 5, 0), ent(6, 5, 0)}, want: [][2]uint64{{4, 4}, {5, 5}, {6, 5}}},
		{name: "at the end", append: []pb.Entry{ent(6, 5, 0), ent(7, 6, 0)}, want: [][2]uint64{{4, 4}, {5, 5}, {6, 5}, {7, 6}}},
		{name: "truncate to the first", append: []pb.Entry{ent(4, 6, 0)}, want: [][2]uint64{{4, 6}}},
		{name: "shorter batch truncates the tail", append: []pb.Entry{ent(4, 4, 0)}, want: [][2]uint64{{4, 4}}},
		{name: "compacted prefix is ignored", append: []pb.Entry{ent(2, 3, 0), ent(3, 3, 0), ent(4, 6, 0), ent(5, 6, 0)}, want: [][2]uint64{{4, 6}, {5, 6}}},
		{name: "compacted prefix, then the end", append: []pb.Entry{ent(3, 3, 0), ent(4, 4, 0), ent(5, 5, 0), ent(6, 6, 0)}, want: [][2]uint64{{4, 4}, {5, 5}, {6, 6}}},
		{name: "wholly compacted", append: []pb.Entry{ent(1, 1, 0), ent(2, 2, 0)}, want: [][2]uint64{{4, 4}, {5, 5}}},
		{name: "ending at the snapshot", append: []pb.Entry{ent(2, 2, 0), ent(3, 9, 0)}, want: [][2]uint64{{4, 4}, {5, 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 0), ent(5, 5, 0))
			mustAppend(t, s, tc.append...)
			first, _, got := logOf(t, s)
			if first != 4 {
				t.Errorf("FirstIndex = %d, want 4", first)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("log after Append (-want +got):\n%s", diff)
			}
			if term, err := s.Term(3); term != 3 || err != nil {
				t.Errorf("Term(3) = %d, %v; want the snapshot's 3", term, err)
			}
		})
	}
	t.Run("caller reuses its slice", func(t *testing.T) {
		s := newStorage(t)
		batch := []pb.Entry{ent(1, 1, 0), ent(2, 1, 0)}
		mustAppend(t, s, batch...)
		batch[0].Term, batch[1].Index = 9, 9
		_, _, got := logOf(t, s)
		if diff := cmp.Diff([][2]uint64{{1, 1}, {2, 1}}, ids(got)); diff != "" {
			t.Errorf("log changed with the caller's slice (-want +got):\n%s", diff)
		}
	})
}

func testContractCompact(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	for _, tc := range []struct {
		name      string
		compact   uint64
		wantErr   error
		wantFirst uint64
		want      [][2]uint64
	}{
		{name: "below snapshot", compact: 2, wantErr: ErrCompacted, wantFirst: 4, want: [][2]uint64{{4, 4}, {5, 5}, {6, 6}}},
		{name: "at snapshot", compact: 3, wantErr: ErrCompacted, wantFirst: 4, want: [][2]uint64{{4, 4}, {5, 5}, {6, 6}}},
		{name: "first entry", compact: 4, wantFirst: 5, want: [][2]uint64{{5, 5}, {6, 6}}},
		{name: "middle", compact: 5, wantFirst: 6, want: [][2]uint64{{6, 6}}},
		{name: "last entry", compact: 6, wantFirst: 7, want: [][2]uint64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 0), ent(5, 5, 0), ent(6, 6, 0))
			if err := s.Compact(tc.compact); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Compact(%d) error = %v, want %v", tc.compact, err, tc.wantErr)
			}
			first, last, got := logOf(t, s)
			if first != tc.wantFirst || last != 6 {
				t.Errorf("FirstIndex, LastIndex = %d, %d; want %d, 6", first, last, tc.wantFirst)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("log after Compact (-want +got):\n%s", diff)
			}
			// The compaction point keeps its term; what is before it is gone.
			if term, err := s.Term(first - 1); term != first-1 || err != nil {
				t.Errorf("Term(%d) = %d, %v; want %d, nil", first-1, term, err, first-1)
			}
			if _, err := s.Term(first - 2); !errors.Is(err, ErrCompacted) {
				t.Errorf("Term(%d) error = %v, want ErrCompacted", first-2, err)
			}
			if _, err := s.Entries(first-1, last+1, math.MaxUint64); !errors.Is(err, ErrCompacted) {
				t.Errorf("Entries(%d, ...) error = %v, want ErrCompacted", first-1, err)
			}
		})
	}
	t.Run("append after compacting everything", func(t *testing.T) {
		s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 0), ent(5, 5, 0))
		if err := s.Compact(5); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, s, ent(5, 5, 0), ent(6, 7, 0))
		first, _, got := logOf(t, s)
		if first != 6 || !cmp.Equal(ids(got), [][2]uint64{{6, 7}}) {
			t.Errorf("log = first %d, %v; want first 6, [[6 7]]", first, ids(got))
		}
	})
}

func testContractCreateSnapshot(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	cs := &pb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}}
	t.Run("not newer", func(t *testing.T) {
		s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 0), ent(5, 5, 0))
		for _, i := range []uint64{2, 3} {
			if _, err := s.CreateSnapshot(i, cs, []byte("x")); !errors.Is(err, ErrSnapOutOfDate) {
				t.Errorf("CreateSnapshot(%d) error = %v, want ErrSnapOutOfDate", i, err)
			}
		}
	})
	t.Run("newer", func(t *testing.T) {
		s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 0), ent(5, 5, 0), ent(6, 6, 0))
		got, err := s.CreateSnapshot(5, cs, []byte("state@5"))
		if err != nil {
			t.Fatal(err)
		}
		want := pb.Snapshot{Data: []byte("state@5"), Metadata: pb.SnapshotMetadata{Index: 5, Term: 5, ConfState: *cs}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateSnapshot(5) (-want +got):\n%s", diff)
		}
		if stored, err := s.Snapshot(); err != nil || !cmp.Equal(want, stored) {
			t.Errorf("Snapshot() = %+v, %v; want %+v", stored, err, want)
		}
		if first, last, _ := logOf(t, s); first != 4 || last != 6 {
			t.Errorf("CreateSnapshot compacted: FirstIndex, LastIndex = %d, %d; want 4, 6", first, last)
		}
		if _, err := s.CreateSnapshot(5, nil, nil); !errors.Is(err, ErrSnapOutOfDate) {
			t.Errorf("CreateSnapshot(5) again: error = %v, want ErrSnapOutOfDate", err)
		}
		// A nil ConfState keeps the previous one.
		got, err = s.CreateSnapshot(6, nil, []byte("state@6"))
		if err != nil {
			t.Fatal(err)
		}
		want = pb.Snapshot{Data: []byte("state@6"), Metadata: pb.SnapshotMetadata{Index: 6, Term: 6, ConfState: *cs}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateSnapshot(6, nil) (-want +got):\n%s", diff)
		}
	})
	t.Run("after compaction past the snapshot", func(t *testing.T) {
		s := newStorage(t)
		mustAppend(t, s, ent(1, 1, 0), ent(2, 1, 0), ent(3, 2, 0), ent(4, 2, 0))
		if err := s.Compact(3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSnapshot(2, cs, nil); !errors.Is(err, ErrCompacted) {
			t.Errorf("CreateSnapshot(2) error = %v, want ErrCompacted (its term is gone)", err)
		}
		got, err := s.CreateSnapshot(3, cs, nil)
		if err != nil || got.Metadata.Index != 3 || got.Metadata.Term != 2 {
			t.Errorf("CreateSnapshot(3) = %+v, %v; want index 3, term 2", got.Metadata, err)
		}
	})
}

func testContractApplySnapshot(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	snap := func(index, term uint64) pb.Snapshot {
		return pb.Snapshot{Data: []byte("data"), Metadata: pb.SnapshotMetadata{
			Index: index, Term: term, ConfState: pb.ConfState{Voters: []uint64{1, 2, 3}},
		}}
	}
	s := newStorage(t)
	if err := s.ApplySnapshot(snap(0, 0)); !errors.Is(err, ErrSnapOutOfDate) {
		t.Errorf("ApplySnapshot(index 0) on an empty storage: error = %v, want ErrSnapOutOfDate", err)
	}
	hs := pb.HardState{Term: 2, Vote: 1, Commit: 5}
	if err := s.SetHardState(hs); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, ent(1, 1, 0), ent(2, 1, 0))
	if err := s.ApplySnapshot(snap(5, 2)); err != nil {
		t.Fatalf("ApplySnapshot(5): %v", err)
	}
	check := func(wantIndex, wantTerm uint64) {
		t.Helper()
		first, last, got := logOf(t, s)
		if first != wantIndex+1 || last != wantIndex || len(got) != 0 {
			t.Errorf("log = first %d, last %d, %v; want first %d, last %d, empty", first, last, ids(got), wantIndex+1, wantIndex)
		}
		if term, err := s.Term(wantIndex); term != wantTerm || err != nil {
			t.Errorf("Term(%d) = %d, %v; want %d", wantIndex, term, err, wantTerm)
		}
		if got, err := s.Snapshot(); err != nil || !cmp.Equal(got, snap(wantIndex, wantTerm)) {
			t.Errorf("Snapshot() = %+v, %v; want %+v", got, err, snap(wantIndex, wantTerm))
		}
		gotHS, gotCS, err := s.InitialState()
		if err != nil || gotHS != hs || !cmp.Equal(gotCS, snap(0, 0).Metadata.ConfState) {
			t.Errorf("InitialState() = %+v, %+v, %v; want %+v, the snapshot's ConfState", gotHS, gotCS, err, hs)
		}
	}
	check(5, 2)
	for _, index := range []uint64{4, 5} {
		if err := s.ApplySnapshot(snap(index, 9)); !errors.Is(err, ErrSnapOutOfDate) {
			t.Errorf("ApplySnapshot(%d) after 5: error = %v, want ErrSnapOutOfDate", index, err)
		}
	}
	check(5, 2)
	// A newer snapshot replaces the entries too.
	mustAppend(t, s, ent(6, 2, 0), ent(7, 3, 0), ent(8, 3, 0))
	if err := s.ApplySnapshot(snap(7, 3)); err != nil {
		t.Fatalf("ApplySnapshot(7): %v", err)
	}
	check(7, 3)
}

func testContractInitialState(t *testing.T, s contractStorage) {
	hs, cs, err := s.InitialState()
	if err != nil || hs != (pb.HardState{}) || !reflect.DeepEqual(cs, pb.ConfState{}) {
		t.Errorf("InitialState() of an empty storage = %+v, %+v, %v; want zero values", hs, cs, err)
	}
	want := pb.HardState{Term: 7, Vote: 3, Commit: 4}
	if err := s.SetHardState(want); err != nil {
		t.Fatal(err)
	}
	if hs, _, err = s.InitialState(); hs != want || err != nil {
		t.Errorf("InitialState() = %+v, %v; want %+v", hs, err, want)
	}
}

// testContractReturnedSliceAppend checks that appending to a slice returned
// by Entries never changes what the storage holds.
func testContractReturnedSliceAppend(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	for _, maxSize := range []uint64{math.MaxUint64, 0} {
		s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 1), ent(5, 5, 1), ent(6, 6, 1))
		got, err := s.Entries(4, 6, maxSize)
		if err != nil {
			t.Fatal(err)
		}
		stranger := pb.Entry{Index: 99, Term: 99, Data: []byte("stranger")}
		// One at a time, so that the first append would land in spare
		// capacity if the storage had left any.
		got = append(got, stranger)
		got = append(got, stranger)
		got[0] = stranger // the caller may replace its own slots, not the entries' contents
		_, _, after := logOf(t, s)
		want := []pb.Entry{ent(4, 4, 1), ent(5, 5, 1), ent(6, 6, 1)}
		if diff := cmp.Diff(want, after); diff != "" {
			t.Errorf("maxSize %d: appending to the returned slice changed storage (-want +got):\n%s", maxSize, diff)
		}
	}
}

// testContractReturnedSliceStable checks that no later write changes a slice
// that Entries returned before it.
func testContractReturnedSliceStable(t *testing.T, newStorage func(t *testing.T) contractStorage) {
	s := storageAfterSnapshot3(t, newStorage, ent(4, 4, 1), ent(5, 5, 1), ent(6, 6, 1))
	type held struct {
		got  []pb.Entry
		want []pb.Entry
	}
	var holds []held
	hold := func(lo, hi uint64) {
		t.Helper()
		got, err := s.Entries(lo, hi, math.MaxUint64)
		if err != nil {
			t.Fatalf("Entries(%d, %d): %v", lo, hi, err)
		}
		if len(got) == 0 {
			return
		}
		want := make([]pb.Entry, len(got))
		for i, e := range got {
			want[i] = ent(e.Index, e.Term, len(e.Data))
		}
		holds = append(holds, held{got: got, want: want})
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"truncate at 5", func() error { return s.Append([]pb.Entry{ent(5, 7, 1)}) }},
		{"append at the end", func() error { return s.Append([]pb.Entry{ent(6, 7, 1), ent(7, 7, 1)}) }},
		{"truncate at 6", func() error { return s.Append([]pb.Entry{ent(6, 8, 1)}) }},
		{"compact to 4", func() error { return s.Compact(4) }},
		{"append after compaction", func() error { return s.Append([]pb.Entry{ent(7, 8, 1), ent(8, 8, 1)}) }},
		{"compact to 7", func() error { return s.Compact(7) }},
		{"append after the big compaction", func() error { return s.Append([]pb.Entry{ent(9, 8, 1)}) }},
		{"rewrite from the first index", func() error { return s.Append([]pb.Entry{ent(8, 9, 1), ent(9, 9, 1)}) }},
		{"apply a snapshot", func() error {
			return s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 20, Term: 9}})
		}},
		{"append after the snapshot", func() error { return s.Append([]pb.Entry{ent(21, 9, 1)}) }},
	}
	for _, step := range steps {
		first, last, _ := logOf(t, s)
		hold(first, last+1)
		if last >= first {
			hold(first, last) // a prefix, so there are stored entries after it
		}
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for i, h := range holds {
			if diff := cmp.Diff(h.want, h.got); diff != "" {
				t.Fatalf("after %q, slice %d returned earlier changed (-want +got):\n%s", step.name, i, diff)
			}
		}
	}
}

func TestEntrySize(t *testing.T) {
	// Worked out by hand from the wire format: each field is a one-byte tag
	// (field numbers 1..4) plus a varint; Data adds a varint length. A
	// varint carries 7 bits per byte.
	for _, tc := range []struct {
		name string
		e    pb.Entry
		want entryEncodingSize
	}{
		{"zero", pb.Entry{}, 6},
		{"empty non-nil data", pb.Entry{Data: []byte{}}, 8},
		{"small", pb.Entry{Term: 1, Index: 1, Data: []byte("abc")}, 11},
		{"term 127 fits one byte", pb.Entry{Term: 127}, 6},
		{"term 128 needs two", pb.Entry{Term: 128}, 7},
		{"index 16384 needs three", pb.Entry{Index: 16384}, 8},
		{"index 2^63 needs ten", pb.Entry{Index: 1 << 63}, 15},
		{"max term and index", pb.Entry{Term: math.MaxUint64, Index: math.MaxUint64}, 2 + 11 + 11},
		{"negative type is sign-extended", pb.Entry{Type: -1}, 11 + 2 + 2},
		{"conf change type", pb.Entry{Type: pb.EntryConfChangeV2}, 6},
		{"data of 127 bytes", pb.Entry{Data: make([]byte, 127)}, 6 + 1 + 1 + 127},
		{"data of 200 bytes has a two-byte length", pb.Entry{Data: make([]byte, 200)}, 6 + 1 + 2 + 200},
	} {
		if got := entrySize(&tc.e); got != tc.want {
			t.Errorf("%s: entrySize = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestLimitSizeEmpty(t *testing.T) {
	if got := limitSize(nil, 0); len(got) != 0 {
		t.Errorf("limitSize(nil, 0) = %v, want empty", got)
	}
}

func TestLimitSize(t *testing.T) {
	// Each entry (term 1, index below 128, 10 bytes of data) encodes to
	// 3 one-byte fields of 2 bytes, plus data: tag, length, 10 bytes = 18.
	three := []pb.Entry{ent(1, 1, 10), ent(2, 1, 10), ent(3, 1, 10)}
	for _, tc := range []struct {
		ents    []pb.Entry
		maxSize entryEncodingSize
		want    int
	}{
		{three[:1], 0, 1}, // one entry is returned whatever its size
		{three[:1], noLimit, 1},
		{three, 0, 1},
		{three, 17, 1},
		{three, 18, 1},
		{three, 35, 1},
		{three, 36, 2},
		{three, 53, 2},
		{three, 54, 3},
		{three, noLimit - 1, 3},
		{three, noLimit, 3},
	} {
		got := limitSize(tc.ents, tc.maxSize)
		if len(got) != tc.want || (len(got) > 0 && &got[0] != &tc.ents[0]) {
			t.Errorf("limitSize(%d entries, %d) = %d entries, want the first %d", len(tc.ents), tc.maxSize, len(got), tc.want)
		}
	}
}

// TestStorageMethodSets guards the drop-in promise: Storage has exactly
// v3.6's six methods with v3.6's signatures, split between its two parts.
func TestStorageMethodSets(t *testing.T) {
	want := map[string][]string{
		"LogStorage": {
			"Entries func(uint64, uint64, uint64) ([]raftpb.Entry, error)",
			"FirstIndex func() (uint64, error)",
			"LastIndex func() (uint64, error)",
			"Term func(uint64) (uint64, error)",
		},
		"StateStorage": {
			"InitialState func() (raftpb.HardState, raftpb.ConfState, error)",
			"Snapshot func() (raftpb.Snapshot, error)",
		},
		"Storage": {
			"Entries func(uint64, uint64, uint64) ([]raftpb.Entry, error)",
			"FirstIndex func() (uint64, error)",
			"InitialState func() (raftpb.HardState, raftpb.ConfState, error)",
			"LastIndex func() (uint64, error)",
			"Snapshot func() (raftpb.Snapshot, error)",
			"Term func(uint64) (uint64, error)",
		},
	}
	for name, typ := range map[string]reflect.Type{
		"LogStorage":   reflect.TypeFor[LogStorage](),
		"StateStorage": reflect.TypeFor[StateStorage](),
		"Storage":      reflect.TypeFor[Storage](),
	} {
		if diff := cmp.Diff(want[name], methodSignatures(typ)); diff != "" {
			t.Errorf("%s method set (-want +got):\n%s", name, diff)
		}
	}
}

// methodSignatures lists an interface's methods as "Name func(...) ..." in
// name order.
func methodSignatures(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		out = append(out, m.Name+" "+m.Type.String())
	}
	return out
}

func TestStorageErrorMessages(t *testing.T) {
	// v3.6's texts: applications match some of these by string.
	for err, want := range map[error]string{
		ErrCompacted:                      "requested index is unavailable due to compaction",
		ErrSnapOutOfDate:                  "requested index is older than the existing snapshot",
		ErrUnavailable:                    "requested entry at index is unavailable",
		ErrSnapshotTemporarilyUnavailable: "snapshot is temporarily unavailable",
	} {
		if err.Error() != want {
			t.Errorf("error text %q, want %q", err.Error(), want)
		}
	}
}
