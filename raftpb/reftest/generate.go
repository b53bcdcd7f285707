package reftest

import (
	"math"
	"math/rand/v2"

	"github.com/tickraft/raft/raftpb"
)

// Gen makes random raftpb values, deterministic for a seed, weighted toward
// the values codecs get wrong: zero and maximal integers, varint length
// boundaries, enum values outside the enum (negative ones are encoded in ten
// bytes), nil versus empty bytes and repeated fields, large payloads and
// memberships, and Messages nesting entries, snapshots and responses.
type Gen struct {
	r *rand.Rand
	// depth is how deeply the Message being made is nested in Responses.
	depth int
}

// maxGenDepth is how deeply generated Messages nest in Responses.
const maxGenDepth = 2

// NewGen returns a generator seeded with seed.
func NewGen(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, 0x7469636b72616674))}
}

// Entry returns a random Entry.
func (g *Gen) Entry() raftpb.Entry {
	return raftpb.Entry{
		Term:  g.uint64(),
		Index: g.uint64(),
		Type:  raftpb.EntryType(g.enum(len(raftpb.EntryType_name))),
		Data:  g.bytes(),
	}
}

// ConfState returns a random ConfState: often empty, sometimes with a
// thousand members.
func (g *Gen) ConfState() raftpb.ConfState {
	return raftpb.ConfState{
		Voters:         g.uint64s(),
		Learners:       g.uint64s(),
		VotersOutgoing: g.uint64s(),
		LearnersNext:   g.uint64s(),
		AutoLeave:      g.bool(),
	}
}

// SnapshotMetadata returns random SnapshotMetadata.
func (g *Gen) SnapshotMetadata() raftpb.SnapshotMetadata {
	m := raftpb.SnapshotMetadata{Index: g.uint64(), Term: g.uint64()}
	if g.r.IntN(4) > 0 {
		m.ConfState = g.ConfState()
	}
	return m
}

// Snapshot returns a random Snapshot.
func (g *Gen) Snapshot() raftpb.Snapshot {
	s := raftpb.Snapshot{Data: g.bytes()}
	if g.r.IntN(4) > 0 {
		s.Metadata = g.SnapshotMetadata()
	}
	return s
}

// Message returns a random Message, with entries, a snapshot and responses
// (themselves Messages) some of the time.
func (g *Gen) Message() raftpb.Message {
	m := raftpb.Message{
		Type:       raftpb.MessageType(g.enum(len(raftpb.MessageType_name))),
		To:         g.uint64(),
		From:       g.uint64(),
		Term:       g.uint64(),
		LogTerm:    g.uint64(),
		Index:      g.uint64(),
		Commit:     g.uint64(),
		Vote:       g.uint64(),
		Reject:     g.bool(),
		RejectHint: g.uint64(),
		Context:    g.bytes(),
	}
	m.Entries = genSlice(g, 6, g.Entry)
	if g.r.IntN(3) == 0 {
		s := g.Snapshot()
		m.Snapshot = &s
	}
	if g.depth < maxGenDepth {
		g.depth++
		m.Responses = genSlice(g, 3, g.Message)
		g.depth--
	}
	return m
}

// HardState returns a random HardState.
func (g *Gen) HardState() raftpb.HardState {
	return raftpb.HardState{Term: g.uint64(), Vote: g.uint64(), Commit: g.uint64()}
}

// ConfChange returns a random ConfChange.
func (g *Gen) ConfChange() raftpb.ConfChange {
	return raftpb.ConfChange{
		Type:    raftpb.ConfChangeType(g.enum(len(raftpb.ConfChangeType_name))),
		NodeID:  g.uint64(),
		Context: g.bytes(),
		ID:      g.uint64(),
	}
}

// ConfChangeSingle returns a random ConfChangeSingle.
func (g *Gen) ConfChangeSingle() raftpb.ConfChangeSingle {
	return raftpb.ConfChangeSingle{
		Type:   raftpb.ConfChangeType(g.enum(len(raftpb.ConfChangeType_name))),
		NodeID: g.uint64(),
	}
}

// ConfChangeV2 returns a random ConfChangeV2.
func (g *Gen) ConfChangeV2() raftpb.ConfChangeV2 {
	return raftpb.ConfChangeV2{
		Transition: raftpb.ConfChangeTransition(g.enum(len(raftpb.ConfChangeTransition_name))),
		Changes:    genSlice(g, 8, g.ConfChangeSingle),
		Context:    g.bytes(),
	}
}

// uint64 returns zero, the maximum, a varint length boundary, a small
// number or a random number of random bit length.
func (g *Gen) uint64() uint64 {
	switch g.r.IntN(8) {
	case 0:
		return 0
	case 1:
		return math.MaxUint64
	case 2:
		// 2^(7k) needs k+1 varint bytes, 2^(7k)-1 needs k.
		return 1<<(7*(1+g.r.IntN(9))) - uint64(g.r.IntN(2))
	case 3:
		return uint64(g.r.IntN(300))
	default:
		return g.r.Uint64() >> g.r.IntN(64)
	}
}

// enum returns a value of an enum with n values, or one outside it.
func (g *Gen) enum(n int) int32 {
	switch g.r.IntN(12) {
	case 0:
		return -1
	case 1:
		return math.MinInt32
	case 2:
		return math.MaxInt32
	case 3:
		return int32(n + g.r.IntN(200))
	case 4:
		return -1 - g.r.Int32N(1000)
	default:
		return int32(g.r.IntN(n))
	}
}

func (g *Gen) bool() bool { return g.r.IntN(2) == 0 }

// bytes returns nil, empty, large or small bytes.
func (g *Gen) bytes() []byte {
	var n int
	switch g.r.IntN(8) {
	case 0, 1:
		return nil
	case 2:
		return []byte{}
	case 3:
		n = 100 + g.r.IntN(4000)
	default:
		n = 1 + g.r.IntN(20)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

// uint64s returns nil, empty, large or short member lists.
func (g *Gen) uint64s() []uint64 {
	var n int
	switch g.r.IntN(12) {
	case 0, 1:
		return nil
	case 2:
		return []uint64{}
	case 3:
		n = 100 + g.r.IntN(900)
	default:
		n = 1 + g.r.IntN(7)
	}
	vs := make([]uint64, n)
	for i := range vs {
		vs[i] = g.uint64()
	}
	return vs
}

// genSlice returns nil, an empty slice, or up to max values made by f.
func genSlice[T any](g *Gen, max int, f func() T) []T {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []T{}
	}
	out := make([]T, 1+g.r.IntN(max))
	for i := range out {
		out[i] = f()
	}
	return out
}
