package rafttest

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// simNode is a RawNode over a storage model with two layers. vol is what
// the node has written, which raft reads; dur is what a crash keeps. A write
// goes to vol at once and is queued in pending; sync replays pending onto dur.
//
//	write ──► vol (+pending) ──sync──► dur ──crash-restart──► new vol
type simNode struct {
	s       *Sim
	id      uint64
	rn      *raft.RawNode
	vol     *raft.MemoryStorage
	dur     *raft.MemoryStorage
	pending []simOp
	applied uint64
	// kv is the state machine, as of kv.index (normally applied); waitReads
	// the confirmed reads waiting for it to catch up.
	kv        *kvStore
	waitReads []waitingRead
	// confs records the configuration after each applied conf change and
	// installed snapshot, oldest first.
	confs []indexedConf
	// crashSoon makes the node crash at the start of the next step.
	crashSoon bool
	// incarnation counts restarts; it seeds the new RawNode's randomness.
	incarnation uint64

	// Sync mode: a Ready written to vol, waiting for its sync, sends and
	// Advance.
	ready *raft.Ready
	// Async mode: the storage threads' queues. appendQ[:written] are in vol
	// but not yet synced and acknowledged.
	appendQ []appendWork
	written int
	applyQ  []pb.Message
}

// appendWork is a MsgStorageAppend and who the node was when it asked for
// the write, for the leader append-only check.
type appendWork struct {
	m      pb.Message
	leader bool
	term   uint64
}

type opKind int

const (
	opSnap opKind = iota
	opEntries
	opHardState
	opCompact
)

// simOp is one write to the storage model, kept until synced.
type simOp struct {
	kind  opKind
	snap  pb.Snapshot
	ents  []pb.Entry
	hs    pb.HardState
	index uint64
}

func newSimNode(s *Sim, id uint64) *simNode {
	n := &simNode{s: s, id: id, dur: raft.NewMemoryStorage()}
	var voters []uint64
	for i := 1; i <= s.params.nodes; i++ {
		voters = append(voters, uint64(i))
	}
	boot := pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: 1, ConfState: pb.ConfState{Voters: voters}}}
	mustOK(n.dur.ApplySnapshot(boot))
	mustOK(n.dur.SetHardState(pb.HardState{Term: 1, Commit: 1}))
	n.applied = 1
	n.kv = newKVStore()
	n.kv.index = 1
	n.confs = []indexedConf{{index: 1, cs: boot.Metadata.ConfState}}
	return n
}

// mustOK panics on a storage error the simulator cannot cause by design;
// Run turns the panic into a violation.
func mustOK(err error) {
	if err != nil {
		panic(fmt.Sprintf("simulated storage: %v", err))
	}
}

// start builds vol from dur and a new RawNode on it.
func (n *simNode) start() {
	n.vol = raft.NewMemoryStorage()
	snap, err := n.dur.Snapshot()
	mustOK(err)
	mustOK(n.vol.ApplySnapshot(snap))
	hs, _, err := n.dur.InitialState()
	mustOK(err)
	first, _ := n.dur.FirstIndex()
	last, _ := n.dur.LastIndex()
	if n.s.opts.Bug == BugTruncateLog {
		last = min(last, hs.Commit)
	}
	if last >= first {
		ents, err := n.dur.Entries(first, last+1, math.MaxUint64)
		mustOK(err)
		mustOK(n.vol.Append(ents))
	}
	if n.s.opts.Bug == BugForgetVote {
		hs.Vote = 0
	}
	mustOK(n.vol.SetHardState(hs))
	// The state machine survives a crash, but it restarts no further than
	// the durable commit index and no earlier than the snapshot.
	n.applied = max(snap.Metadata.Index, min(n.applied, hs.Commit))
	if n.kv.index != n.applied {
		n.kv = n.s.kvAt(n.applied)
	}
	n.waitReads = nil
	n.confs = slices.DeleteFunc(n.confs, func(c indexedConf) bool { return c.index > n.applied })
	n.incarnation++
	cfg := &raft.Config{
		ID:                 n.id,
		ElectionTick:       simElectionTick,
		HeartbeatTick:      simHeartbeatTick,
		Storage:            churnStorage{n.vol, n.confAt(n.applied)},
		Applied:            n.applied,
		MaxSizePerMsg:      1 << 10,
		MaxInflightMsgs:    64,
		AsyncStorageWrites: n.s.params.async,
		ReuseReadyBuffers:  n.s.params.reuse,
		PreVote:            n.s.params.preVote,
		ReadOnlyOption:     n.readOnlyOption(),
		CheckQuorum:        n.s.params.checkQuorum,
		StepDownOnRemoval:  true,
		Logger:             &n.s.logger,
		RandSeed:           n.s.opts.Seed*1000003 + n.id*1009 + n.incarnation,
	}
	rn, err := raft.NewRawNode(cfg)
	mustOK(err)
	n.rn = rn
	n.s.check.restarted(n, hs)
}

