package tracker

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkInvariants returns what is wrong with pr according to the state
// machine documented on Progress, or nil.
func checkInvariants(pr *Progress) error {
	if pr.Match >= pr.Next {
		return fmt.Errorf("match %d not below next %d", pr.Match, pr.Next)
	}
	in := pr.Inflights
	var sum uint64
	for i, m := range in.contents() {
		sum += m.bytes
		if pr.State == StateReplicate && (m.index <= pr.Match || m.index >= pr.Next) {
			return fmt.Errorf("in-flight index %d outside (match %d, next %d)", m.index, pr.Match, pr.Next)
		}
		if i > 0 && m.index <= in.at(i-1).index {
			return fmt.Errorf("in-flight indexes not increasing: %v", in.contents())
		}
	}
	if sum != in.bytes {
		return fmt.Errorf("in-flight bytes %d, messages sum to %d", in.bytes, sum)
	}
	switch pr.State {
	case StateProbe:
		if in.Count() != 0 || pr.PendingSnapshot != 0 {
			return fmt.Errorf("probe with %d in flight, pending snapshot %d", in.Count(), pr.PendingSnapshot)
		}
	case StateReplicate:
		if pr.PendingSnapshot != 0 {
			return fmt.Errorf("replicate with pending snapshot %d", pr.PendingSnapshot)
		}
	case StateSnapshot:
		if in.Count() != 0 || pr.Next <= pr.PendingSnapshot || !pr.IsPaused() {
			return fmt.Errorf("snapshot with %d in flight, next %d, pending %d, paused %v",
				in.Count(), pr.Next, pr.PendingSnapshot, pr.IsPaused())
		}
	default:
		return fmt.Errorf("unknown state %d", pr.State)
	}
	return nil
}

// replicating returns a Progress in StateReplicate at the given match whose
// Inflights (4 messages, 100 bytes) holds the given message sizes, one entry
// each.
func replicating(match uint64, sizes ...uint64) *Progress {
	pr := &Progress{Match: match, Next: match + 1, Inflights: NewInflights(4, 100), RecentActive: true}
	pr.BecomeReplicate()
	for _, b := range sizes {
		pr.SentEntries(1, b)
	}
	return pr
}

func snapshotting(match, pending uint64) *Progress {
	pr := &Progress{Match: match, Next: match + 1, Inflights: NewInflights(4, 100), RecentActive: true}
	pr.BecomeSnapshot(pending)
	return pr
}

func probing(match, next uint64, paused bool) *Progress {
	pr := &Progress{Match: match, Next: next, Inflights: NewInflights(4, 100), RecentActive: true}
	pr.MsgAppFlowPaused = paused
	return pr
}

// TestEveryTransitionEmptiesInflights fills Inflights (by count and by bytes)
// then checks that each transition leaves no message and no byte behind.
func TestEveryTransitionEmptiesInflights(t *testing.T) {
	transitions := map[string]func(*Progress){
		"BecomeProbe":                (*Progress).BecomeProbe,
		"BecomeReplicate":            (*Progress).BecomeReplicate,
		"BecomeSnapshot":             func(pr *Progress) { pr.BecomeSnapshot(50) },
		"ResetState(StateProbe)":     func(pr *Progress) { pr.ResetState(StateProbe) },
		"ResetState(StateReplicate)": func(pr *Progress) { pr.ResetState(StateReplicate) },
		"ResetState(StateSnapshot)":  func(pr *Progress) { pr.ResetState(StateSnapshot) },
		"MaybeDecrTo genuine":        func(pr *Progress) { pr.MaybeDecrTo(12, 11) },
	}
	fills := map[string][]uint64{
		"count": {1, 1, 1, 1}, // 4 of 4 messages
		"bytes": {70, 40},     // 110 of 100 bytes
	}
	for tname, transition := range transitions {
		for fname, sizes := range fills {
			t.Run(tname+"/full by "+fname, func(t *testing.T) {
				pr := replicating(10, sizes...)
				if !pr.Inflights.Full() || !pr.IsPaused() {
					t.Fatalf("setup: want full and paused, got %s", pr)
				}
				transition(pr)
				if n, b := pr.Inflights.Count(), pr.Inflights.bytes; n != 0 || b != 0 {
					t.Fatalf("after %s: %d messages, %d bytes in flight, want 0 and 0", tname, n, b)
				}
				if pr.Inflights.Full() {
					t.Fatalf("after %s: Inflights still Full", tname)
				}
				if pr.State != StateSnapshot && pr.IsPaused() {
					t.Fatalf("after %s: still paused: %s", tname, pr)
				}
			})
		}
	}
}

