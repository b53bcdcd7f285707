package raft

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// newPaperNode starts node id of a cluster of voters 1..voters from a
// prepared log: the snapshot 1/1 (holding the configuration), then one
// entry per element of terms from index 2. Its hard state is the last
// entry's term, no vote, commit 1.
func newPaperNode(t *testing.T, id uint64, voters int, terms ...uint64) *RawNode {
	t.Helper()
	s := NewMemoryStorage()
	var cs pb.ConfState
	for v := uint64(1); v <= uint64(voters); v++ {
		cs.Voters = append(cs.Voters, v)
	}
	if err := s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: 1, ConfState: cs}}); err != nil {
		t.Fatal(err)
	}
	term := uint64(1)
	var ents []pb.Entry
	for i, tm := range terms {
		ents = append(ents, pb.Entry{Index: uint64(i + 2), Term: tm})
		term = tm
	}
	if err := s.Append(ents); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHardState(pb.HardState{Term: term, Commit: 1}); err != nil {
		t.Fatal(err)
	}
	rn, err := NewRawNode(newTestConfig(id, s))
	if err != nil {
		t.Fatal(err)
	}
	return rn
}

// logIDs lists the ids of every entry of r's log, durable or not, from its
// first index.
func logIDs(t testing.TB, r *raft) []entryID {
	ents, err := r.raftLog.slice(r.raftLog.firstIndex(), r.raftLog.lastIndex()+1, noLimit)
	if err != nil {
		t.Fatalf("node %d: reading its log: %v", r.id, err)
	}
	ids := make([]entryID, 0, len(ents))
	for i := range ents {
		ids = append(ids, pbEntryID(&ents[i]))
	}
	return ids
}

// nodeObs is what the safety checker sees of one node at one moment. log
// holds the entries from index 1.
type nodeObs struct {
	id, term  uint64
	leader    bool
	log       []entryID
	committed uint64
}

// committedAt records an entry known committed and the lowest term a node
// that knew it was in.
type committedAt struct {
	id   entryID
	term uint64
}

// safetyChecker checks the five safety properties of Figure 3 of the Raft
// paper over a history of observations. It knows nothing of package raft's
// internals, so it can be fed fabricated histories.
type safetyChecker struct {
	leaders    map[uint64]uint64    // term -> the leader seen in it
	leaderLogs map[uint64][]entryID // term -> its leader's last log seen
	logs       map[uint64][]entryID // node -> its last log seen
	committed  map[uint64]committedAt
	applied    map[uint64]entryID // index -> the entry applied there
}

func newSafetyChecker() *safetyChecker {
	return &safetyChecker{leaders: map[uint64]uint64{}, leaderLogs: map[uint64][]entryID{},
		logs: map[uint64][]entryID{}, committed: map[uint64]committedAt{}, applied: map[uint64]entryID{}}
}

func (c *safetyChecker) observe(o nodeObs) error {
	for _, check := range []func(nodeObs) error{c.electionSafety, c.leaderAppendOnly, c.logMatching, c.leaderCompleteness} {
		if err := check(o); err != nil {
			return err
		}
	}
	c.logs[o.id] = o.log
	return nil
}

// electionSafety: at most one leader can be elected in a given term.
func (c *safetyChecker) electionSafety(o nodeObs) error {
	if !o.leader {
		return nil
	}
	if other, ok := c.leaders[o.term]; ok && other != o.id {
		return fmt.Errorf("election safety: nodes %d and %d both lead term %d", other, o.id, o.term)
	}
	c.leaders[o.term] = o.id
	return nil
}

// leaderAppendOnly: a leader never overwrites or deletes entries in its
// log, so every log it had while leading is a prefix of the next.
func (c *safetyChecker) leaderAppendOnly(o nodeObs) error {
	if !o.leader {
		return nil
	}
	prev := c.leaderLogs[o.term]
	if len(prev) > len(o.log) || !slices.Equal(prev, o.log[:len(prev)]) {
		return fmt.Errorf("leader append-only: leader %d of term %d had log %v, now %v", o.id, o.term, prev, o.log)
	}
	c.leaderLogs[o.term] = o.log
	return nil
}

// logMatching: if two logs contain an entry with the same index and term,
// they are identical in all entries up through that index.
func (c *safetyChecker) logMatching(o nodeObs) error {
	for other, log := range c.logs {
		if other == o.id {
			continue
		}
		n := min(len(log), len(o.log))
		for i := n - 1; i >= 0; i-- {
			if log[i] != o.log[i] {
				continue
			}
			if !slices.Equal(log[:i], o.log[:i]) {
				return fmt.Errorf("log matching: nodes %d and %d share entry %v but not the entries before it: %v vs %v", o.id, other, log[i], o.log[:i], log[:i])
			}
			break
		}
	}
	return nil
}

// leaderCompleteness: an entry committed in a term is present in the log
// of every leader of a higher term. An entry a node knows committed while
// in term t was committed by a leader of a term at most t.
func (c *safetyChecker) leaderCompleteness(o nodeObs) error {
	for i := uint64(1); i <= o.committed && i <= uint64(len(o.log)); i++ {
		e := o.log[i-1]
		if got, ok := c.committed[i]; ok && got.id != e {
			return fmt.Errorf("leader completeness: %v and %v both committed at index %d", got.id, e, i)
		} else if !ok || o.term < got.term {
			c.committed[i] = committedAt{id: e, term: o.term}
		}
	}
	if !o.leader {
		return nil
	}
	for i, ca := range c.committed {
		if ca.term < o.term && (i > uint64(len(o.log)) || o.log[i-1] != ca.id) {
			return fmt.Errorf("leader completeness: leader %d of term %d lacks %v, committed by term %d", o.id, o.term, ca.id, ca.term)
		}
	}
	return nil
}

