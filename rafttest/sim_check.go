package rafttest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// checker holds what the whole run has seen, so that each invariant is
// checked against history, not only against the present.
type checker struct {
	s       *Sim
	failure string
	// leaders maps every term to the leader ever seen in it.
	leaders map[uint64]uint64
	// written maps every entry id ever written anywhere to its contents and
	// the term of the entry before it. Log matching holds iff no id ever
	// comes with two different contents or predecessors.
	written map[entryID]writtenEntry
	// committed maps an index to the term of the entry committed there, as
	// held by a durable quorum or applied.
	committed    map[uint64]uint64
	maxCommitted uint64
	// votes maps a node and term to the vote it wrote in that term.
	votes map[[2]uint64]uint64
	// maxApplied is the highest index any node has applied.
	maxApplied uint64
	// appliedAt maps an index to the entry applied there, by anyone.
	appliedAt map[uint64]writtenEntry
	per       []nodeCheck

	// Set by the node around a write made from a Ready it took as leader.
	leaderWrite bool
	leaderTerm  uint64
}

type entryID struct{ index, term uint64 }

type writtenEntry struct {
	term     uint64
	prevTerm uint64 // 0 when unknown
	data     string
}

// nodeCheck is the checker's memory of one node.
type nodeCheck struct {
	commit uint64
	// ledTerm and ledLast: the last term this node wrote entries as leader
	// in, and the last index it wrote then.
	ledTerm, ledLast uint64
	// Leader completeness still to verify for the term lcTerm: the entries
	// committed before it led, from lcNext up to lcUpTo.
	lcTerm, lcNext, lcUpTo uint64
	// voters is the node's configuration at the end of the last step
	// (kept under churn only).
	voters quorum.JointConfig
}

func newChecker(s *Sim) *checker {
	return &checker{
		s:         s,
		leaders:   map[uint64]uint64{},
		written:   map[entryID]writtenEntry{},
		committed: map[uint64]uint64{1: 1},
		appliedAt: map[uint64]writtenEntry{},
		votes:     map[[2]uint64]uint64{},
		per:       make([]nodeCheck, s.params.nodes+1),
	}
}

// fail records the first violation; the step reports it when it ends.
func (c *checker) fail(msg string) {
	if c.failure == "" {
		c.failure = msg
	}
}

func (c *checker) restarted(n *simNode, hs pb.HardState) {
	pc := &c.per[n.id]
	*pc = nodeCheck{commit: hs.Commit}
	if got := n.rn.BasicStatus().Commit; got < hs.Commit {
		c.fail(fmt.Sprintf("commit: node %d restarted at commit %d below its durable commit %d", n.id, got, hs.Commit))
	}
}

// beforeWrite checks a write against log matching and leader append-only
// before it reaches vol.
func (c *checker) beforeWrite(n *simNode, op simOp) {
	pc := &c.per[n.id]
	switch op.kind {
	case opSnap:
		if c.leaderWrite && pc.ledTerm == c.leaderTerm {
			c.fail(fmt.Sprintf("leader append-only: leader %d of term %d installed snapshot %d/%d over its log",
				n.id, c.leaderTerm, op.snap.Metadata.Index, op.snap.Metadata.Term))
		}
		c.checkCommitted(op.snap.Metadata.Index, op.snap.Metadata.Term, fmt.Sprintf("snapshot at node %d", n.id))
	case opEntries:
		first := op.ents[0].Index
		if c.leaderWrite {
			if pc.ledTerm == c.leaderTerm && first <= pc.ledLast {
				c.fail(fmt.Sprintf("leader append-only: leader %d of term %d rewrote from index %d, having written up to %d",
					n.id, c.leaderTerm, first, pc.ledLast))
			}
			pc.ledTerm, pc.ledLast = c.leaderTerm, op.ents[len(op.ents)-1].Index
		}
		c.recordWritten(n, op.ents)
	}
}

// checkVote checks that a node never durably votes for two candidates in
// one term, across restarts too: the root of election safety. A vote lost
// to a crash before its sync was never sent, so it binds nothing.
func (c *checker) checkVote(n *simNode, hs pb.HardState) {
	if hs.Vote == 0 {
		return
	}
	key := [2]uint64{n.id, hs.Term}
	if old, ok := c.votes[key]; ok && old != hs.Vote {
		c.fail(fmt.Sprintf("vote safety: node %d voted for %d in term %d, having voted for %d", n.id, hs.Vote, hs.Term, old))
		return
	}
	c.votes[key] = hs.Vote
}

