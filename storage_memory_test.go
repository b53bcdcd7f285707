package raft

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/tickraft/raft/raftpb"
)

var _ Storage = (*MemoryStorage)(nil)

func TestMemoryStorageContract(t *testing.T) {
	runStorageContract(t, func(*testing.T) contractStorage { return NewMemoryStorage() })
}

// TestMemoryStoragePanics checks the calls that break a local contract:
// they panic with a message naming the rule, leave the storage as it was,
// and release the lock.
func TestMemoryStoragePanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(s *MemoryStorage)
		want string
	}{
		{
			name: "append with a gap",
			call: func(s *MemoryStorage) { _ = s.Append([]pb.Entry{ent(8, 5, 0)}) },
			want: "first entry index 8 leaves a gap after the last index 6",
		},
		{
			name: "append non-consecutive indexes",
			call: func(s *MemoryStorage) { _ = s.Append([]pb.Entry{ent(7, 5, 0), ent(9, 5, 0)}) },
			want: "entry index 9 follows index 7; appended entries must have consecutive indexes",
		},
		{
			name: "append repeated index",
			call: func(s *MemoryStorage) { _ = s.Append([]pb.Entry{ent(5, 5, 0), ent(5, 6, 0)}) },
			want: "entry index 5 follows index 5",
		},
		{
			name: "compact past the last index",
			call: func(s *MemoryStorage) { _ = s.Compact(7) },
			want: "index 7 is past the last index 6; only entries in the log can be compacted",
		},
		{
			name: "snapshot past the last index",
			call: func(s *MemoryStorage) { _, _ = s.CreateSnapshot(7, nil, nil) },
			want: "index 7 is past the last index 6; a snapshot may only cover entries in the log",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemoryStorage()
			if err := s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 3, Term: 3}}); err != nil {
				t.Fatal(err)
			}
			mustAppend(t, s, ent(4, 4, 0), ent(5, 5, 0), ent(6, 6, 0))
			msg := recoverPanic(func() { tc.call(s) })
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "raft: MemoryStorage.") {
				t.Errorf("panic message %q, want it to start with %q and contain %q", msg, "raft: MemoryStorage.", tc.want)
			}
			first, last, got := logOf(t, s) // would deadlock if the lock were held
			if first != 4 || last != 6 || !cmp.Equal(ids(got), [][2]uint64{{4, 4}, {5, 5}, {6, 6}}) {
				t.Errorf("storage changed by a rejected call: first %d, last %d, %v", first, last, ids(got))
			}
		})
	}
}

// recoverPanic runs f and returns the message it panicked with, or "" if it
// returned normally.
func recoverPanic(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestMemoryStorageEmptyLogEntriesBeyondEnd is where tickraft parts from
// v3.6 on purpose: a range past the end is reported as ErrUnavailable, the
// documented Storage error, instead of a panic.
func TestMemoryStorageEmptyLogEntriesBeyondEnd(t *testing.T) {
	s := NewMemoryStorage()
	mustAppend(t, s, ent(1, 1, 0))
	if _, err := s.Entries(1, 5, math.MaxUint64); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Entries(1, 5) with last index 1: error = %v, want ErrUnavailable", err)
	}
}

func TestMemoryStorageConfStateIsolated(t *testing.T) {
	s := NewMemoryStorage()
	mustAppend(t, s, ent(1, 1, 0), ent(2, 1, 0))
	voters := make([]uint64, 2, 8) // spare capacity that an append could reach
	voters[0], voters[1] = 1, 2
	cs := pb.ConfState{Voters: voters}
	if _, err := s.CreateSnapshot(2, &cs, []byte("x")); err != nil {
		t.Fatal(err)
	}
	voters[0] = 9 // the caller reuses its slice
	_, got, _ := s.InitialState()
	got.Voters = append(got.Voters, 7) // the reader extends what it got
	snap, _ := s.Snapshot()
	snap.Data = append(snap.Data, 'y')
	_, again, _ := s.InitialState()
	if want := []uint64{1, 2}; !cmp.Equal(again.Voters, want) {
		t.Errorf("stored voters = %v, want %v", again.Voters, want)
	}
	if stored, _ := s.Snapshot(); string(stored.Data) != "x" || len(stored.Data) != cap(stored.Data) {
		t.Errorf("stored snapshot data = %q (cap %d), want %q capped at its length", stored.Data, cap(stored.Data), "x")
	}
}

