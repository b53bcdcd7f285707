package raft

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/tickraft/raft/raftpb"
)

// appendRange appends entries lo..hi at term, with payloads that name their
// index, one Append call each.
func appendRange(t *testing.T, s *MemoryStorage, lo, hi, term uint64) {
	t.Helper()
	for i := lo; i <= hi; i++ {
		mustAppend(t, s, pb.Entry{Index: i, Term: term, Data: []byte{byte(i), byte(i >> 8), byte(term)}})
	}
}

// cloneEntries deep-copies ents, payloads included.
func cloneEntries(ents []pb.Entry) []pb.Entry {
	out := make([]pb.Entry, len(ents))
	for i, e := range ents {
		out[i] = e
		out[i].Data = append([]byte(nil), e.Data...)
	}
	return out
}

// Slices returned by Entries keep their contents through every later
// compaction, move, growth and truncation: once an array has been handed
// out, MemoryStorage writes only into slots past what it handed out, or
// into a new array (v3.6 never writes into a handed-out slot either).
func TestMemoryStorageReturnedEntriesNeverOverwritten(t *testing.T) {
	s := NewMemoryStorage()
	appendRange(t, s, 1, 60, 1)
	var held, want [][]pb.Entry
	hold := func(lo, hi uint64) {
		t.Helper()
		ents, err := s.Entries(lo, hi, math.MaxUint64)
		if err != nil {
			t.Fatal(err)
		}
		held, want = append(held, ents), append(want, cloneEntries(ents))
	}
	check := func(stage string) {
		t.Helper()
		for i := range held {
			if diff := cmp.Diff(want[i], held[i]); diff != "" {
				t.Fatalf("%s: slice %d changed (-want +got):\n%s", stage, i, diff)
			}
		}
	}
	hold(5, 20)
	hold(40, 61)
	steps := []struct {
		name string
		do   func()
	}{
		{"compact to 30 (reslice)", func() { _ = s.Compact(30) }},
		{"compact to 45 (move)", func() { _ = s.Compact(45) }},
		{"append 61..200 (growth)", func() { appendRange(t, s, 61, 200, 1) }},
		{"hold 150..170", func() { hold(150, 171) }},
		{"truncate at 160", func() { appendRange(t, s, 160, 165, 2) }},
		{"compact to 164 (move)", func() { _ = s.Compact(164) }},
		{"append 166..400", func() { appendRange(t, s, 166, 400, 2) }},
		{"compact to 400 (move)", func() { _ = s.Compact(400) }},
		{"append 401..600", func() { appendRange(t, s, 401, 600, 2) }},
		{"compact to 600", func() { _ = s.Compact(600) }},
	}
	for _, st := range steps {
		st.do()
		check(st.name)
	}
	if first, last := mustIndex(t, s.FirstIndex), mustIndex(t, s.LastIndex); first != 601 || last != 600 {
		t.Errorf("FirstIndex, LastIndex = %d, %d; want 601, 600", first, last)
	}
}

// A log compacted in cycles, with no Entries call in between, reuses its
// array: the live entries move to its front and no cycle allocates once the
// array has grown to the cycle's length.
func TestMemoryStorageCompactionCyclesReuseArray(t *testing.T) {
	s := NewMemoryStorage()
	batch := make([]pb.Entry, 1)
	next := uint64(1)
	fill := func() {
		for range 100 {
			batch[0] = pb.Entry{Index: next, Term: 1}
			_ = s.Append(batch)
			next++
		}
	}
	cycle := func() {
		fill()
		_ = s.Compact(next - 3) // keep two entries
	}
	cycle() // grow the array
	s.Lock()
	base := &s.buf[:1][0]
	s.Unlock()
	if allocs := testing.AllocsPerRun(50, cycle); allocs != 0 {
		t.Errorf("%v allocations per append-and-compact cycle, want 0", allocs)
	}
	s.Lock()
	if &s.buf[:1][0] != base {
		t.Error("the log moved to a new array although none was handed out")
	}
	if s.dead() != 0 || len(s.buf) != 2 {
		t.Errorf("after the last cycle: %d dead, %d live; want 0, 2", s.dead(), len(s.buf))
	}
	s.Unlock()
	for i, want := range []uint64{next - 2, next - 1} {
		if term, err := s.Term(want); err != nil || term != 1 {
			t.Errorf("entry %d: Term = %d, %v; want 1", i, term, err)
		}
	}

	// Once Entries has handed out part of the array, the next move
	// allocates a new one.
	fill()
	if _, err := s.Entries(next-50, next-40, math.MaxUint64); err != nil {
		t.Fatal(err)
	}
	_ = s.Compact(next - 3)
	s.Lock()
	moved := &s.buf[:1][0] != base
	s.Unlock()
	if !moved {
		t.Error("the log stayed in an array that Entries had handed out")
	}
}

// Compacted slots of an array nobody else sees are cleared at once, so a
// compacted entry's payload is not kept alive by the storage.
func TestMemoryStorageCompactClearsUnsharedSlots(t *testing.T) {
	s := NewMemoryStorage()
	appendRange(t, s, 1, 40, 1)
	for _, c := range []uint64{10, 25, 39} {
		if err := s.Compact(c); err != nil {
			t.Fatal(err)
		}
		s.Lock()
		all := s.buf[:cap(s.buf)]
		for i, e := range all {
			live := i >= s.dead() && i < len(s.buf)
			if !live && (e.Index != 0 || e.Data != nil) {
				t.Errorf("after Compact(%d): dead or free slot %d holds entry %d", c, i, e.Index)
			}
			if live && e.Index != c+1+uint64(i-s.dead()) {
				t.Errorf("after Compact(%d): slot %d holds entry %d, want %d", c, i, e.Index, c+1+uint64(i-s.dead()))
			}
		}
		s.Unlock()
	}
}

// A log that stays short after a burst gives the burst's room back: a
// reused array must have been filled to a quarter since the last move.
func TestMemoryStorageShortLogShrinksArray(t *testing.T) {
	s := NewMemoryStorage()
	appendRange(t, s, 1, 1000, 1)
	_ = s.Compact(1000)
	next := uint64(1001)
	for range 40 {
		appendRange(t, s, next, next+3, 1)
		next += 4
		_ = s.Compact(next - 1)
	}
	s.Lock()
	c := cap(s.buf)
	s.Unlock()
	if c > 64 {
		t.Errorf("array of %d entries kept for a log of at most 4", c)
	}
}
