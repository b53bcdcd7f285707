package raft

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// ents builds entries with consecutive indexes from first and the given
// terms.
func ents(first uint64, terms ...uint64) []pb.Entry {
	out := make([]pb.Entry, len(terms))
	for i, t := range terms {
		out[i] = pb.Entry{Index: first + uint64(i), Term: t}
	}
	return out
}

func TestLogSliceValid(t *testing.T) {
	for _, tc := range []struct {
		s  logSlice
		ok bool
	}{
		{logSlice{term: 1}, true},
		{logSlice{term: 3, prev: entryID{2, 5}, entries: ents(6, 2, 3, 3)}, true},
		{logSlice{term: 1, prev: entryID{2, 5}}, false},                         // prev term above leader term
		{logSlice{term: 3, prev: entryID{2, 5}, entries: ents(7, 3)}, false},    // gap
		{logSlice{term: 3, prev: entryID{2, 5}, entries: ents(5, 3)}, false},    // overlap
		{logSlice{term: 3, prev: entryID{2, 5}, entries: ents(6, 1)}, false},    // term below prev
		{logSlice{term: 3, prev: entryID{2, 5}, entries: ents(6, 4)}, false},    // term above leader
		{logSlice{term: 3, prev: entryID{2, 5}, entries: ents(6, 3, 2)}, false}, // decreasing
	} {
		if err := tc.s.valid(); (err == nil) != tc.ok {
			t.Errorf("%+v: valid() = %v, want ok=%v", tc.s, err, tc.ok)
		}
	}
}

func TestLogSliceForward(t *testing.T) {
	s := logSlice{term: 3, prev: entryID{1, 4}, entries: ents(5, 2, 3, 3)}
	if got := s.forward(4); got.prev != s.prev || len(got.entries) != 3 {
		t.Fatalf("forward(4) = %+v", got)
	}
	got := s.forward(6)
	if got.prev != (entryID{3, 6}) || len(got.entries) != 1 || got.entries[0].Index != 7 {
		t.Fatalf("forward(6) = %+v", got)
	}
	if s.lastEntryID() != (entryID{3, 7}) || s.mark() != (logMark{3, 7}) {
		t.Fatalf("last %v mark %v", s.lastEntryID(), s.mark())
	}
	if !(logMark{3, 1}).after(logMark{2, 9}) || (logMark{3, 1}).after(logMark{3, 1}) {
		t.Fatal("logMark.after orders by term, then index")
	}
}