// The snapshot is stored compactly (its ConfState's lists in one array) and
// rebuilt on the way out: every list comes back as given, nil and empty
// ones included, and CreateSnapshot without a ConfState keeps the last one.
func TestMemoryStorageSnapshotRoundTrip(t *testing.T) {
	for _, cs := range []pb.ConfState{
		{},
		{Voters: []uint64{1, 2, 3}},
		{Voters: []uint64{}, Learners: []uint64{}, VotersOutgoing: []uint64{}, LearnersNext: []uint64{}},
		{Voters: []uint64{1, 2}, Learners: []uint64{4}, VotersOutgoing: []uint64{1, 2, 3}, LearnersNext: []uint64{3}, AutoLeave: true},
		{LearnersNext: []uint64{5, 6}},
		{Learners: []uint64{7}, LearnersNext: []uint64{}},
	} {
		s := NewMemoryStorage()
		in := pb.Snapshot{Data: []byte("d"), Metadata: pb.SnapshotMetadata{Index: 3, Term: 2, ConfState: cs}}
		if err := s.ApplySnapshot(in); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Snapshot()
		_, gotCS, _ := s.InitialState()
		if !cmp.Equal(got, in) || !cmp.Equal(gotCS, cs) {
			t.Errorf("stored %s; Snapshot gives %s, InitialState %s", in.String(), got.String(), gotCS.String())
		}
		mustAppend(t, s, ent(4, 2, 0))
		created, err := s.CreateSnapshot(4, nil, []byte("e"))
		if err != nil {
			t.Fatal(err)
		}
		want := pb.Snapshot{Data: []byte("e"), Metadata: pb.SnapshotMetadata{Index: 4, Term: 2, ConfState: cs}}
		if again, _ := s.Snapshot(); !cmp.Equal(created, want) || !cmp.Equal(again, want) {
			t.Errorf("CreateSnapshot(4, nil) gives %s, then Snapshot %s; want %s", created.String(), again.String(), want.String())
		}
	}
}

// TestMemoryStorageCompactBoundsDeadEntries checks that compacted entries
// kept in the backing array never outnumber the live ones, so memory stays
// proportional to the log even though Compact usually only reslices.
func TestMemoryStorageCompactBoundsDeadEntries(t *testing.T) {
	s := NewMemoryStorage()
	for i := uint64(1); i <= 100; i++ {
		mustAppend(t, s, ent(i, 1, 0))
	}
	for _, tc := range []struct {
		compact  uint64
		wantDead int
		wantLen  int
	}{
		{compact: 10, wantDead: 10, wantLen: 90}, // 10 dead <= 90 live: reslice
		{compact: 40, wantDead: 40, wantLen: 60}, // 40 <= 60: reslice
		{compact: 50, wantDead: 50, wantLen: 50}, // 50 <= 50: still reslice
		{compact: 51, wantDead: 0, wantLen: 49},  // 51 > 49: copy out
		{compact: 99, wantDead: 0, wantLen: 1},   // 48 > 1: copy out
		{compact: 100, wantDead: 0, wantLen: 0},  // 1 > 0: copy out
	} {
		if err := s.Compact(tc.compact); err != nil {
			t.Fatal(err)
		}
		s.Lock()
		dead, n := s.dead(), len(s.log())
		s.Unlock()
		if dead != tc.wantDead || n != tc.wantLen {
			t.Errorf("after Compact(%d): %d dead, %d live; want %d, %d", tc.compact, dead, n, tc.wantDead, tc.wantLen)
		}
	}
}

func TestMemoryStorageReadsDoNotAllocate(t *testing.T) {
	s := NewMemoryStorage()
	for i := uint64(1); i <= 64; i++ {
		mustAppend(t, s, ent(i, i, 32))
	}
	for name, read := range map[string]func(){
		"Entries":         func() { _, _ = s.Entries(10, 60, math.MaxUint64) },
		"Entries limited": func() { _, _ = s.Entries(10, 60, 200) },
		"Term":            func() { _, _ = s.Term(33) },
		"LastIndex":       func() { _, _ = s.LastIndex() },
		"FirstIndex":      func() { _, _ = s.FirstIndex() },
	} {
		if allocs := testing.AllocsPerRun(100, read); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, allocs)
		}
	}
}

