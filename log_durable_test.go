package raft

import (
	"fmt"
	"math/rand/v2"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// checkInMemory checks the durable entries kept in memory against the
// model log: they end at the durable end, start after the applying index,
// sit just before the unstable entries in one array, stay within the
// payload bound, and every read of the log matches the model.
func checkInMemory(t *testing.T, seed uint64, l *raftLog, model []pb.Entry) {
	t.Helper()
	u := &l.unstable
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d: %s (durable %d entries from %d, prev %s, applying %d)",
			seed, fmt.Sprintf(format, args...), len(u.durable), u.firstInMemory(), u.prev, l.applying)
	}
	if d := len(u.durable); d > 0 {
		if u.firstInMemory() <= l.applying {
			fail("an entry handed out for applying is still kept")
		}
		if len(u.entries) > 0 && cap(u.durable) > d && &u.durable[:d+1][d] != &u.entries[0] {
			fail("durable entries are not just before the unstable ones")
		}
		if u.durable[d-1].Index != u.prev.index {
			fail("durable entries end at %d", u.durable[d-1].Index)
		}
	}
	if got := payloadSize(u.durable); got != u.durableSize {
		fail("durableSize %d, payload %d", u.durableSize, got)
	}
	if len(u.durable) > 1 && u.durableSize > uint64(l.maxApplyingSize) {
		fail("%d bytes kept, bound %d", u.durableSize, l.maxApplyingSize)
	}
	first := l.firstIndex()
	for lo := first; lo <= uint64(len(model)); lo++ {
		got, err := l.slice(lo, uint64(len(model))+1, unlimitedSize)
		if err != nil {
			fail("slice(%d, end): %v", lo, err)
		}
		if len(got) != len(model)+1-int(lo) {
			fail("slice(%d, end) has %d entries, want %d", lo, len(got), len(model)+1-int(lo))
		}
		for i := range got {
			want := &model[int(lo)-1+i]
			if got[i].Index != want.Index || got[i].Term != want.Term || string(got[i].Data) != string(want.Data) {
				fail("slice(%d, end)[%d] = %s, model %s", lo, i,
					DescribeEntry(got[i], nil), DescribeEntry(*want, nil))
			}
		}
	}
}

// A follower's log under random appends (with truncations by new leaders),
// durable writes, commits, applies and a small apply budget keeps serving
// every range exactly as the model says, from memory or storage.
func TestLogKeepsDurableEntriesModel(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		runKeepDurableModel(t, seed)
	}
}

func runKeepDurableModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	s := NewMemoryStorage()
	l, err := newLog(s, discardLogger{}, entryEncodingSize(rng.IntN(40)))
	if err != nil {
		t.Fatal(err)
	}
	var model, leaderLog []pb.Entry // model[i] has index i+1
	term := uint64(0)
	grow := func(n int) {
		for range n {
			data := make([]byte, rng.IntN(12))
			for i := range data {
				data[i] = byte('a' + rng.IntN(26))
			}
			leaderLog = append(leaderLog, pb.Entry{Index: uint64(len(leaderLog)) + 1, Term: term, Data: data})
		}
	}
	newLeader := func() {
		term++
		// A new leader holds at least the committed prefix.
		keep := int(l.committed) + rng.IntN(len(model)-int(l.committed)+1)
		leaderLog = append([]pb.Entry(nil), model[:keep]...)
		grow(rng.IntN(4))
	}
	newLeader()
	var writes []pendingWrite
	for step := 0; step < 80; step++ {
		switch r := rng.IntN(12); {
		case r == 0:
			newLeader()
		case r < 4:
			grow(rng.IntN(3))
			lo := int(l.committed) + rng.IntN(len(leaderLog)-int(l.committed)+1)
			hi := lo + rng.IntN(len(leaderLog)-lo+1)
			sl := logSlice{term: term, entries: leaderLog[lo:hi:hi]}
			if lo > 0 {
				sl.prev = pbEntryID(&leaderLog[lo-1])
			}
			ok, err := l.maybeAppend(sl)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if ok {
				model = applyToModel(model, sl)
				// The leader's commit index, clamped as a follower does.
				l.commitTo(min(uint64(rng.IntN(len(leaderLog)+1)), sl.lastIndex(), l.lastIndex()))
			}
		case r < 6:
			writes = append(writes, pendingWrite{ents: l.unstable.nextEntries(), mark: l.unstable.mark()})
			l.unstable.acceptInProgress()
		case r < 9:
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
		default:
			// Hand out what may be applied (async rule: durable only),
			// then report it applied.
			ents, err := l.nextCommittedEnts(false)
			if err != nil {
				t.Fatalf("seed %d: nextCommittedEnts: %v", seed, err)
			}
			if n := len(ents); n > 0 {
				for i := range ents {
					if want := &model[ents[i].Index-1]; string(ents[i].Data) != string(want.Data) || ents[i].Term != want.Term {
						t.Fatalf("seed %d: committed entry %s, model %s", seed, DescribeEntry(ents[i], nil), DescribeEntry(*want, nil))
					}
				}
				var size entryEncodingSize
				for i := range ents {
					size += entrySize(&ents[i])
				}
				l.acceptApplying(ents[n-1].Index, size)
				l.appliedTo(ents[n-1].Index, size)
			}
		}
		checkInMemory(t, seed, l, model)
	}
}