func TestIsPaused(t *testing.T) {
	for _, tc := range []struct {
		name string
		pr   *Progress
		want bool
	}{
		{"probe", probing(3, 4, false), false},
		{"probe flow paused", probing(3, 4, true), true},
		{"replicate", replicating(3, 1, 1), false},
		{"replicate full by count", replicating(3, 1, 1, 1, 1), true},
		{"replicate full by bytes", replicating(3, 100), true},
		{"snapshot", snapshotting(3, 9), true},
		{"snapshot flow unpaused", func() *Progress { p := snapshotting(3, 9); p.MsgAppFlowPaused = false; return p }(), true},
		{"unknown state", &Progress{State: 7, Next: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pr.IsPaused(); got != tc.want {
				t.Fatalf("IsPaused() = %v, want %v for %s", got, tc.want, tc.pr)
			}
		})
	}
}

func TestSentEntries(t *testing.T) {
	t.Run("probe pauses after sending entries", func(t *testing.T) {
		pr := probing(3, 6, false)
		pr.SentEntries(0, 0) // an empty probe does not pause
		if pr.IsPaused() || pr.Next != 6 {
			t.Fatalf("after empty probe: %s", pr)
		}
		pr.SentEntries(2, 10)
		if !pr.IsPaused() || pr.Next != 6 || pr.Inflights.Count() != 0 {
			t.Fatalf("after probe with entries: want paused, next 6, nothing in flight, got %s", pr)
		}
	})
	t.Run("replicate advances next and fills inflights", func(t *testing.T) {
		pr := replicating(3)
		pr.SentEntries(2, 30) // entries 4, 5
		pr.SentEntries(3, 30) // entries 6, 7, 8
		checkInflights(t, pr.Inflights, []inflight{{5, 30}, {8, 30}})
		if pr.Next != 9 || pr.IsPaused() {
			t.Fatalf("want next 9 and not paused, got %s", pr)
		}
		pr.SentEntries(1, 40) // 100 bytes: full
		if pr.Next != 10 || !pr.IsPaused() {
			t.Fatalf("want next 10 and paused, got %s", pr)
		}
		// Paused by a full window, the leader may still send an empty append.
		pr.SentEntries(0, 0)
		if pr.Next != 10 || pr.Inflights.Count() != 3 || !pr.IsPaused() {
			t.Fatalf("empty append changed the window: %s", pr)
		}
	})
	t.Run("snapshot panics", func(t *testing.T) {
		pr := snapshotting(3, 9)
		defer func() {
			if recover() == nil {
				t.Fatal("SentEntries in StateSnapshot did not panic")
			}
		}()
		pr.SentEntries(1, 1)
	})
}