// stateMachineSafety: if a node has applied an entry at an index, no other
// node ever applies a different entry at that index.
func (c *safetyChecker) stateMachineSafety(node uint64, e entryID) error {
	if got, ok := c.applied[e.index]; ok && got != e {
		return fmt.Errorf("state machine safety: node %d applied %v where %v was applied", node, e, got)
	}
	c.applied[e.index] = e
	return nil
}

// paperSim drives a testNet one event at a time: a tick, the delivery or
// loss of one queued message picked at random (so messages are reordered),
// a proposal, a storage write (async nodes), a crash and restart, or a
// partition. After every event it observes every node.
type paperSim struct {
	t       *testing.T
	tn      *testNet
	rng     *rand.Rand
	tweak   func(*Config)
	check   *safetyChecker
	cut     map[uint64]bool // the minority side of a partition
	applied map[uint64]int  // how much of tn.applied was checked
	next    int
}

func newPaperSim(t *testing.T, seed uint64) *paperSim {
	rng := rand.New(rand.NewPCG(seed, 5))
	n := 3 + 2*int(seed%2)
	tweak := func(c *Config) {
		c.AsyncStorageWrites = seed%4 >= 2
		c.PreVote = seed%3 == 0
		c.RandSeed = seed*16 + c.ID
		c.MaxSizePerMsg = uint64(rng.IntN(2)) * 30
	}
	s := &paperSim{t: t, tn: newTestNet(t, n, tweak), rng: rng, tweak: tweak,
		check: newSafetyChecker(), cut: map[uint64]bool{}, applied: map[uint64]int{}}
	s.tn.settle() // persist the bootstrap
	return s
}

func (s *paperSim) run(events int) {
	for i := 0; i < events; i++ {
		s.event()
		for _, id := range s.tn.ids() {
			for s.tn.handleReady(id) {
			}
		}
		if err := s.observe(); err != nil {
			s.t.Fatalf("after event %d: %v", i, err)
		}
	}
}

func (s *paperSim) event() {
	tn, n := s.tn, len(s.tn.nodes)
	id := uint64(1 + s.rng.IntN(n))
	switch r := s.rng.IntN(200); {
	case r < 30:
		tn.nodes[id].Tick()
	case r < 150:
		s.deliverOne()
	case r < 170:
		_ = tn.nodes[id].Propose([]byte(fmt.Sprint(s.next)))
		s.next++
	case r < 190:
		s.runStorage(id)
	case r < 194:
		tn.restart(id, s.tweak) // loses queued async writes
	case r < 198:
		clear(s.cut)
		if s.rng.IntN(2) == 0 {
			for k := s.rng.IntN(n/2 + 1); k > 0; k-- {
				s.cut[uint64(1+s.rng.IntN(n))] = true
			}
		}
	default:
		_ = tn.nodes[id].Campaign()
	}
}

// deliverOne steps a random queued message, or loses it (one in six, or
// when it crosses the partition).
func (s *paperSim) deliverOne() {
	q := s.tn.queue
	if len(q) == 0 {
		return
	}
	i := s.rng.IntN(len(q))
	m := q[i]
	s.tn.queue = slices.Delete(q, i, i+1)
	if s.rng.IntN(6) == 0 || s.cut[m.From] != s.cut[m.To] {
		return
	}
	if err := s.tn.nodes[m.To].Step(m); err != nil && err != ErrProposalDropped {
		s.t.Fatalf("node %d: Step(%s): %v", m.To, DescribeMessage(m, nil), err)
	}
}

// runStorage does node id's queued async writes and applies in order, and
// steps their acknowledgements at once: a storage thread's answers are
// local, ordered and never lost.
func (s *paperSim) runStorage(id uint64) {
	tn := s.tn
	work := append(tn.appendQ[id], tn.applyQ[id]...)
	tn.appendQ[id], tn.applyQ[id] = nil, nil
	for _, m := range work {
		if m.To == LocalAppendThread {
			tn.persist(id, pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}, m.Snapshot, m.Entries)
		} else {
			tn.apply(id, m.Entries)
		}
		for _, resp := range m.Responses {
			if resp.To != id {
				tn.queue = append(tn.queue, resp)
			} else if err := tn.nodes[id].Step(resp); err != nil {
				s.t.Fatalf("node %d: Step(%s): %v", id, DescribeMessage(resp, nil), err)
			}
		}
	}
}

func (s *paperSim) observe() error {
	for _, id := range s.tn.ids() {
		r := s.tn.nodes[id].raft
		if fi := r.raftLog.firstIndex(); fi != 1 {
			s.t.Fatalf("node %d: the log starts at %d; the checker needs it from 1", id, fi)
		}
		o := nodeObs{id: id, term: r.term, leader: r.state == StateLeader, log: logIDs(s.t, r), committed: r.raftLog.committed}
		if err := s.check.observe(o); err != nil {
			return err
		}
		// A restart may shorten tn.applied; it applies those again.
		ap := s.tn.applied[id]
		for _, e := range ap[min(s.applied[id], len(ap)):] {
			if err := s.check.stateMachineSafety(id, pbEntryID(&e)); err != nil {
				return err
			}
		}
		s.applied[id] = len(ap)
	}
	return nil
}