func (c *checker) recordWritten(n *simNode, ents []pb.Entry) {
	prev, err := n.vol.Term(ents[0].Index - 1)
	if err != nil {
		prev = 0
	}
	for _, e := range ents {
		id := entryID{e.Index, e.Term}
		w := writtenEntry{term: e.Term, prevTerm: prev, data: fmt.Sprintf("%d:%q", e.Type, e.Data)}
		prev = e.Term
		old, ok := c.written[id]
		if !ok {
			c.written[id] = w
			continue
		}
		if old.data != w.data || (old.prevTerm != 0 && w.prevTerm != 0 && old.prevTerm != w.prevTerm) {
			c.fail(fmt.Sprintf("log matching: node %d wrote entry %d/%d as %s after term %d; seen before as %s after term %d",
				n.id, e.Index, e.Term, w.data, w.prevTerm, old.data, old.prevTerm))
		}
	}
}

// checkCommitted records that the entry at index with term is committed and
// fails if a different one was.
func (c *checker) checkCommitted(index, term uint64, who string) {
	old, ok := c.committed[index]
	if !ok {
		c.committed[index] = term
		c.maxCommitted = max(c.maxCommitted, index)
		return
	}
	if old != term {
		c.fail(fmt.Sprintf("committed entries: %s has term %d at index %d, where term %d was committed", who, term, index, old))
	}
}

// applied checks one entry node n applies: not beyond its commit index, and
// the same as whatever anyone applied at that index.
func (c *checker) applied(n *simNode, e pb.Entry, commit uint64) {
	if e.Index > commit {
		c.fail(fmt.Sprintf("apply: node %d applied entry %d/%d beyond its commit index %d", n.id, e.Index, e.Term, commit))
	}
	c.maxApplied = max(c.maxApplied, e.Index)
	w := writtenEntry{term: e.Term, data: fmt.Sprintf("%d:%q", e.Type, e.Data)}
	old, ok := c.appliedAt[e.Index]
	if !ok {
		c.appliedAt[e.Index] = w
	} else if old.term != w.term || old.data != w.data {
		c.fail(fmt.Sprintf("state machine safety: node %d applied %d/%d %s; %d/%d %s was applied there before",
			n.id, e.Index, e.Term, w.data, e.Index, old.term, old.data))
	}
	c.checkCommitted(e.Index, e.Term, fmt.Sprintf("entry applied at node %d", n.id))
}

// afterStep checks the invariants over every node's state; it returns the
// first violation or "".
func (c *checker) afterStep() string {
	for _, n := range c.s.nodes {
		if c.failure != "" {
			break
		}
		bs := n.rn.BasicStatus()
		c.checkLeader(n, bs)
		c.checkCommit(n, bs)
		c.checkCompleteness(n, bs)
		if c.s.opts.Churn && bs.RaftState == raft.StateLeader {
			c.per[n.id].voters = n.rn.Status().Config.Voters
		}
	}
	return c.failure
}

func (c *checker) checkLeader(n *simNode, bs raft.BasicStatus) {
	if bs.RaftState != raft.StateLeader {
		return
	}
	old, ok := c.leaders[bs.Term]
	if ok && old != n.id {
		c.fail(fmt.Sprintf("election safety: nodes %d and %d both led term %d", old, n.id, bs.Term))
		return
	}
	if !ok {
		c.leaders[bs.Term] = n.id
		c.s.trace.addf(c.s, "%d is leader of term %d", n.id, bs.Term)
		pc := &c.per[n.id]
		pc.lcTerm, pc.lcNext, pc.lcUpTo = bs.Term, 2, c.maxCommitted
	}
}

func (c *checker) checkCommit(n *simNode, bs raft.BasicStatus) {
	pc := &c.per[n.id]
	if bs.Commit < pc.commit {
		c.fail(fmt.Sprintf("commit: node %d moved its commit index back from %d to %d", n.id, pc.commit, bs.Commit))
		return
	}
	if bs.Commit == pc.commit {
		return
	}
	pc.commit = bs.Commit
	c.s.Stats.MaxCommit = max(c.s.Stats.MaxCommit, int(bs.Commit))
	c.checkDurableQuorum(n, bs)
}

