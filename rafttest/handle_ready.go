package rafttest

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// This file holds the commands that move work through the nodes: Ready
// handling, the async storage threads and message delivery.

// process-ready [ID...] (every node if none named)
func (env *InteractionEnv) handleProcessReady(t *testing.T, d datadriven.TestData) error {
	return env.forEach(d, func(n *Node) error {
		fmt.Fprintf(&env.out, "> %d handling Ready\n", n.Config.ID)
		return env.processReady(n)
	})
}

// process-append-thread [ID...] persists every queued MsgStorageAppend.
func (env *InteractionEnv) handleProcessAppendThread(t *testing.T, d datadriven.TestData) error {
	return env.forEach(d, env.processAppendThread)
}

// process-apply-thread [ID...] applies every queued MsgStorageApply.
func (env *InteractionEnv) handleProcessApplyThread(t *testing.T, d datadriven.TestData) error {
	return env.forEach(d, env.processApplyThread)
}

// forEach runs f on the nodes named by d (all of them if none), stopping at
// the first error.
func (env *InteractionEnv) forEach(d datadriven.TestData, f func(*Node) error) error {
	a := parseArgs(d)
	if err := a.checkUsed(); err != nil {
		return err
	}
	nodes, err := env.targets(a)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if err := f(n); err != nil {
			return err
		}
	}
	return nil
}

// processReady prints the node's Ready and acts on it. Synchronously, it
// persists, applies, sends and calls Advance, in the order the Ready contract
// requires. With AsyncStorageWrites, it only sends: storage work goes to the
// node's append and apply queues, everything else to the network.
func (env *InteractionEnv) processReady(n *Node) error {
	rd := n.Ready()
	env.out.WriteString(indent(raft.DescribeReady(rd, entryFormatter)))
	if n.Config.AsyncStorageWrites {
		for _, m := range rd.Messages {
			switch m.To {
			case raft.LocalAppendThread:
				n.appendWork = append(n.appendWork, m)
			case raft.LocalApplyThread:
				n.applyWork = append(n.applyWork, m)
			default:
				env.Net.Send(m)
			}
		}
		return nil
	}
	if err := n.persist(rd.HardState, rd.Entries, rd.Snapshot); err != nil {
		return err
	}
	if err := n.apply(rd.CommittedEntries); err != nil {
		return err
	}
	env.Net.Send(rd.Messages...)
	n.Advance(rd)
	return nil
}

func (env *InteractionEnv) processAppendThread(n *Node) error {
	work := n.appendWork
	n.appendWork = nil
	if len(work) == 0 {
		return nil
	}
	fmt.Fprintf(&env.out, "> %d processing append thread\n", n.Config.ID)
	for _, m := range work {
		var snap pb.Snapshot
		if m.Snapshot != nil {
			snap = *m.Snapshot
		}
		hs := pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}
		env.out.WriteString(indent("Processing:\n" + raft.DescribeMessage(m, entryFormatter)))
		if err := n.persist(hs, m.Entries, snap); err != nil {
			return err
		}
		env.sendResponses(m)
	}
	return nil
}

func (env *InteractionEnv) processApplyThread(n *Node) error {
	work := n.applyWork
	n.applyWork = nil
	if len(work) == 0 {
		return nil
	}
	fmt.Fprintf(&env.out, "> %d processing apply thread\n", n.Config.ID)
	for _, m := range work {
		env.out.WriteString(indent("Processing:\n" + raft.DescribeMessage(m, entryFormatter)))
		if err := n.apply(m.Entries); err != nil {
			return err
		}
		env.sendResponses(m)
	}
	return nil
}

// sendResponses puts a storage message's responses on the network; they
// reach their targets (the node itself, or peers) through deliver-msgs.
func (env *InteractionEnv) sendResponses(m pb.Message) {
	if len(m.Responses) == 0 {
		return
	}
	var s string
	for _, r := range m.Responses {
		s += raft.DescribeMessage(r, entryFormatter) + "\n"
	}
	env.out.WriteString(indent("Responses:\n" + s))
	env.Net.Send(m.Responses...)
}

// persist writes a snapshot, entries and hard state to storage, in the order
// that keeps storage consistent if it stopped half way.
func (n *Node) persist(hs pb.HardState, ents []pb.Entry, snap pb.Snapshot) error {
	if !raft.IsEmptySnap(snap) {
		if err := n.Storage.ApplySnapshot(snap); err != nil {
			return fmt.Errorf("node %d: applying snapshot: %w", n.Config.ID, err)
		}
		n.applied = snap.Metadata.Index
		n.confs = append(n.confs, indexedConf{index: snap.Metadata.Index, cs: snap.Metadata.ConfState})
	}
	if err := n.Storage.Append(ents); err != nil {
		return fmt.Errorf("node %d: appending entries: %w", n.Config.ID, err)
	}
	if !raft.IsEmptyHardState(hs) {
		if err := n.Storage.SetHardState(hs); err != nil {
			return fmt.Errorf("node %d: setting hard state: %w", n.Config.ID, err)
		}
	}
	return nil
}