// crash drops everything not synced and restarts the node from dur.
func (n *simNode) crash() {
	n.s.trace.addf(n.s, "crash-restart %d (dropping %d unsynced writes)", n.id, len(n.pending))
	n.s.Stats.Crashes++
	n.pending = nil
	n.ready = nil
	n.crashSoon = false
	n.appendQ, n.written, n.applyQ = nil, 0, nil
	n.start()
}

// write applies op to vol and queues it for the next sync.
func (n *simNode) write(op simOp) {
	n.s.trace.add(simEvent{step: n.s.step, node: n.id, op: op})
	n.s.check.beforeWrite(n, op)
	applyOp(n.vol, op)
	n.pending = append(n.pending, op)
}

func applyOp(st *raft.MemoryStorage, op simOp) {
	switch op.kind {
	case opSnap:
		mustOK(st.ApplySnapshot(op.snap))
	case opEntries:
		mustOK(st.Append(op.ents))
	case opHardState:
		mustOK(st.SetHardState(op.hs))
	case opCompact:
		cs := op.snap.Metadata.ConfState
		_, err := st.CreateSnapshot(op.index, &cs, nil)
		if err != nil && !errors.Is(err, raft.ErrSnapOutOfDate) {
			mustOK(err)
		}
		if err := st.Compact(op.index); err != nil && !errors.Is(err, raft.ErrCompacted) {
			mustOK(err)
		}
	}
}

// sync makes every pending write durable. The lying disk skips most syncs
// while still letting the caller acknowledge.
func (n *simNode) sync() {
	if n.s.opts.Bug == BugLyingDisk && n.s.rng.IntN(4) != 0 {
		return
	}
	if len(n.pending) > 0 {
		n.s.trace.addf(n.s, "sync %d: %d writes durable", n.id, len(n.pending))
	}
	for _, op := range n.pending {
		if op.kind == opHardState {
			n.s.check.checkVote(n, op.hs)
			n.maybeCrashAfterVote(op.hs)
		}
		applyOp(n.dur, op)
	}
	n.pending = nil
}

// maybeCrashAfterVote sometimes schedules a crash for the next step when a
// new vote became durable: the moment a restart must remember it.
func (n *simNode) maybeCrashAfterVote(hs pb.HardState) {
	old, _, err := n.dur.InitialState()
	mustOK(err)
	if hs.Vote != 0 && (hs.Vote != old.Vote || hs.Term != old.Term) && n.s.chance(n.s.params.pCrash*30) {
		n.crashSoon = true
	}
}

func (n *simNode) persist(hs pb.HardState, ents []pb.Entry, snap *pb.Snapshot) {
	if snap != nil && !raft.IsEmptySnap(*snap) {
		n.write(simOp{kind: opSnap, snap: *snap})
		n.applied = snap.Metadata.Index
		n.kv = n.s.kvAt(n.applied)
		n.serveReads()
		n.confs = append(n.confs, indexedConf{index: snap.Metadata.Index, cs: snap.Metadata.ConfState})
		n.s.Stats.Snapshots++
	}
	if len(ents) > 0 {
		n.write(simOp{kind: opEntries, ents: ents})
	}
	if !raft.IsEmptyHardState(hs) {
		n.write(simOp{kind: opHardState, hs: hs})
	}
}

// compact snapshots and truncates the log at a random applied index.
func (n *simNode) compact() {
	first, _ := n.vol.FirstIndex()
	// A restart needs the durable commit index at or past the snapshot, and
	// in async mode entries may be applied before their commit index is
	// written; the compaction is synced after the hard state written before it.
	hs, _, err := n.vol.InitialState()
	mustOK(err)
	top := min(n.applied, hs.Commit)
	if top < first {
		return
	}
	// Mostly compact close to the top, so that lagging followers need
	// snapshots.
	index := top - uint64(n.s.rng.Int64N(int64(min(top-first, 8)+1)))
	n.s.trace.addf(n.s, "compact %d at %d", n.id, index)
	n.s.Stats.Compactions++
	op := simOp{kind: opCompact, index: index}
	op.snap.Metadata.ConfState = n.confAt(index)
	n.write(op)
}

// apply runs committed entries through the state machine.
func (n *simNode) apply(ents []pb.Entry) {
	if len(ents) == 0 {
		return
	}
	commit := n.rn.BasicStatus().Commit
	for _, e := range ents {
		// Re-applying after a restart is allowed; the checker compares it.
		n.s.check.applied(n, e, commit)
		if e.Index > n.applied && n.s.opts.Bug != BugApplyUnstable {
			n.applyConfChange(e)
		}
		n.applied = max(n.applied, e.Index)
		switch {
		case e.Index == n.kv.index+1:
			n.applyKV(e.Data)
		case e.Index > n.kv.index+1:
			n.s.check.fail(fmt.Sprintf("apply: node %d applied entry %d with its store at %d", n.id, e.Index, n.kv.index))
		}
		if len(e.Data) > 0 && n.s.proposed[string(e.Data)] {
			delete(n.s.proposed, string(e.Data))
			n.s.Stats.Applied++
		}
	}
	n.serveReads()
}

// work lets the node do what a busy process would this step: handle its
// Ready (sync mode), or hand out work and run its storage threads (async).
func (n *simNode) work() error {
	if n.s.params.async {
		return n.workAsync()
	}
	return n.workSync()
}

