package raft

import (
	"slices"

	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// compactConf is a configuration kept in 40 bytes and one id array: what
// MemoryStorage keeps of its snapshot's ConfState, and what a follower
// keeps instead of the tracker's sets (a map of three ids takes 192
// bytes). Either form converts to it and back unchanged, nil and empty
// lists or sets included.
type compactConf struct {
	// ids holds the four lists back to back, in the order of the set
	// constants below; n has the lengths of all but the last.
	ids []uint64
	n   [confSets - 1]uint32
	// nonNil has bit i set if list i is non-nil, even if empty.
	nonNil    uint8
	autoLeave bool
}

// The lists of a compactConf, in order.
const (
	confVoters = iota
	confLearners
	confVotersOutgoing
	confLearnersNext
	confSets
)

// makeCompactConf copies lists (in the order above) into one array.
func makeCompactConf(lists *[confSets][]uint64, autoLeave bool) compactConf {
	c := compactConf{autoLeave: autoLeave}
	total := 0
	for i, l := range lists {
		total += len(l)
		if l != nil {
			c.nonNil |= 1 << i
		}
	}
	if total > 0 {
		c.ids = make([]uint64, 0, total)
	}
	for i, l := range lists {
		c.ids = append(c.ids, l...)
		if i < len(c.n) {
			c.n[i] = uint32(len(l))
		}
	}
	return c
}

// compactConfState copies cs: neither the caller's later changes nor
// appends by whoever receives the lists back can alter it.
func compactConfState(cs *pb.ConfState) compactConf {
	return makeCompactConf(&[confSets][]uint64{cs.Voters, cs.Learners, cs.VotersOutgoing, cs.LearnersNext}, cs.AutoLeave)
}

// compactConfig copies cfg, each set's ids ascending.
func compactConfig(cfg *tracker.Config) compactConf {
	var lists [confSets][]uint64
	for i, set := range [confSets]map[uint64]struct{}{cfg.Voters[0], cfg.Learners, cfg.Voters[1], cfg.LearnersNext} {
		if set != nil {
			lists[i] = quorum.MajorityConfig(set).Slice()
		}
	}
	return makeCompactConf(&lists, cfg.AutoLeave)
}

// list returns list i as a capped view of the array (appending to it
// reallocates), nil if it was nil.
func (c *compactConf) list(i int) []uint64 {
	off := 0
	for j := range i {
		off += int(c.n[j])
	}
	n := len(c.ids) - off
	if i < len(c.n) {
		n = int(c.n[i])
	}
	switch {
	case n > 0:
		return c.ids[off : off+n : off+n]
	case c.nonNil&(1<<i) != 0:
		return []uint64{}
	}
	return nil
}

// has reports whether list i holds id.
func (c *compactConf) has(i int, id uint64) bool {
	return slices.Contains(c.list(i), id)
}

// confState returns the lists as views of the array.
func (c *compactConf) confState() pb.ConfState {
	return pb.ConfState{Voters: c.list(confVoters), Learners: c.list(confLearners),
		VotersOutgoing: c.list(confVotersOutgoing), LearnersNext: c.list(confLearnersNext), AutoLeave: c.autoLeave}
}

// config rebuilds the tracker's sets, each one nil if its list was.
func (c *compactConf) config() tracker.Config {
	set := func(i int) map[uint64]struct{} {
		l := c.list(i)
		if l == nil {
			return nil
		}
		m := make(map[uint64]struct{}, len(l))
		for _, id := range l {
			m[id] = struct{}{}
		}
		return m
	}
	return tracker.Config{
		Voters:       quorum.JointConfig{set(confVoters), set(confVotersOutgoing)},
		AutoLeave:    c.autoLeave,
		Learners:     set(confLearners),
		LearnersNext: set(confLearnersNext),
	}
}
