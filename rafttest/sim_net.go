package rafttest

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// simNet carries messages between simulated nodes. Each message is due at
// a step; it is delivered then unless the link is cut by that time.
type simNet struct {
	flights []flight
	seq     uint64
	// cut[from][to] blocks messages from -> to; nil means no partition.
	cut map[[2]uint64]bool
	// slow adds steps to the delay of every message sent to a node; nil
	// means none. Only strand sets it; heal clears it.
	slow map[uint64]int64
}

type flight struct {
	m   pb.Message
	due int64
	seq uint64
}

// send queues msgs, dropping, delaying, reordering and duplicating them at
// the seed's rates.
func (nt *simNet) send(s *Sim, msgs []pb.Message) {
	p := s.params
	for _, m := range msgs {
		if s.chance(p.pDrop) {
			s.trace.addMsg(s, "drop", m)
			s.Stats.Dropped++
			nt.lost(s, m)
			continue
		}
		copies := 1
		if s.chance(p.pDup) {
			copies = 2
		}
		for range copies {
			due := s.step + 1
			if s.chance(p.pReorder) {
				due += 1 + s.rng.Int64N(4)
			}
			if s.chance(p.pDelay) {
				due += 10 + s.rng.Int64N(100)
			}
			due += nt.slow[m.To]
			nt.seq++
			nt.flights = append(nt.flights, flight{m: m, due: due, seq: nt.seq})
		}
	}
}

// deliverDue delivers, oldest due first, the messages due by now.
func (nt *simNet) deliverDue(s *Sim) error {
	var due []flight
	kept := nt.flights[:0]
	for _, f := range nt.flights {
		if f.due <= s.step {
			due = append(due, f)
		} else {
			kept = append(kept, f)
		}
	}
	clear(nt.flights[len(kept):])
	nt.flights = kept
	slices.SortFunc(due, func(a, b flight) int {
		if c := cmp.Compare(a.due, b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, f := range due {
		nt.deliver(s, f.m)
	}
	return nil
}

func (nt *simNet) deliver(s *Sim, m pb.Message) {
	if nt.cut[[2]uint64{m.From, m.To}] {
		s.trace.addMsg(s, "cut", m)
		s.Stats.Dropped++
		nt.lost(s, m)
		return
	}
	to := s.nodeByID(m.To)
	if to == nil {
		s.check.fail(fmt.Sprintf("message to unknown node: %s", raft.DescribeMessage(m, nil)))
		return
	}
	s.trace.addMsg(s, "deliver", m)
	s.Stats.Delivered++
	// A peer's message may be refused (stale, say); refusing must not panic.
	_ = to.rn.Step(m)
	if m.Type == pb.MsgSnap {
		if from := s.nodeByID(m.From); from != nil {
			from.rn.ReportSnapshot(m.To, raft.SnapshotFinish)
		}
	}
}

// lost tells the sender about a lost snapshot, as a transport would.
func (nt *simNet) lost(s *Sim, m pb.Message) {
	if m.Type != pb.MsgSnap {
		return
	}
	if from := s.nodeByID(m.From); from != nil {
		from.rn.ReportUnreachable(m.To)
		from.rn.ReportSnapshot(m.To, raft.SnapshotFailure)
	}
}

// partition cuts the cluster in two (symmetric), or cuts one direction
// between random pairs (asymmetric).
func (nt *simNet) partition(s *Sim) {
	nt.cut = map[[2]uint64]bool{}
	ids := make([]uint64, len(s.nodes))
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	if s.rng.IntN(2) == 0 {
		s.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		k := 1 + s.rng.IntN(len(ids)-1)
		for _, a := range ids[:k] {
			for _, b := range ids[k:] {
				nt.cut[[2]uint64{a, b}], nt.cut[[2]uint64{b, a}] = true, true
			}
		}
		s.trace.addf(s, "partition %v | %v", ids[:k], ids[k:])
		return
	}
	pairs := 1 + s.rng.IntN(len(ids))
	var desc []string
	for range pairs {
		a, b := ids[s.rng.IntN(len(ids))], ids[s.rng.IntN(len(ids))]
		if a != b {
			nt.cut[[2]uint64{a, b}] = true
			desc = append(desc, fmt.Sprintf("%d->%d", a, b))
		}
	}
	s.trace.addf(s, "cut one way %v", desc)
}

// strand cuts every link out of the leader and slows every link into it,
// until the next heal: its followers stop hearing it while their answers
// to its last messages, and a new leader's messages, reach it late. This
// is the shape in which a lease counted from an answer's arrival outlives
// the followers' vote windows. Without a leader it partitions instead.
func (nt *simNet) strand(s *Sim) {
	var lead *simNode
	for _, n := range s.nodes {
		if st := n.rn.BasicStatus(); st.RaftState == raft.StateLeader && (lead == nil || st.Term > lead.rn.BasicStatus().Term) {
			lead = n
		}
	}
	if lead == nil {
		nt.partition(s)
		return
	}
	nt.cut = map[[2]uint64]bool{}
	for _, n := range s.nodes {
		nt.cut[[2]uint64{lead.id, n.id}] = true
	}
	nt.slow = map[uint64]int64{lead.id: 40 + s.rng.Int64N(60)}
	s.trace.addf(s, "strand leader %d: links out cut, links in slowed by %d steps", lead.id, nt.slow[lead.id])
}

func (nt *simNet) heal(s *Sim) {
	if nt.cut != nil {
		s.trace.addf(s, "heal network")
	}
	nt.cut = nil
	nt.slow = nil
}