// apply applies committed entries. The state machine is trivial: only
// configuration changes have an effect, and they are recorded so that later
// snapshots carry the right ConfState.
func (n *Node) apply(ents []pb.Entry) error {
	for _, e := range ents {
		var cc pb.ConfChangeI
		switch e.Type {
		case pb.EntryConfChange:
			var v1 pb.ConfChange
			if err := v1.Unmarshal(e.Data); err != nil {
				return fmt.Errorf("node %d: entry %d: %w", n.Config.ID, e.Index, err)
			}
			cc = v1
		case pb.EntryConfChangeV2:
			var v2 pb.ConfChangeV2
			if err := v2.Unmarshal(e.Data); err != nil {
				return fmt.Errorf("node %d: entry %d: %w", n.Config.ID, e.Index, err)
			}
			cc = v2
		}
		if cc != nil {
			cs := n.ApplyConfChange(cc)
			n.confs = append(n.confs, indexedConf{index: e.Index, cs: *cs})
		}
		n.applied = e.Index
	}
	return nil
}

// deliver-msgs [ID...] [drop=(ID,...)] [type=T | type=(T,...)] [count=N]
//
// Delivers the queued messages addressed to the named nodes, oldest first,
// and drops those addressed to the drop list. type restricts both to the
// given message types, and count to the N oldest of them (for each node
// delivered to; in all for the drop list). With neither IDs nor drop, it
// delivers to every node.
func (env *InteractionEnv) handleDeliverMsgs(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	drop, err := a.uints("drop")
	if err != nil {
		return err
	}
	count, err := a.uint("count", 0)
	if err != nil {
		return err
	}
	if _, ok := a.values["count"]; ok && count == 0 {
		return usagef("count=N wants N > 0")
	}
	a.used["type"] = true
	var typ Match
	if names := a.values["type"]; len(names) > 0 {
		types := make([]pb.MessageType, len(names))
		for i, name := range names {
			v, ok := pb.MessageType_value[name]
			if !ok {
				return usagef("unknown message type %q", name)
			}
			types[i] = pb.MessageType(v)
		}
		typ = OfType(types...)
	}
	if err := a.checkUsed(); err != nil {
		return err
	}
	for _, m := range env.Net.Take(And(typ, To(drop...), first(count))) {
		env.out.WriteString(indent("dropped: " + raft.DescribeMessage(m, entryFormatter)))
	}
	if len(a.ids) == 0 && len(drop) > 0 {
		return nil
	}
	nodes, err := env.targets(a)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		env.deliver(n, env.Net.Take(And(typ, To(n.Config.ID), first(count))))
	}
	return nil
}

// first matches the first n messages it is asked about (every message if n
// is 0). It must come last in an And, which stops at the first mismatch, so
// that it counts only messages the other matches selected.
func first(n uint64) Match {
	if n == 0 {
		return nil
	}
	var seen uint64
	return func(pb.Message) bool {
		seen++
		return seen <= n
	}
}

// deliver steps msgs into n, printing each and any error Step returns.
func (env *InteractionEnv) deliver(n *Node, msgs []pb.Message) {
	for _, m := range msgs {
		env.out.WriteString(indent(raft.DescribeMessage(m, entryFormatter)))
		if err := n.Step(m); err != nil {
			fmt.Fprintf(&env.out, "  error: %v\n", err)
		}
	}
}

// maxStabilizeRounds bounds stabilize so a livelock fails instead of hanging.
const maxStabilizeRounds = 1000

// stabilize [ID...]
//
// Repeats rounds until a round does nothing: each named node (every node if
// none named) handles its Ready, then runs its queued storage work, then
// receives the messages queued for it. Messages to other nodes stay queued.
func (env *InteractionEnv) handleStabilize(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	if err := a.checkUsed(); err != nil {
		return err
	}
	nodes, err := env.targets(a)
	if err != nil {
		return err
	}
	for range maxStabilizeRounds {
		busy, err := env.stabilizeRound(nodes)
		if err != nil || !busy {
			return err
		}
	}
	return fmt.Errorf("nodes still busy after %d rounds", maxStabilizeRounds)
}

func (env *InteractionEnv) stabilizeRound(nodes []*Node) (busy bool, err error) {
	for _, n := range nodes {
		if n.HasReady() {
			busy = true
			fmt.Fprintf(&env.out, "> %d handling Ready\n", n.Config.ID)
			if err := env.processReady(n); err != nil {
				return true, err
			}
		}
	}
	for _, n := range nodes {
		busy = busy || len(n.appendWork) > 0 || len(n.applyWork) > 0
		if err := env.processAppendThread(n); err != nil {
			return true, err
		}
		if err := env.processApplyThread(n); err != nil {
			return true, err
		}
	}
	for _, n := range nodes {
		if msgs := env.Net.Take(To(n.Config.ID)); len(msgs) > 0 {
			busy = true
			fmt.Fprintf(&env.out, "> %d receiving messages\n", n.Config.ID)
			env.deliver(n, msgs)
		}
	}
	return busy, nil
}