func newTestLog(t *testing.T, s *MemoryStorage) *raftLog {
	t.Helper()
	l, err := newLog(s, discardLogger{}, unlimitedSize)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

const unlimitedSize = entryEncodingSize(noLimit)

func TestUnstableStableToIgnoresOtherTerms(t *testing.T) {
	u := newUnstable(entryID{1, 3})
	u.truncateAndAppend(logSlice{term: 2, prev: entryID{1, 3}, entries: ents(4, 2, 2)})
	if got := u.nextEntries(); len(got) != 2 || cap(got) != 2 {
		t.Fatalf("nextEntries = %v (cap %d), want 2 capped entries", got, cap(got))
	}
	u.acceptInProgress()
	if u.nextEntries() != nil {
		t.Fatal("entries handed out twice")
	}
	// A new leader rewrites index 5 and makes the old write's mark stale.
	u.truncateAndAppend(logSlice{term: 3, prev: entryID{2, 4}, entries: ents(5, 3)})
	if u.stableTo(logMark{2, 5}) {
		t.Fatal("a mark of an older accepted term must be ignored")
	}
	if got := u.nextEntries(); len(got) != 2 || got[0].Index != 4 {
		t.Fatalf("after a term change everything unstable is written again, got %v", got)
	}
	u.acceptInProgress()
	if u.stableTo(logMark{3, 9}) {
		t.Fatal("a mark past the log must be ignored")
	}
	if !u.stableTo(logMark{3, 4}) || u.prev != (entryID{2, 4}) || len(u.entries) != 1 {
		t.Fatalf("stableTo(4@3): prev %v entries %v", u.prev, u.entries)
	}
	if u.stableTo(logMark{3, 4}) {
		t.Fatal("a duplicate mark changes nothing")
	}
	if !u.stableTo(logMark{3, 5}) || len(u.entries) != 0 || u.prev != (entryID{3, 5}) {
		t.Fatalf("stableTo(5@3): prev %v entries %v", u.prev, u.entries)
	}
}

func TestUnstableSnapshot(t *testing.T) {
	u := newUnstable(entryID{1, 3})
	snap := &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 10, Term: 4}}
	u.restore(snap, 5)
	if u.nextSnapshot() != snap || u.lastEntryID() != (entryID{4, 10}) {
		t.Fatal("restore must expose the snapshot and end the log at it")
	}
	u.truncateAndAppend(logSlice{term: 5, prev: entryID{4, 10}, entries: ents(11, 5)})
	u.acceptInProgress()
	if u.nextSnapshot() != nil {
		t.Fatal("snapshot handed out twice")
	}
	if tm, ok := u.maybeTerm(10); !ok || tm != 4 {
		t.Fatalf("maybeTerm(10) = %d, %v", tm, ok)
	}
	if u.stableTo(logMark{5, 9}) {
		t.Fatal("a mark before the snapshot must be ignored")
	}
	if u.stableTo(logMark{5, 10}) || u.snapshot == nil {
		t.Fatal("a mark alone does not make the snapshot durable: its acknowledgement names it")
	}
	if !u.stableSnapTo(entryID{4, 10}) || u.snapshot != nil || len(u.entries) != 1 {
		t.Fatal("acknowledging the snapshot makes it durable and keeps the entries after it")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("truncating below an unstable snapshot must panic")
		}
	}()
	u.restore(snap, 5)
	u.truncateAndAppend(logSlice{term: 6, prev: entryID{4, 9}})
}

func TestUnstableTruncateCopiesHandedOutEntries(t *testing.T) {
	u := newUnstable(entryID{0, 0})
	u.truncateAndAppend(logSlice{term: 1, entries: ents(1, 1, 1, 1)})
	handed := u.nextEntries()
	u.acceptInProgress()
	u.truncateAndAppend(logSlice{term: 2, prev: entryID{1, 1}, entries: ents(2, 2)})
	if handed[1].Term != 1 || handed[2].Term != 1 {
		t.Fatalf("a truncation wrote into a slice handed out before: %v", handed)
	}
	_ = append(handed, pb.Entry{Index: 99}) // the caller may append freely
	if got := u.entries; len(got) != 2 || got[1].Term != 2 {
		t.Fatalf("entries = %v", got)
	}
}

func TestLogTermAndMatch(t *testing.T) {
	s := NewMemoryStorage()
	if err := s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 3, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ents(4, 1, 2)); err != nil {
		t.Fatal(err)
	}
	l := newTestLog(t, s)
	l.leaderAppend(ents(6, 3, 3)...)
	for _, tc := range []struct {
		i    uint64
		term uint64
		err  error
	}{
		{2, 0, ErrCompacted}, {3, 1, nil}, {4, 1, nil}, {5, 2, nil}, {6, 3, nil}, {7, 3, nil}, {8, 0, ErrUnavailable},
	} {
		tm, err := l.term(tc.i)
		if tm != tc.term || !errors.Is(err, tc.err) {
			t.Errorf("term(%d) = %d, %v; want %d, %v", tc.i, tm, err, tc.term, tc.err)
		}
	}
	if l.firstIndex() != 4 || l.lastIndex() != 7 {
		t.Fatalf("first %d last %d", l.firstIndex(), l.lastIndex())
	}
	if !l.matchTerm(entryID{2, 5}) || l.matchTerm(entryID{3, 5}) || l.matchTerm(entryID{3, 8}) {
		t.Fatal("matchTerm")
	}
	// Last entry 3/7: up to date means a higher term, or the same term and
	// an index at least as high.
	for _, tc := range []struct {
		id entryID
		ok bool
	}{{entryID{3, 7}, true}, {entryID{3, 6}, false}, {entryID{4, 1}, true}, {entryID{2, 100}, false}} {
		if l.isUpToDate(tc.id) != tc.ok {
			t.Errorf("isUpToDate(%v) != %v", tc.id, tc.ok)
		}
	}
}

