package tracker

import (
	"math/rand/v2"
	"testing"
)

// contents lists the in-flight messages oldest first.
func (in *Inflights) contents() []inflight {
	out := make([]inflight, 0, in.count)
	for i := range in.count {
		out = append(out, *in.at(i))
	}
	return out
}

func checkInflights(t *testing.T, in *Inflights, want []inflight) {
	t.Helper()
	got := in.contents()
	if len(got) != len(want) {
		t.Fatalf("in flight %v, want %v", got, want)
	}
	var bytes uint64
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("in flight %v, want %v", got, want)
		}
		bytes += want[i].bytes
	}
	if in.Count() != len(want) {
		t.Fatalf("Count() = %d, want %d", in.Count(), len(want))
	}
	if in.bytes != bytes {
		t.Fatalf("bytes = %d, want %d", in.bytes, bytes)
	}
}

func TestInflightsAddFreeWrapsAround(t *testing.T) {
	in := NewInflights(4, 0)
	in.Add(1, 10)
	in.Add(2, 20)
	in.Add(3, 30)
	in.FreeLE(2)
	checkInflights(t, in, []inflight{{3, 30}})
	// Fill to capacity so the ring wraps past its end.
	in.Add(4, 40)
	in.Add(5, 50)
	in.Add(6, 60)
	checkInflights(t, in, []inflight{{3, 30}, {4, 40}, {5, 50}, {6, 60}})
	if !in.Full() {
		t.Fatal("4 of 4 in flight, want Full")
	}
	if len(in.ring) != 4 {
		t.Fatalf("ring has %d slots, want it to stop growing at size 4", len(in.ring))
	}
	in.FreeLE(4)
	checkInflights(t, in, []inflight{{5, 50}, {6, 60}})
	in.Add(7, 70)
	in.Add(8, 80)
	checkInflights(t, in, []inflight{{5, 50}, {6, 60}, {7, 70}, {8, 80}})
	// An index between two messages frees only the messages at or below it.
	in.FreeLE(7)
	checkInflights(t, in, []inflight{{8, 80}})
	in.FreeLE(100)
	checkInflights(t, in, nil)
	if in.head != 0 {
		t.Fatalf("head = %d after emptying, want 0", in.head)
	}
}

func TestInflightsFreeLEBelowOldestIsNoop(t *testing.T) {
	in := NewInflights(3, 0)
	in.FreeLE(5) // empty
	in.Add(5, 1)
	in.Add(9, 2)
	in.FreeLE(4)
	checkInflights(t, in, []inflight{{5, 1}, {9, 2}})
}

func TestInflightsGrowKeepsOrder(t *testing.T) {
	in := NewInflights(8, 0)
	// Move head off zero, then grow while the ring is wrapped.
	in.Add(1, 1)
	in.Add(2, 2)
	in.FreeLE(1)
	in.Add(3, 3) // ring of 2 is now full and wrapped: [3, 2]
	in.Add(4, 4) // grows to 4, unwrapped: [2, 3, 4, _]
	in.Add(5, 5)
	in.FreeLE(2)
	in.Add(6, 6) // wraps again: [6, 3, 4, 5]
	in.Add(7, 7) // grows to 8
	checkInflights(t, in, []inflight{{3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}})
	if len(in.ring) != 8 {
		t.Fatalf("ring has %d slots, want 8", len(in.ring))
	}
}

func TestInflightsFull(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int
		maxBytes uint64
		adds     []uint64 // bytes of each added message
		full     bool
	}{
		{name: "empty", size: 2, maxBytes: 10, full: false},
		{name: "count below size", size: 2, adds: []uint64{100}, full: false},
		{name: "count at size", size: 2, adds: []uint64{1, 1}, full: true},
		{name: "no byte limit", size: 5, maxBytes: 0, adds: []uint64{1 << 40, 1 << 40}, full: false},
		{name: "bytes below limit", size: 5, maxBytes: 10, adds: []uint64{4, 5}, full: false},
		{name: "bytes at limit", size: 5, maxBytes: 10, adds: []uint64{4, 6}, full: true},
		// The byte limit is soft: the message crossing it is accepted.
		{name: "one message over limit", size: 5, maxBytes: 10, adds: []uint64{25}, full: true},
		{name: "zero size", size: 0, full: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := NewInflights(tc.size, tc.maxBytes)
			for i, b := range tc.adds {
				in.Add(uint64(i+1), b)
			}
			if got := in.Full(); got != tc.full {
				t.Fatalf("Full() = %v, want %v", got, tc.full)
			}
		})
	}
}