func (n *simNode) workSync() error {
	if n.ready != nil {
		if !n.s.chanceAlways(n.s.params.pDisk) {
			return nil
		}
		rd := *n.ready
		n.ready = nil
		n.sync()
		n.apply(rd.CommittedEntries)
		msgs := rd.Messages
		if n.s.params.reuse {
			msgs = cloneEntries(msgs)
		}
		n.s.net.send(n.s, msgs)
		n.rn.Advance(rd)
		return nil
	}
	if !n.rn.HasReady() || !n.s.chanceAlways(n.s.params.pReady) {
		return nil
	}
	bs := n.rn.BasicStatus()
	rd := n.rn.Ready()
	n.s.check.leaderWrite = bs.RaftState == raft.StateLeader
	n.s.check.leaderTerm = bs.Term
	n.persist(rd.HardState, rd.Entries, &rd.Snapshot)
	n.s.check.leaderWrite = false
	n.readStates(rd.ReadStates)
	if n.s.opts.Bug == BugApplyUnstable {
		n.apply(rd.Entries)
	}
	n.ready = &rd
	return nil
}

// cloneEntries copies the entries of msgs, which ReuseReadyBuffers keeps
// valid only until Advance, for the network to deliver later; the network
// copies the messages themselves.
func cloneEntries(msgs []pb.Message) []pb.Message {
	for i := range msgs {
		msgs[i].Entries = slices.Clone(msgs[i].Entries)
	}
	return msgs
}

func (n *simNode) workAsync() error {
	if n.rn.HasReady() && n.s.chanceAlways(n.s.params.pReady) {
		bs := n.rn.BasicStatus()
		rd := n.rn.Ready()
		n.readStates(rd.ReadStates)
		var net []pb.Message
		for _, m := range rd.Messages {
			switch m.To {
			case raft.LocalAppendThread:
				n.appendQ = append(n.appendQ, appendWork{m: m, leader: bs.RaftState == raft.StateLeader, term: bs.Term})
				if n.s.opts.Bug == BugApplyUnstable {
					n.apply(m.Entries)
				}
			case raft.LocalApplyThread:
				n.applyQ = append(n.applyQ, m)
			default:
				net = append(net, m)
			}
		}
		n.s.net.send(n.s, net)
	}
	if n.s.chanceAlways(n.s.params.pDisk) {
		n.appendThread()
	}
	if n.s.chanceAlways(n.s.params.pDisk) {
		n.applyThread()
	}
	return nil
}

// appendThread writes some of the queued appends (all of them once the
// faults stop) and then, usually, syncs and acknowledges everything it has
// written. Like a real storage thread it batches: a node can receive more
// messages per step than one write per step would keep up with.
func (n *simNode) appendThread() {
	if queued := len(n.appendQ) - n.written; queued > 0 {
		k := queued
		if n.s.faulty {
			k = 1 + n.s.rng.IntN(queued)
		}
		for _, w := range n.appendQ[n.written : n.written+k] {
			n.s.check.leaderWrite, n.s.check.leaderTerm = w.leader, w.term
			hs := pb.HardState{Term: w.m.Term, Vote: w.m.Vote, Commit: w.m.Commit}
			n.persist(hs, w.m.Entries, w.m.Snapshot)
			n.s.check.leaderWrite = false
		}
		n.written += k
		if n.s.faulty && n.s.rng.IntN(2) == 0 {
			return // sync later, batching more writes
		}
	}
	if n.written == 0 {
		return
	}
	n.sync()
	done := n.appendQ[:n.written]
	n.appendQ, n.written = n.appendQ[n.written:], 0
	for _, w := range done {
		n.respond(w.m)
	}
}

// applyThread applies some of the queued committed entries (all of them
// once the faults stop).
func (n *simNode) applyThread() {
	k := len(n.applyQ)
	if k > 0 && n.s.faulty {
		k = 1 + n.s.rng.IntN(k)
	}
	work := n.applyQ[:k]
	n.applyQ = n.applyQ[k:]
	for _, m := range work {
		n.apply(m.Entries)
		n.respond(m)
	}
}

// respond hands a storage message's responses to their targets: the node
// itself at once (local messages never get lost), peers over the network.
func (n *simNode) respond(m pb.Message) {
	var peers []pb.Message
	for _, r := range m.Responses {
		if r.To == n.id {
			if err := n.rn.Step(r); err != nil {
				n.s.check.fail(fmt.Sprintf("node %d refused its own storage response %s: %v",
					n.id, raft.DescribeMessage(r, nil), err))
			}
			continue
		}
		peers = append(peers, r)
	}
	n.s.net.send(n.s, peers)
}

// idle reports whether the node has nothing left to do.
func (n *simNode) idle() bool {
	return n.ready == nil && !n.rn.HasReady() && len(n.appendQ) == 0 && len(n.applyQ) == 0
}

// caughtUp reports whether vol holds the node's whole log: no entries are
// waiting in a Ready or in the append thread's queue.
func (n *simNode) caughtUp() bool {
	return n.ready == nil && !n.rn.HasReady() && n.written == len(n.appendQ)
}