func TestLogMaybeAppend(t *testing.T) {
	newL := func() *raftLog {
		s := NewMemoryStorage()
		if err := s.Append(ents(1, 1, 2, 2)); err != nil {
			t.Fatal(err)
		}
		l := newTestLog(t, s)
		l.commitTo(1)
		return l
	}
	for i, tc := range []struct {
		s       logSlice
		ok      bool
		err     bool
		last    uint64
		accTerm uint64
	}{
		// prev does not match: nothing changes.
		{logSlice{term: 3, prev: entryID{1, 3}, entries: ents(4, 3)}, false, false, 3, 2},
		{logSlice{term: 3, prev: entryID{3, 5}}, false, false, 3, 2},
		// append at the end.
		{logSlice{term: 3, prev: entryID{2, 3}, entries: ents(4, 3)}, true, false, 4, 3},
		// all entries already present and the log ends there: accepted term moves.
		{logSlice{term: 3, prev: entryID{1, 1}, entries: ents(2, 2, 2)}, true, false, 3, 3},
		// all present but the log is longer: the tail may not be the leader's.
		{logSlice{term: 3, prev: entryID{1, 1}, entries: ents(2, 2)}, true, false, 3, 2},
		// conflict at 3 truncates.
		{logSlice{term: 3, prev: entryID{1, 1}, entries: ents(2, 2, 3)}, true, false, 3, 3},
		// conflict at a committed index is refused.
		{logSlice{term: 3, prev: entryID{0, 0}, entries: ents(1, 3)}, false, true, 3, 2},
	} {
		l := newL()
		ok, err := l.maybeAppend(tc.s)
		if ok != tc.ok || (err != nil) != tc.err || l.lastIndex() != tc.last || l.accTerm() != tc.accTerm {
			t.Errorf("#%d: ok=%v err=%v last=%d accTerm=%d, want %v %v %d %d",
				i, ok, err, l.lastIndex(), l.accTerm(), tc.ok, tc.err, tc.last, tc.accTerm)
		}
	}
}