// TestMemoryStorageAppendAmortized checks that appending one entry at a time
// costs less than one allocation per call on average: the log grows by
// doubling, not by copying on every append.
func TestMemoryStorageAppendAmortized(t *testing.T) {
	s := NewMemoryStorage()
	batch := make([]pb.Entry, 1)
	next := uint64(1)
	allocs := testing.AllocsPerRun(5000, func() {
		batch[0] = pb.Entry{Index: next, Term: 1}
		_ = s.Append(batch)
		next++
	})
	if allocs != 0 { // AllocsPerRun truncates the average to an integer
		t.Errorf("Append at the end: %v allocations per call on average, want < 1", allocs)
	}
	if last := mustIndex(t, s.LastIndex); last != next-1 {
		t.Errorf("LastIndex = %d, want %d", last, next-1)
	}
}

// The counting wrapper the tests read Storage calls through counts each
// method once per call and answers as the storage does.
func TestCountingStorage(t *testing.T) {
	ms := NewMemoryStorage()
	mustAppend(t, ms, ent(1, 1, 0), ent(2, 1, 0))
	s := &countingStorage{MemoryStorage: ms}
	var st Storage = s
	_, _, _ = st.InitialState()
	for range 2 {
		if got, err := st.Entries(1, 3, math.MaxUint64); err != nil || len(got) != 2 {
			t.Fatalf("Entries(1, 3) = %v, %v through the wrapper, want 2 entries", got, err)
		}
	}
	for range 3 {
		if got, err := st.Term(2); err != nil || got != 1 {
			t.Fatalf("Term(2) = %d, %v through the wrapper, want 1", got, err)
		}
	}
	for range 4 {
		if got, err := st.LastIndex(); err != nil || got != 2 {
			t.Fatalf("LastIndex() = %d, %v through the wrapper, want 2", got, err)
		}
	}
	for range 5 {
		if got, err := st.FirstIndex(); err != nil || got != 1 {
			t.Fatalf("FirstIndex() = %d, %v through the wrapper, want 1", got, err)
		}
	}
	for range 6 {
		_, _ = st.Snapshot()
	}
	want := storageCallCounts{initialState: 1, entries: 2, term: 3, lastIndex: 4, firstIndex: 5, snapshot: 6}
	if got := s.callCounts(); got != want {
		t.Errorf("callCounts() = %+v, want %+v", got, want)
	}
}

// concurrentTerm is the term of index i in TestMemoryStorageConcurrent:
// non-decreasing, and checkable by any reader.
func concurrentTerm(i uint64) uint64 { return i/8 + 1 }

// concurrentEntry is entry i of TestMemoryStorageConcurrent as written in
// the given round: its Data holds the index, checkable by any reader, and
// the round, which tells a rewrite apart from the original.
func concurrentEntry(i uint64, round int) pb.Entry {
	return pb.Entry{Index: i, Term: concurrentTerm(i), Data: []byte{byte(i), byte(round)}}
}