func TestInflightsFreeingBytesUnblocks(t *testing.T) {
	in := NewInflights(10, 100)
	in.Add(1, 60)
	in.Add(2, 50)
	if !in.Full() {
		t.Fatal("110 of 100 bytes in flight, want Full")
	}
	in.FreeLE(1)
	if in.Full() {
		t.Fatal("50 of 100 bytes in flight, want not Full")
	}
}

func TestInflightsAddPanicsOnBrokenContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		prep func(*Inflights)
		add  uint64
	}{
		{name: "full", prep: func(in *Inflights) { in.Add(1, 1); in.Add(2, 1) }, add: 3},
		{name: "index repeated", prep: func(in *Inflights) { in.Add(5, 1) }, add: 5},
		{name: "index decreasing", prep: func(in *Inflights) { in.Add(5, 1) }, add: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := NewInflights(2, 0)
			tc.prep(in)
			defer func() {
				if recover() == nil {
					t.Fatal("Add did not panic")
				}
			}()
			in.Add(tc.add, 1)
		})
	}
}

func TestInflightsCloneSharesNoMemory(t *testing.T) {
	in := NewInflights(4, 100)
	in.Add(1, 10)
	in.Add(2, 20)
	c := in.Clone()
	checkInflights(t, c, []inflight{{1, 10}, {2, 20}})
	if c.Full() != in.Full() || c.size != 4 || c.maxBytes != 100 {
		t.Fatalf("clone limits differ: %+v vs %+v", c, in)
	}
	c.FreeLE(1)
	c.Add(3, 30)
	c.Add(4, 40)
	checkInflights(t, in, []inflight{{1, 10}, {2, 20}})
	in.Add(3, 5)
	checkInflights(t, c, []inflight{{2, 20}, {3, 30}, {4, 40}})

	if NewInflights(3, 0).Clone().ring != nil {
		t.Fatal("clone of an unused Inflights allocated a ring")
	}
}

func TestInflightsNilIsEmptyAndFull(t *testing.T) {
	var in *Inflights
	if in.Count() != 0 || !in.Full() || in.Clone() != nil {
		t.Fatal("nil Inflights must be empty, Full, and clone to nil")
	}
	in.FreeLE(10)
	in.reset()
}

func TestInflightsReset(t *testing.T) {
	in := NewInflights(3, 10)
	in.Add(1, 6)
	in.Add(2, 6)
	in.reset()
	checkInflights(t, in, nil)
	if in.Full() {
		t.Fatal("Full after reset")
	}
	// Indexes may restart lower after a reset.
	in.Add(1, 1)
	checkInflights(t, in, []inflight{{1, 1}})
}

// TestInflightsMatchesNaiveModel drives random Add/FreeLE/reset sequences and
// compares with a plain slice that is trivially right.
func TestInflightsMatchesNaiveModel(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0x7ac4))
		size := 1 + rng.IntN(8)
		var maxBytes uint64
		if rng.IntN(2) == 0 {
			maxBytes = 1 + rng.Uint64N(200)
		}
		in := NewInflights(size, maxBytes)
		var model []inflight
		next := uint64(1)
		for step := range 300 {
			modelBytes := uint64(0)
			for _, m := range model {
				modelBytes += m.bytes
			}
			modelFull := len(model) == size || (maxBytes != 0 && modelBytes >= maxBytes)

			switch op := rng.IntN(10); {
			case op < 6:
				if modelFull {
					break
				}
				next += 1 + rng.Uint64N(3)
				b := rng.Uint64N(60)
				in.Add(next, b)
				model = append(model, inflight{next, b})
			case op < 9:
				to := next - min(next, rng.Uint64N(8))
				in.FreeLE(to)
				for len(model) > 0 && model[0].index <= to {
					model = model[1:]
				}
			default:
				in.reset()
				model = nil
				next = rng.Uint64N(next + 1)
			}

			modelBytes = 0
			for _, m := range model {
				modelBytes += m.bytes
			}
			modelFull = len(model) == size || (maxBytes != 0 && modelBytes >= maxBytes)
			got := in.contents()
			if len(got) != len(model) || in.Count() != len(model) || in.bytes != modelBytes || in.Full() != modelFull {
				t.Fatalf("seed %d step %d: got %v (count %d bytes %d full %v), model %v (bytes %d full %v)",
					seed, step, got, in.Count(), in.bytes, in.Full(), model, modelBytes, modelFull)
			}
			for i := range model {
				if got[i] != model[i] {
					t.Fatalf("seed %d step %d: got %v, model %v", seed, step, got, model)
				}
			}
		}
	}
}