// Entries that committed and were applied in the same round as their write
// are never read back from Storage: in the synchronous mode and with
// AsyncStorageWrites, on a single voter and on every node of three.
func TestProposalRoundsReadNothingFromStorage(t *testing.T) {
	for _, tc := range []struct {
		voters int
		async  bool
	}{{1, false}, {1, true}, {3, false}, {3, true}} {
		t.Run(fmt.Sprintf("voters=%d/async=%v", tc.voters, tc.async), func(t *testing.T) {
			tn := newTestNet(t, tc.voters, func(c *Config) { c.AsyncStorageWrites = tc.async })
			tn.elect(1)
			tn.propose(1, "warm")
			before := map[uint64]storageCallCounts{}
			for id, s := range tn.counts {
				before[id] = s.callCounts()
			}
			for i := range 20 {
				tn.propose(1, fmt.Sprint(i))
			}
			for id, s := range tn.counts {
				if got := s.callCounts(); got != before[id] {
					t.Errorf("node %d: storage calls went from %+v to %+v", id, before[id], got)
				}
				if n := len(tn.applied[id]); n != 21 {
					t.Errorf("node %d applied %d proposals, want 21", id, n)
				}
			}
		})
	}
}

// A follower whose application stalls keeps at most MaxCommittedSizePerReady
// bytes of durable entries in memory; the rest are read from Storage when
// their turn to be applied comes, in order and intact.
func TestDurableEntriesInMemoryAreBounded(t *testing.T) {
	const budget = 100
	tn := newTestNet(t, 3, func(c *Config) {
		c.AsyncStorageWrites = true
		c.MaxCommittedSizePerReady = budget
	})
	tn.elect(1)
	f := tn.nodes[2]
	// The follower's append thread runs; its apply thread is stuck.
	runAppends := func() {
		for _, m := range tn.appendQ[2] {
			tn.persist(2, pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}, m.Snapshot, m.Entries)
			tn.route(m.Responses)
		}
		tn.appendQ[2] = nil
	}
	data := make([]byte, 30)
	kept := uint64(0)
	for i := range 20 {
		data[0] = byte('a' + i)
		if err := tn.nodes[1].Propose(append([]byte(nil), data...)); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			for _, id := range []uint64{1, 2, 3} {
				tn.handleReady(id)
			}
			tn.runStorage(1)
			tn.runStorage(3)
			runAppends()
			tn.deliver()
		}
		u := &f.raft.raftLog.unstable
		if u.durableSize > budget {
			t.Fatalf("after proposal %d the follower keeps %d bytes, bound %d", i, u.durableSize, budget)
		}
		kept = max(kept, u.durableSize)
	}
	if f.raft.raftLog.committed < 20 || kept == 0 {
		t.Fatalf("follower committed %d and kept at most %d bytes: the scenario did not pile up entries", f.raft.raftLog.committed, kept)
	}
	reads := tn.counts[2].callCounts().entries
	tn.settle()
	if got, want := tn.appliedData(2), tn.appliedData(1); got != want || len(tn.applied[2]) != 20 {
		t.Fatalf("follower applied %s, leader %s (want 20 proposals each)", got, want)
	}
	if tn.counts[2].callCounts().entries == reads {
		t.Fatal("the follower applied entries beyond the bound without reading Storage")
	}
}

// Two Readies taken before one Advance: Advance acknowledges both writes
// and the apply of the first one's committed entries, in order, so that
// everything proposed commits, is applied once, and no apply budget stays
// taken.
func TestAdvanceAfterTwoReadies(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	tn.elect(1)
	rn, s := tn.nodes[1], tn.stores[1]
	var applied []string
	take := func() Ready {
		rd := rn.Ready()
		if err := s.Append(rd.Entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range rd.CommittedEntries {
			if len(e.Data) > 0 {
				applied = append(applied, string(e.Data))
			}
		}
		return rd
	}
	propose := func(d string) {
		if err := rn.Propose([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	propose("a")
	rn.Advance(take()) // a written; it commits
	propose("b")
	if rd := take(); len(rd.CommittedEntries) != 1 || len(rd.Entries) != 1 {
		t.Fatalf("first Ready: %d committed, %d to write; want a committed, b to write", len(rd.CommittedEntries), len(rd.Entries))
	}
	propose("c")
	if rd := take(); len(rd.Entries) != 1 {
		t.Fatalf("second Ready writes %d entries, want c alone", len(rd.Entries))
	}
	rn.Advance(Ready{})
	l := &rn.raft.raftLog
	if pr := rn.raft.trk.Progress[1]; pr.Match != l.lastIndex() || l.applyingSize != 0 {
		t.Fatalf("after Advance: own Match %d (last index %d), applying size %d (want 0)", pr.Match, l.lastIndex(), l.applyingSize)
	}
	for rn.HasReady() {
		rn.Advance(take())
	}
	if fmt.Sprint(applied) != "[a b c]" {
		t.Fatalf("applied %v, want [a b c]", applied)
	}
	if l.applied != l.lastIndex() || l.applying != l.applied || l.applyingSize != 0 {
		t.Fatalf("applied %d applying %d size %d, want both at the last index %d and size 0", l.applied, l.applying, l.applyingSize, l.lastIndex())
	}
}