// checkDurableQuorum checks that a quorum of voters hold the entry at the
// commit index durably: an entry a node reports committed must survive any
// crashes. The leader's own copy need not be among them. With a static
// membership the term that quorum holds is the committed one. Under churn
// only the leader is checked, against its configuration before or after
// this step (a conf change applied this step may have come after the
// commit); a follower may lag behind the configuration that committed.
func (c *checker) checkDurableQuorum(n *simNode, bs raft.BasicStatus) {
	index := bs.Commit
	if !c.s.opts.Churn {
		all := make([]uint64, len(c.s.nodes))
		for i := range all {
			all[i] = uint64(i + 1)
		}
		term, ok, desc := c.durableQuorum(index, all)
		switch {
		case !ok:
			c.fail(fmt.Sprintf("durable before acknowledged: node %d reports commit %d but no quorum holds that entry durably [%s]",
				n.id, index, desc))
		case term != 0:
			c.checkCommitted(index, term, fmt.Sprintf("the durable quorum when node %d reported commit %d", n.id, index))
		}
		return
	}
	if bs.RaftState != raft.StateLeader {
		return
	}
	now := n.rn.Status().Config.Voters
	var descs []string
	for _, cfg := range []quorum.JointConfig{c.per[n.id].voters, now} {
		ok := len(cfg[0])+len(cfg[1]) > 0
		for _, half := range cfg {
			if len(half) == 0 {
				continue
			}
			_, got, desc := c.durableQuorum(index, slices.Sorted(maps.Keys(half)))
			ok = ok && got
			descs = append(descs, desc)
		}
		if ok {
			return
		}
	}
	c.fail(fmt.Sprintf("durable before acknowledged: leader %d reports commit %d but no quorum of its configuration holds that entry durably [%s]",
		n.id, index, strings.Join(descs, " | ")))
}

// durableQuorum reports whether a majority of voters hold the entry at index
// durably, and the term of that entry when it can tell.
func (c *checker) durableQuorum(index uint64, voters []uint64) (term uint64, ok bool, desc string) {
	counts := map[uint64]int{}
	compacted := 0
	var descs []string
	for _, id := range voters {
		t, err := c.s.nodeByID(id).dur.Term(index)
		switch {
		case errors.Is(err, raft.ErrCompacted):
			compacted++
			descs = append(descs, fmt.Sprintf("%d:compacted", id))
		case err != nil:
			descs = append(descs, fmt.Sprintf("%d:missing", id))
		default:
			counts[t]++
			descs = append(descs, fmt.Sprintf("%d:term %d", id, t))
		}
	}
	quorum := len(voters)/2 + 1
	var terms []uint64
	for t, k := range counts {
		if k+compacted >= quorum {
			terms = append(terms, t)
		}
	}
	ok = len(terms) > 0 || compacted >= quorum
	if len(terms) == 1 && counts[terms[0]] >= quorum {
		term = terms[0]
	}
	return term, ok, strings.Join(descs, " ")
}

// checkCompleteness checks, once the leader's writes have caught up with
// its log, that it holds every entry committed before it was elected.
func (c *checker) checkCompleteness(n *simNode, bs raft.BasicStatus) {
	pc := &c.per[n.id]
	if pc.lcTerm == 0 {
		return
	}
	if bs.RaftState != raft.StateLeader || bs.Term != pc.lcTerm {
		pc.lcTerm = 0
		return
	}
	if !n.caughtUp() {
		return
	}
	for ; pc.lcNext <= pc.lcUpTo; pc.lcNext++ {
		t, err := n.vol.Term(pc.lcNext)
		if errors.Is(err, raft.ErrCompacted) {
			continue
		}
		want, known := c.committed[pc.lcNext]
		if err != nil || (known && t != want) {
			c.fail(fmt.Sprintf("leader completeness: leader %d of term %d lacks committed entry %d/%d (has term %d, %v)",
				n.id, pc.lcTerm, pc.lcNext, want, t, err))
			return
		}
	}
	pc.lcTerm = 0
	c.s.Stats.LeadersChecked++
}