// TestMemoryStorageConcurrent runs readers against a writer that appends,
// rewrites the tail with the same entries, compacts and snapshots. Readers
// check every entry they see, and keep the slices they were handed with a
// copy of them: a rewrite that went into a shared array would show as a
// changed round byte, and as a race under -race.
func TestMemoryStorageConcurrent(t *testing.T) {
	s := NewMemoryStorage()
	done := make(chan struct{})
	errs := make(chan error, 8)
	var readers sync.WaitGroup
	for _, r := range []struct {
		maxSize uint64
		tail    bool
	}{{0, false}, {math.MaxUint64, false}, {math.MaxUint64, true}} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			errs <- readConcurrently(s, done, r.maxSize, r.tail)
		}()
	}

	var last uint64
	for round := 1; round <= 1000; round++ {
		batch := make([]pb.Entry, 0, 4)
		for range 4 {
			last++
			batch = append(batch, concurrentEntry(last, round))
		}
		mustAppend(t, s, batch...)
		runtime.Gosched() // let readers in between the writes
		if round%8 == 0 {
			// Rewrite the tail, starting in the previous round's batch,
			// which readers may hold.
			rewrite := make([]pb.Entry, 0, 6)
			for i := last - 5; i <= last; i++ {
				rewrite = append(rewrite, concurrentEntry(i, -round))
			}
			mustAppend(t, s, rewrite...)
		}
		if round%16 == 0 {
			if err := s.Compact(last - 20); err != nil {
				t.Fatal(err)
			}
		}
		if round%32 == 0 {
			if _, err := s.CreateSnapshot(last-20, &pb.ConfState{Voters: []uint64{1}}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// readConcurrently reads s until done is closed and returns the first
// inconsistency it sees. It reads from the first index, or with tail set
// only the last eight entries. It keeps slices it was handed, with a deep copy
// of each, and checks at the end that none changed.
func readConcurrently(s *MemoryStorage, done <-chan struct{}, maxSize uint64, tail bool) error {
	type held struct{ got, copied []pb.Entry }
	var holds []held
	for {
		select {
		case <-done:
			for _, h := range holds {
				for i, then := range h.copied {
					now := h.got[i]
					if now.Index != then.Index || now.Term != then.Term || !bytes.Equal(now.Data, then.Data) {
						return fmt.Errorf("a slice returned earlier changed: entry %+v became %+v", then, now)
					}
				}
			}
			return nil
		default:
		}
		first, _ := s.FirstIndex()
		last, _ := s.LastIndex()
		lo := first
		if tail && last >= first+7 {
			lo = last - 7 // where the writer rewrites entries
		}
		ents, err := s.Entries(lo, last+1, maxSize)
		if errors.Is(err, ErrCompacted) {
			continue // a compaction ran between FirstIndex and Entries
		}
		if err != nil {
			return fmt.Errorf("Entries(%d, %d): %w", lo, last+1, err)
		}
		if len(ents) > 0 && ents[0].Index != lo {
			return fmt.Errorf("Entries(%d, ...) starts at %d", lo, ents[0].Index)
		}
		if err := checkConcurrentEntries(ents); err != nil {
			return err
		}
		if term, err := s.Term(last); last > 0 && err == nil && term != concurrentTerm(last) {
			return fmt.Errorf("Term(%d) = %d, want %d", last, term, concurrentTerm(last))
		}
		if snap, _ := s.Snapshot(); snap.Metadata.Index > 0 && snap.Metadata.Term != concurrentTerm(snap.Metadata.Index) {
			return fmt.Errorf("snapshot at %d has term %d", snap.Metadata.Index, snap.Metadata.Term)
		}
		if len(holds) < 5000 && len(ents) > 0 {
			copied := make([]pb.Entry, len(ents))
			for i, e := range ents {
				copied[i] = e
				copied[i].Data = bytes.Clone(e.Data)
			}
			holds = append(holds, held{got: ents, copied: copied})
		}
	}
}

func checkConcurrentEntries(ents []pb.Entry) error {
	for i, e := range ents {
		if i > 0 && e.Index != ents[i-1].Index+1 {
			return fmt.Errorf("index %d follows %d", e.Index, ents[i-1].Index)
		}
		if e.Term != concurrentTerm(e.Index) || len(e.Data) != 2 || e.Data[0] != byte(e.Index) {
			return fmt.Errorf("entry %d has term %d, data %v", e.Index, e.Term, e.Data)
		}
	}
	return nil
}

// BenchmarkMemoryStorageSteadyState is the path a leader's storage sees in
// steady state: append one 256-byte entry at the end, read its term, read it
// back, and compact now and then so the log stays bounded.
func BenchmarkMemoryStorageSteadyState(b *testing.B) {
	s := NewMemoryStorage()
	data := make([]byte, 256)
	batch := make([]pb.Entry, 1)
	index := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		index++
		batch[0] = pb.Entry{Index: index, Term: 1, Data: data}
		if err := s.Append(batch); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Term(index); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Entries(index, index+1, 1<<20); err != nil {
			b.Fatal(err)
		}
		if index%4096 == 0 {
			if err := s.Compact(index - 1024); err != nil {
				b.Fatal(err)
			}
		}
	}
}
