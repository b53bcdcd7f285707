package quorum

import (
	"math"
	"slices"
	"testing"
)

func TestIndexString(t *testing.T) {
	for _, tc := range []struct {
		idx  Index
		want string
	}{
		{0, "0"},
		{42, "42"},
		{math.MaxUint64 - 1, "18446744073709551614"},
		{math.MaxUint64, "∞"},
	} {
		if got := tc.idx.String(); got != tc.want {
			t.Errorf("Index(%d).String() = %q, want %q", uint64(tc.idx), got, tc.want)
		}
	}
}

func TestVoteResultString(t *testing.T) {
	for _, tc := range []struct {
		v    VoteResult
		want string
	}{
		{0, "VoteResult(0)"},
		{VotePending, "VotePending"},
		{VoteLost, "VoteLost"},
		{VoteWon, "VoteWon"},
		{4, "VoteResult(4)"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("VoteResult(%d).String() = %q, want %q", uint8(tc.v), got, tc.want)
		}
	}
	// The numeric values are part of the v3.6 API.
	if VotePending != 1 || VoteLost != 2 || VoteWon != 3 {
		t.Errorf("VotePending, VoteLost, VoteWon = %d, %d, %d; want 1, 2, 3", VotePending, VoteLost, VoteWon)
	}
}

func TestConfigStrings(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"nil majority", MajorityConfig(nil).String(), "()"},
		{"empty majority", majority().String(), "()"},
		{"majority sorts", majority(3, 10, 1, 2).String(), "(1 2 3 10)"},
		{"joint without outgoing", JointConfig{majority(2, 1), nil}.String(), "(1 2)"},
		{"joint with outgoing", JointConfig{majority(2, 1), majority(3, 1)}.String(), "(1 2)&&(1 3)"},
		{"joint with empty incoming", JointConfig{nil, majority(7)}.String(), "()&&(7)"},
		{"empty joint", JointConfig{}.String(), "()"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: String() = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestMajoritySlice(t *testing.T) {
	if got := MajorityConfig(nil).Slice(); len(got) != 0 {
		t.Errorf("nil config Slice() = %v, want empty", got)
	}
	got := majority(9, 3, math.MaxUint64, 0, 4).Slice()
	want := []uint64{0, 3, 4, 9, math.MaxUint64}
	if !slices.Equal(got, want) {
		t.Errorf("Slice() = %v, want %v", got, want)
	}
}

func TestJointIDs(t *testing.T) {
	c := JointConfig{majority(1, 2, 3), majority(3, 4)}
	ids := c.IDs()
	got := MajorityConfig(ids).Slice()
	if want := []uint64{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("IDs() = %v, want %v", got, want)
	}
	// The map is fresh: changing it must not change either half.
	ids[99] = struct{}{}
	delete(ids, 1)
	if _, ok := c[0][1]; !ok {
		t.Error("deleting from IDs() removed voter 1 from the incoming config")
	}
	if _, ok := c[0][99]; ok {
		t.Error("adding to IDs() added voter 99 to the incoming config")
	}
	if got := len(JointConfig{}.IDs()); got != 0 {
		t.Errorf("empty joint config IDs() has %d entries, want 0", got)
	}
}

func TestCommittedIndexMissingVoterCountsAsZero(t *testing.T) {
	// The indexer reports a non-zero index alongside found=false; it must be
	// ignored, not trusted.
	lying := lyingIndexer{acked: ackedMap{1: 5, 2: 5}, notFound: 100}
	if got := majority(1, 2, 3).CommittedIndex(lying); got != 5 {
		t.Errorf("CommittedIndex = %d, want 5", got)
	}
	if got := majority(1, 3, 4).CommittedIndex(lying); got != 0 {
		t.Errorf("CommittedIndex = %d, want 0", got)
	}
}

// lyingIndexer returns notFound together with found=false for unknown IDs.
type lyingIndexer struct {
	acked    ackedMap
	notFound Index
}

func (l lyingIndexer) AckedIndex(id uint64) (Index, bool) {
	if idx, ok := l.acked[id]; ok {
		return idx, true
	}
	return l.notFound, false
}

func TestCommittedIndexDoesNotAllocate(t *testing.T) {
	for n := 1; n <= stackVoters; n++ {
		c := MajorityConfig{}
		acked := ackedMap{}
		for id := uint64(1); id <= uint64(n); id++ {
			c[id] = struct{}{}
			// Descending acks exercise the most shifting in the sort; leave
			// one voter out so the missing-ack path runs too.
			if id != 2 {
				acked[id] = Index(100 - id)
			}
		}
		var l AckedIndexer = acked
		j := JointConfig{c, c}
		if allocs := testing.AllocsPerRun(50, func() { c.CommittedIndex(l) }); allocs != 0 {
			t.Errorf("%d voters: MajorityConfig.CommittedIndex allocates %.1f times per call, want 0", n, allocs)
		}
		if allocs := testing.AllocsPerRun(50, func() { j.CommittedIndex(l) }); allocs != 0 {
			t.Errorf("%d voters: JointConfig.CommittedIndex allocates %.1f times per call, want 0", n, allocs)
		}
	}
}
