package wal

import (
	"math/rand/v2"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// TestRandomized runs seeded random Saves (appends, suffix overwrites,
// hard states, installed snapshots, local snapshot markers, compactions)
// with random reopens, comparing with a MemoryStorage after each reopen.
func TestRandomized(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		dir := t.TempDir()
		opts := Options{SegmentSize: 2048, CacheBytes: 300}
		w := mustOpen(t, dir, opts)
		m := modelOf(t, nil)
		term := uint64(1)
		for step := 0; step < 250; step++ {
			if o, ok := randomOp(rng, w, &term); ok {
				apply(t, w, m, o)
			}
			if rng.IntN(15) == 0 {
				mustClose(t, w)
				w = mustOpen(t, dir, opts)
				checkModel(t, w, m)
			}
		}
		checkModel(t, w, m)
		mustClose(t, w)
	}
}

func randomOp(rng *rand.Rand, w *WAL, term *uint64) (op, bool) {
	st := &w.st
	prev, last := st.prevIndex, st.lastIndex()
	switch r := rng.IntN(20); {
	case r < 14:
		start := last + 1
		if last > prev && rng.IntN(4) == 0 {
			start = prev + 1 + rng.Uint64N(last-prev) // overwrite a suffix
			*term++
		}
		var ents []pb.Entry
		for i := range rng.IntN(5) + 1 {
			ents = append(ents, ent(start+uint64(i), *term, rng.IntN(120)))
		}
		hs := pb.HardState{}
		if rng.IntN(2) == 0 {
			hs = pb.HardState{Term: *term, Vote: rng.Uint64N(3), Commit: rng.Uint64N(start)}
		}
		return op{kind: "save", hs: hs, ents: ents}, true
	case r < 15:
		*term++
		idx := max(last, st.snap.Index) + 1 + rng.Uint64N(5)
		snap := &pb.SnapshotMetadata{Index: idx, Term: *term, ConfState: pb.ConfState{Voters: []uint64{1, rng.Uint64N(9) + 2}}}
		return op{kind: "save", hs: pb.HardState{Term: *term, Commit: idx}, snap: snap, ents: []pb.Entry{ent(idx+1, *term, 8)}}, true
	case r < 17:
		lo := max(st.snap.Index+1, prev)
		if lo > last || lo == 0 {
			return op{}, false
		}
		return op{kind: "mark", index: lo + rng.Uint64N(last-lo+1), cs: &pb.ConfState{Voters: []uint64{rng.Uint64N(5) + 1}}}, true
	default:
		if last <= prev {
			return op{}, false
		}
		return op{kind: "compact", index: prev + 1 + rng.Uint64N(last-prev)}, true
	}
}