func TestMaybeUpdate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pr        *Progress
		n         uint64
		ok        bool
		match     uint64
		next      uint64
		inflights int
	}{
		{"probe stale", probing(5, 6, true), 4, false, 5, 6, 0},
		{"probe duplicate", probing(5, 6, true), 5, false, 5, 6, 0},
		{"probe ack moves next", probing(5, 6, true), 8, true, 8, 9, 0},
		// replicating(5, ...) sent entries 6, 7, 8: next is 9.
		{"replicate stale", replicating(5, 1, 1, 1), 5, false, 5, 9, 3},
		{"replicate partial ack frees", replicating(5, 1, 1, 1), 7, true, 7, 9, 1},
		{"replicate full ack frees all", replicating(5, 1, 1, 1), 8, true, 8, 9, 0},
		{"replicate ack past next", replicating(5, 1), 20, true, 20, 21, 0},
		{"snapshot ack below pending", snapshotting(5, 10), 7, true, 7, 11, 0},
		{"snapshot ack past pending", snapshotting(5, 10), 12, true, 12, 13, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wasPaused := tc.pr.MsgAppFlowPaused
			ok := tc.pr.MaybeUpdate(tc.n)
			if ok != tc.ok || tc.pr.Match != tc.match || tc.pr.Next != tc.next || tc.pr.Inflights.Count() != tc.inflights {
				t.Fatalf("MaybeUpdate(%d) = %v -> %s; want %v, match %d, next %d, %d in flight",
					tc.n, ok, tc.pr, tc.ok, tc.match, tc.next, tc.inflights)
			}
			if wantPaused := wasPaused && !ok; tc.pr.MsgAppFlowPaused != wantPaused {
				t.Fatalf("MsgAppFlowPaused = %v, want %v", tc.pr.MsgAppFlowPaused, wantPaused)
			}
			if err := checkInvariants(tc.pr); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMaybeDecrTo(t *testing.T) {
	for _, tc := range []struct {
		name           string
		pr             *Progress
		rejected, hint uint64
		ok             bool
		state          StateType
		next           uint64
		paused         bool
	}{
		// Probe at match 5, next 10: the outstanding probe is at index 9.
		{"probe stale below match", probing(5, 10, true), 4, 0, false, StateProbe, 10, true},
		{"probe stale at match", probing(5, 10, true), 5, 0, false, StateProbe, 10, true},
		{"probe stale other index", probing(5, 10, true), 8, 0, false, StateProbe, 10, true},
		{"probe stale index above", probing(5, 10, true), 12, 0, false, StateProbe, 10, true},
		{"probe to hint", probing(5, 10, true), 9, 7, true, StateProbe, 8, false},
		{"probe hint below match", probing(5, 10, true), 9, 2, true, StateProbe, 6, false},
		{"probe hint above rejected", probing(5, 10, true), 9, 20, true, StateProbe, 9, false},
		{"probe hint max uint64", probing(5, 10, true), 9, ^uint64(0), true, StateProbe, 9, false},
		// Replicate at match 5 with entries 6, 7, 8 in flight: next 9.
		{"replicate stale below match", replicating(5, 1, 1, 1), 3, 0, false, StateReplicate, 9, false},
		{"replicate stale at match", replicating(5, 1, 1, 1), 5, 0, false, StateReplicate, 9, false},
		{"replicate genuine", replicating(5, 1, 1, 1), 7, 6, true, StateProbe, 6, false},
		{"replicate genuine ignores hint", replicating(5, 1, 1, 1), 8, 0, true, StateProbe, 6, false},
		// Snapshot pending at 10 from match 5: no append is outstanding.
		{"snapshot stale below match", snapshotting(5, 10), 4, 0, false, StateSnapshot, 11, true},
		{"snapshot stale at pending", snapshotting(5, 10), 10, 7, false, StateSnapshot, 11, true},
		{"snapshot stale above match", snapshotting(5, 10), 7, 6, false, StateSnapshot, 11, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := *tc.pr
			beforeInflights := tc.pr.Inflights.contents()
			ok := tc.pr.MaybeDecrTo(tc.rejected, tc.hint)
			pr := tc.pr
			if ok != tc.ok || pr.State != tc.state || pr.Next != tc.next || pr.IsPaused() != tc.paused {
				t.Fatalf("MaybeDecrTo(%d, %d) = %v -> %s; want %v, %s, next %d, paused %v",
					tc.rejected, tc.hint, ok, pr, tc.ok, tc.state, tc.next, tc.paused)
			}
			if pr.Match != before.Match {
				t.Fatalf("match changed from %d to %d", before.Match, pr.Match)
			}
			if !ok {
				after := *pr
				if after != before {
					t.Fatalf("stale rejection changed progress: %+v -> %+v", before, after)
				}
				checkInflights(t, pr.Inflights, beforeInflights)
			}
			if err := checkInvariants(pr); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBecomeProbe(t *testing.T) {
	for _, tc := range []struct {
		name string
		pr   *Progress
		prep func(*Progress)
		next uint64
	}{
		{"from replicate", replicating(5, 1, 1), nil, 6},
		{"from probe", probing(5, 9, true), nil, 6},
		{"from snapshot applied", snapshotting(5, 10), nil, 11},
		{"from snapshot acked past pending", snapshotting(5, 10), func(pr *Progress) { pr.MaybeUpdate(14) }, 15},
		// On failure the caller clears PendingSnapshot first.
		{"from snapshot failed", snapshotting(5, 10), func(pr *Progress) { pr.PendingSnapshot = 0 }, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep(tc.pr)
			}
			tc.pr.BecomeProbe()
			if tc.pr.State != StateProbe || tc.pr.Next != tc.next || tc.pr.PendingSnapshot != 0 || tc.pr.IsPaused() {
				t.Fatalf("got %s, want unpaused StateProbe with next %d and no pending snapshot", tc.pr, tc.next)
			}
		})
	}
}

func TestBecomeSnapshotKeepsMatchBelowNext(t *testing.T) {
	pr := snapshotting(5, 10)
	if pr.Next != 11 || pr.PendingSnapshot != 10 {
		t.Fatalf("got %s, want next 11 pendingSnap 10", pr)
	}
	// A snapshot older than Match must not move Next to or below Match.
	old := snapshotting(8, 6)
	if old.Next != 9 || old.PendingSnapshot != 6 {
		t.Fatalf("got %s, want next 9 pendingSnap 6", old)
	}
}

func TestBecomeReplicate(t *testing.T) {
	pr := probing(5, 9, true)
	pr.BecomeReplicate()
	if pr.State != StateReplicate || pr.Next != 6 || pr.IsPaused() {
		t.Fatalf("got %s, want unpaused StateReplicate with next 6", pr)
	}
}

func TestCanBumpCommit(t *testing.T) {
	pr := replicating(5)
	pr.SentEntries(5, 10) // entries 6..10 sent, next 11
	pr.SentCommit(7)
	for _, tc := range []struct {
		index uint64
		want  bool
	}{{6, false}, {7, false}, {8, true}, {20, true}} {
		if got := pr.CanBumpCommit(tc.index); got != tc.want {
			t.Errorf("sent commit 7, next 11: CanBumpCommit(%d) = %v, want %v", tc.index, got, tc.want)
		}
	}
	// Once the follower was told to commit everything it was sent, a higher
	// commit index is no news to it.
	pr.SentCommit(10)
	if pr.CanBumpCommit(15) {
		t.Error("sent commit 10 = next-1: CanBumpCommit(15) = true, want false")
	}
	// Falling back to probing forgets commits beyond what the follower has.
	pr.BecomeProbe()
	if pr.sentCommit != 5 || pr.CanBumpCommit(6) {
		t.Errorf("after BecomeProbe at match 5: sentCommit %d, want 5 and no bump", pr.sentCommit)
	}
	// A snapshot tells the follower its index as the commit index.
	pr.BecomeSnapshot(20)
	if pr.sentCommit != 20 || pr.CanBumpCommit(25) {
		t.Errorf("after BecomeSnapshot(20): sentCommit %d, want 20 and no bump", pr.sentCommit)
	}
}

func TestStateTypeString(t *testing.T) {
	for st, want := range map[StateType]string{
		StateProbe: "StateProbe", StateReplicate: "StateReplicate", StateSnapshot: "StateSnapshot", 9: "StateType(9)",
	} {
		if got := st.String(); got != want {
			t.Errorf("%d: got %q, want %q", uint64(st), got, want)
		}
	}
}

func TestProgressString(t *testing.T) {
	learner := replicating(5, 60, 50)
	learner.IsLearner = true
	snap := snapshotting(5, 10)
	snap.RecentActive = false
	for _, tc := range []struct {
		pr   *Progress
		want string
	}{
		{probing(3, 4, false), "StateProbe match=3 next=4"},
		{replicating(5, 1), "StateReplicate match=5 next=7 inflight=1"},
		{learner, "StateReplicate match=5 next=8 learner paused inflight=2[full]"},
		{snap, "StateSnapshot match=5 next=11 paused pendingSnap=10 inactive"},
		{&Progress{Next: 1}, "StateProbe match=0 next=1 inactive"},
	} {
		if got := tc.pr.String(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	m := ProgressMap{3: probing(3, 4, false), 1: replicating(5, 1)}
	want := "1: StateReplicate match=5 next=7 inflight=1\n3: StateProbe match=3 next=4\n"
	if got := m.String(); got != want {
		t.Errorf("ProgressMap.String() = %q, want %q", got, want)
	}
}

// TestProgressInvariantsUnderRandomOperations applies random operations, as
// a leader would on arbitrary (also stale or bogus) follower responses, and
// checks the documented invariants after each one.
func TestProgressInvariantsUnderRandomOperations(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 0x9e37))
		pr := &Progress{Next: 1, Inflights: NewInflights(1+rng.IntN(4), rng.Uint64N(50))}
		var trace []string
		// near picks an index around the interesting positions.
		near := func() uint64 {
			base := []uint64{pr.Match, pr.Next, pr.PendingSnapshot}[rng.IntN(3)]
			v := base + rng.Uint64N(9)
			return v - min(v, 4)
		}
		for step := range 200 {
			var op string
			switch rng.IntN(8) {
			case 0:
				op = "BecomeProbe"
				pr.BecomeProbe()
			case 1:
				op = "BecomeReplicate"
				pr.BecomeReplicate()
			case 2:
				i := near()
				op = fmt.Sprintf("BecomeSnapshot(%d)", i)
				pr.BecomeSnapshot(i)
			case 3, 4:
				if pr.IsPaused() {
					op = "paused"
					break
				}
				n, b := rng.IntN(4), rng.Uint64N(30)
				if pr.State == StateReplicate && pr.Inflights.Full() {
					n = 0
				}
				op = fmt.Sprintf("SentEntries(%d, %d)", n, b)
				pr.SentEntries(n, b)
			case 5:
				i := near()
				op = fmt.Sprintf("MaybeUpdate(%d)", i)
				pr.MaybeUpdate(i)
			case 6:
				r, h := near(), near()
				op = fmt.Sprintf("MaybeDecrTo(%d, %d)", r, h)
				pr.MaybeDecrTo(r, h)
			case 7:
				op = "heartbeat response"
				pr.MsgAppFlowPaused = false
			}
			trace = append(trace, op+" -> "+pr.String())
			if err := checkInvariants(pr); err != nil {
				t.Fatalf("seed %d step %d: %v\ntrace:\n%v", seed, step, err, trace)
			}
		}
	}
}