func TestLogSliceAcrossStorageAndUnstable(t *testing.T) {
	s := NewMemoryStorage()
	if err := s.Append(ents(1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	l := newTestLog(t, s)
	l.leaderAppend(ents(4, 1, 1)...)
	size := entrySize(&pb.Entry{Index: 1, Term: 1})
	for _, tc := range []struct {
		lo, hi uint64
		max    entryEncodingSize
		want   int
	}{
		{1, 6, unlimitedSize, 5}, {1, 6, 0, 1}, {1, 6, 4 * size, 4}, {2, 5, 2 * size, 2}, {4, 6, 0, 1}, {3, 3, 0, 0},
	} {
		got, err := l.slice(tc.lo, tc.hi, tc.max)
		if err != nil || len(got) != tc.want {
			t.Errorf("slice(%d, %d, %d) = %d entries, %v; want %d", tc.lo, tc.hi, tc.max, len(got), err, tc.want)
			continue
		}
		for i := range got {
			if got[i].Index != tc.lo+uint64(i) {
				t.Errorf("slice(%d, %d): entry %d has index %d", tc.lo, tc.hi, i, got[i].Index)
			}
		}
	}
	if _, err := l.slice(0, 2, unlimitedSize); !errors.Is(err, ErrCompacted) {
		t.Errorf("slice below first: %v", err)
	}
	if _, err := l.slice(2, 8, unlimitedSize); !errors.Is(err, ErrUnavailable) {
		t.Errorf("slice past last: %v", err)
	}
}

func TestLogApplyPaging(t *testing.T) {
	for _, max := range []entryEncodingSize{0, 1, 25, unlimitedSize} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			s := NewMemoryStorage()
			if err := s.Append(ents(1, 1, 1, 1, 1, 1)); err != nil {
				t.Fatal(err)
			}
			l, err := newLog(s, discardLogger{}, max)
			if err != nil {
				t.Fatal(err)
			}
			l.commitTo(5)
			// Hand out, without applying, until paused; then apply and go on.
			var applied uint64
			for rounds := 0; applied < 5; rounds++ {
				if rounds > 20 {
					t.Fatal("applying stalled")
				}
				var handed []pb.Entry
				for l.hasNextCommittedEnts(false) {
					es, err := l.nextCommittedEnts(false)
					if err != nil || len(es) == 0 {
						t.Fatalf("nextCommittedEnts = %v, %v", es, err)
					}
					var sz entryEncodingSize
					for i := range es {
						sz += entrySize(&es[i])
					}
					if es[0].Index != l.applying+1 {
						t.Fatalf("entries start at %d, applying %d", es[0].Index, l.applying)
					}
					l.acceptApplying(es[len(es)-1].Index, sz)
					handed = append(handed, es...)
					if max == 0 && len(handed) > 1 {
						t.Fatal("a zero limit allows one outstanding entry at a time")
					}
				}
				if len(handed) == 0 {
					t.Fatal("nothing handed out")
				}
				var sz entryEncodingSize
				for i := range handed {
					sz += entrySize(&handed[i])
				}
				applied = handed[len(handed)-1].Index
				l.appliedTo(applied, sz)
			}
			if l.applied != 5 || l.applyingSize != 0 {
				t.Fatalf("applied %d applyingSize %d", l.applied, l.applyingSize)
			}
		})
	}
}

func TestLogNoCommittedEntriesWithSnapshot(t *testing.T) {
	l := newTestLog(t, NewMemoryStorage())
	l.restore(&pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 5, Term: 2}}, 2)
	l.leaderAppend(ents(6, 2)...)
	l.commitTo(6)
	if l.hasNextCommittedEnts(true) {
		t.Fatal("committed entries must wait for the snapshot to be durable")
	}
	l.unstable.acceptInProgress()
	l.stableSnapTo(entryID{2, 5})
	l.restoreApplied(5)
	if l.hasNextCommittedEnts(false) || !l.hasNextCommittedEnts(true) {
		t.Fatal("entry 6 is committed but not durable: only allowUnstable hands it out")
	}
	if es, err := l.nextCommittedEnts(true); err != nil || len(es) != 1 || es[0].Index != 6 {
		t.Fatalf("nextCommittedEnts = %v, %v", es, err)
	}
}

// TestLogDurabilityModel drives a log with random appends from a sequence of
// leaders while a simulated storage thread persists its writes late, and
// checks after every step that whatever the log believes durable is exactly
// what storage holds, and that the log's terms equal a naive model's.
func TestLogDurabilityModel(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		runDurabilityModel(t, seed)
	}
}

type pendingWrite struct {
	ents []pb.Entry
	mark logMark
}

func runDurabilityModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := NewMemoryStorage()
	l := newTestLog(t, s)
	var model []pb.Entry // model[i] has index i+1
	var leaderLog []pb.Entry
	term := uint64(0)
	var writes []pendingWrite
	newLeader := func() {
		term++
		keep := rng.IntN(len(model) + 1)
		leaderLog = append(append([]pb.Entry(nil), model[:keep]...), ents(uint64(keep)+1, repeat(term, rng.IntN(4))...)...)
	}
	newLeader()
	for step := 0; step < 60; step++ {
		switch r := rng.IntN(10); {
		case r == 0:
			newLeader()
		case r < 5:
			// The leader grows its log and sends a random sub-slice.
			leaderLog = append(leaderLog, ents(uint64(len(leaderLog))+1, repeat(term, rng.IntN(3))...)...)
			lo := rng.IntN(len(leaderLog) + 1)
			hi := lo + rng.IntN(len(leaderLog)-lo+1)
			sl := logSlice{term: term, entries: leaderLog[lo:hi:hi]}
			if lo > 0 {
				sl.prev = pbEntryID(&leaderLog[lo-1])
			}
			if err := sl.valid(); err != nil {
				t.Fatalf("seed %d: generated an invalid slice: %v", seed, err)
			}
			ok, err := l.maybeAppend(sl)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if ok {
				model = applyToModel(model, sl)
			}
		case r < 8:
			{
				es := l.unstable.nextEntries()
				writes = append(writes, pendingWrite{ents: es, mark: l.unstable.mark()})
				l.unstable.acceptInProgress()
			}
		default:
			if len(writes) == 0 {
				continue
			}
			w := writes[0]
			writes = writes[1:]
			if len(w.ents) > 0 {
				if err := s.Append(w.ents); err != nil {
					t.Fatal(err)
				}
			}
			l.stableTo(w.mark)
		}
		checkDurability(t, seed, l, s, model)
	}
}

func repeat(v uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func applyToModel(model []pb.Entry, s logSlice) []pb.Entry {
	for _, e := range s.entries {
		i := int(e.Index) - 1
		if i < len(model) && model[i].Term == e.Term {
			continue
		}
		model = append(model[:i:i], e)
	}
	return model
}

func checkDurability(t *testing.T, seed uint64, l *raftLog, s *MemoryStorage, model []pb.Entry) {
	t.Helper()
	if l.lastIndex() != uint64(len(model)) {
		t.Fatalf("seed %d: last index %d, model %d", seed, l.lastIndex(), len(model))
	}
	for i := range model {
		if tm, err := l.term(uint64(i + 1)); err != nil || tm != model[i].Term {
			t.Fatalf("seed %d: term(%d) = %d, %v; model %d", seed, i+1, tm, err, model[i].Term)
		}
	}
	stable := l.unstable.prev.index
	last, _ := s.LastIndex()
	if last < stable {
		t.Fatalf("seed %d: log believes %d durable, storage ends at %d", seed, stable, last)
	}
	for i := uint64(1); i <= stable; i++ {
		tm, err := s.Term(i)
		if err != nil || tm != model[i-1].Term {
			t.Fatalf("seed %d: durable entry %d has term %d (%v) in storage, %d in the log", seed, i, tm, err, model[i-1].Term)
		}
	}
}

func TestLogEntriesAndSnapshot(t *testing.T) {
	s := NewMemoryStorage()
	if err := s.ApplySnapshot(pb.Snapshot{Data: []byte("s"), Metadata: pb.SnapshotMetadata{Index: 2, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	l := newTestLog(t, s)
	l.leaderAppend(ents(3, 1, 1)...)
	if es, err := l.entries(3, unlimitedSize); err != nil || len(es) != 2 {
		t.Fatalf("entries(3) = %v, %v", es, err)
	}
	if es, err := l.entries(5, unlimitedSize); err != nil || es != nil {
		t.Fatalf("entries past the end = %v, %v", es, err)
	}
	if snap, err := l.snapshot(); err != nil || string(snap.Data) != "s" {
		t.Fatalf("snapshot() = %v, %v", snap, err)
	}
	l.restore(&pb.Snapshot{Data: []byte("u"), Metadata: pb.SnapshotMetadata{Index: 9, Term: 2}}, 2)
	if snap, err := l.snapshot(); err != nil || string(snap.Data) != "u" || l.committed != 9 || l.firstIndex() != 10 {
		t.Fatalf("after restore: snapshot %v, %v; committed %d first %d", snap, err, l.committed, l.firstIndex())
	}
	if _, err := l.term(5); !errors.Is(err, ErrCompacted) {
		t.Fatalf("term below an unstable snapshot: %v", err)
	}
}
