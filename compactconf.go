package raft

import (
	"slices"

	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// compactConf is a configuration kept in one array of words: what
// MemoryStorage keeps of its snapshot's ConfState, and what a follower
// keeps instead of the tracker's sets (a map of three ids takes 192
// bytes). Either form converts to it and back unchanged, nil and empty
// lists or sets included.
//
// The array is a header word, then the four lists back to back in the
// order of the set constants below; three voters take 32 bytes. The
// header holds the auto-leave flag, whether the last list is nil, and for
// each of the other three its length plus one (zero if nil), 20 bits
// each. A list too long for that (a million ids) makes the array wide:
// the three lengths follow the header in words of their own. The zero
// compactConf, with no array, has every list nil.
type compactConf struct {
	words []uint64
}

// The lists of a compactConf, in order.
const (
	confVoters = iota
	confLearners
	confVotersOutgoing
	confLearnersNext
	confSets
)

// The header word of a compactConf.
const (
	confAutoLeave  = 1 << 0
	confLastNonNil = 1 << 1 // LearnersNext is not nil
	confWide       = 1 << 2 // the lengths are in words[1:confSets]
	confLenShift   = 4      // the first length field, then one every confLenBits
	confLenBits    = 20
	confLenMask    = 1<<confLenBits - 1
)

// makeCompactConf copies lists (in the order above) into one array.
func makeCompactConf(lists *[confSets][]uint64, autoLeave bool) compactConf {
	var hdr uint64
	if autoLeave {
		hdr |= confAutoLeave
	}
	if lists[confSets-1] != nil {
		hdr |= confLastNonNil
	}
	// codes[i] is list i's length plus one, zero if it is nil.
	var codes [confSets - 1]uint64
	total := 0
	for i, l := range lists {
		total += len(l)
		if i < len(codes) && l != nil {
			codes[i] = uint64(len(l)) + 1
			if codes[i] > confLenMask {
				hdr |= confWide
			}
		}
	}
	head := 1
	if hdr&confWide != 0 {
		head += len(codes)
	} else {
		for i, code := range codes {
			hdr |= code << (confLenShift + i*confLenBits)
		}
	}
	if hdr == 0 {
		return compactConf{} // every list nil
	}
	words := make([]uint64, head, head+total)
	words[0] = hdr
	if hdr&confWide != 0 {
		copy(words[1:], codes[:])
	}
	for _, l := range lists {
		words = append(words, l...)
	}
	return compactConf{words: words}
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

func (c *compactConf) header() uint64 {
	if len(c.words) == 0 {
		return 0
	}
	return c.words[0]
}

// code returns list i's length plus one, zero if it is nil; i is not the
// last list.
func (c *compactConf) code(i int) int {
	hdr := c.header()
	if hdr&confWide != 0 {
		return int(c.words[1+i])
	}
	return int(hdr >> (confLenShift + i*confLenBits) & confLenMask)
}

// ids returns the ids of all four lists, back to back.
func (c *compactConf) ids() []uint64 {
	switch {
	case len(c.words) == 0:
		return nil
	case c.words[0]&confWide != 0:
		return c.words[confSets:]
	}
	return c.words[1:]
}

func (c *compactConf) autoLeave() bool { return c.header()&confAutoLeave != 0 }

// list returns list i as a capped view of the array (appending to it
// reallocates), nil if it was nil.
func (c *compactConf) list(i int) []uint64 {
	ids := c.ids()
	off := 0
	for j := range i {
		off += max(c.code(j)-1, 0)
	}
	n, nonNil := len(ids)-off, c.header()&confLastNonNil != 0
	if i < confSets-1 {
		code := c.code(i)
		n, nonNil = max(code-1, 0), code != 0
	}
	switch {
	case n > 0:
		return ids[off : off+n : off+n]
	case nonNil:
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
		VotersOutgoing: c.list(confVotersOutgoing), LearnersNext: c.list(confLearnersNext), AutoLeave: c.autoLeave()}
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
		AutoLeave:    c.autoLeave(),
		Learners:     set(confLearners),
		LearnersNext: set(confLearnersNext),
	}
}
