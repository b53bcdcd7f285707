package bench

import (
	"slices"
	"testing"
)

// The workloads are only comparable if both adapters do the same work:
// these tests run each harness briefly on both libraries and check the
// outcome, which is the same for any correct Raft.

func TestRawClusterCommitsEverywhere(t *testing.T) {
	for _, l := range libs {
		for _, voters := range []int{1, 3, 5} {
			c, err := newRawCluster(l, voters)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 3 {
				for range 4 {
					if err := c.nodes[0].Propose([]byte("x")); err != nil {
						t.Fatalf("%s: %v", l.name(), err)
					}
				}
				if err := c.settle(); err != nil {
					t.Fatalf("%s: %v", l.name(), err)
				}
				if err := c.checkApplied(4 * (round + 1)); err != nil {
					t.Errorf("%s, %d voters: %v", l.name(), voters, err)
				}
			}
			// Snapshot at 1, the leader's empty entry at 2, then 12 proposals.
			for i, a := range c.applied {
				if a != 14 {
					t.Errorf("%s, %d voters: node %d applied up to %d, want 14", l.name(), voters, i+1, a)
				}
			}
			if c.storageCalls() == 0 {
				t.Errorf("%s: no Storage calls counted", l.name())
			}
		}
	}
}

func TestRawClusterCompacts(t *testing.T) {
	for _, l := range libs {
		c, err := newRawCluster(l, 3)
		if err != nil {
			t.Fatal(err)
		}
		for range compactEvery + 1 {
			if err := c.nodes[0].Propose([]byte("x")); err != nil {
				t.Fatal(err)
			}
			if err := c.settle(); err != nil {
				t.Fatal(err)
			}
			if err := c.maybeCompact(); err != nil {
				t.Fatal(err)
			}
		}
		// Compacted once, at index 4096: 1 (snapshot) + 1 (empty) + 4094.
		for i, at := range c.compacted {
			if at != compactEvery {
				t.Errorf("%s: node %d compacted at %d, want %d", l.name(), i+1, at, compactEvery)
			}
		}
		if err := c.checkApplied(compactEvery + 1); err != nil {
			t.Errorf("%s: %v", l.name(), err)
		}
	}
}

func TestGoClusterCommitsEverywhere(t *testing.T) {
	for _, l := range libs {
		c, err := newGoCluster(l, 3)
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if err := c.nodes[0].Propose(c.ctx, []byte("y")); err != nil {
				t.Fatalf("%s: %v", l.name(), err)
			}
		}
		for i := range c.nodes {
			if err := c.wait(i, 20); err != nil {
				t.Fatalf("%s: node %d: %v", l.name(), i+1, err)
			}
		}
		if err := c.stop(); err != nil {
			t.Fatalf("%s: %v", l.name(), err)
		}
		for i := range c.nodes {
			if got := c.proposals[i].Load(); got != 20 {
				t.Errorf("%s: node %d applied %d proposals, want 20", l.name(), i+1, got)
			}
		}
	}
}

// naiveCommitted is the largest index acknowledged by a majority: the
// (n/2+1)-th largest acknowledged index.
func naiveCommitted(acked map[uint64]uint64) uint64 {
	var idx []uint64
	for _, i := range acked {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	slices.Reverse(idx)
	return idx[len(idx)/2]
}

func TestMajorityCommitted(t *testing.T) {
	cases := []map[uint64]uint64{
		quorumAcked(3), quorumAcked(5), quorumAcked(7),
		{1: 5, 2: 5, 3: 1},
		{1: 9, 2: 3, 3: 7, 4: 7},
	}
	for _, acked := range cases {
		want := naiveCommitted(acked)
		for _, l := range libs {
			if got := l.majorityCommitted(acked)(); got != want {
				t.Errorf("%s: committed index of %v is %d, want %d", l.name(), acked, got, want)
			}
		}
	}
	// Hand-worked checks of the model: quorumAcked(3) is {1:120, 2:110,
	// 3:100}, two of three acked 110; quorumAcked(7) acks 100..160, four
	// of seven acked 130.
	for n, want := range map[int]uint64{3: 110, 5: 120, 7: 130} {
		if got := naiveCommitted(quorumAcked(n)); got != want {
			t.Errorf("naive model: committed of %v is %d, want %d", quorumAcked(n), got, want)
		}
	}
}
