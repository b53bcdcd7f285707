package rafttest

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// This file holds the commands that read or rewrite a node's MemoryStorage.

// compact ID INDEX takes a snapshot of the node's state machine at INDEX
// (which must be applied) and discards the log up to it, then prints the log.
func (env *InteractionEnv) handleCompact(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	if err := a.checkUsed(); err != nil {
		return err
	}
	if len(a.ids) != 2 {
		return usagef("compact wants a node ID and an index")
	}
	n, err := env.node(a.ids[0])
	if err != nil {
		return err
	}
	index := a.ids[1]
	if _, err := n.snapshotAt(index); err != nil {
		return err
	}
	if err := n.Storage.Compact(index); err != nil {
		return fmt.Errorf("node %d: compacting to %d: %w", n.Config.ID, index, err)
	}
	return env.printLog(n)
}

// create-snapshot ID INDEX takes a snapshot of the node's state machine at
// INDEX (which must be applied) without discarding any log, so that the
// storage can hold a snapshot newer than its first index.
func (env *InteractionEnv) handleCreateSnapshot(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	if err := a.checkUsed(); err != nil {
		return err
	}
	if len(a.ids) != 2 {
		return usagef("create-snapshot wants a node ID and an index")
	}
	n, err := env.node(a.ids[0])
	if err != nil {
		return err
	}
	snap, err := n.snapshotAt(a.ids[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(&env.out, "snapshot at %d/%d\n", snap.Metadata.Term, snap.Metadata.Index)
	return nil
}

// snapshotAt records a storage snapshot of the applied state at index.
func (n *Node) snapshotAt(index uint64) (pb.Snapshot, error) {
	if index > n.applied {
		return pb.Snapshot{}, fmt.Errorf("cannot snapshot node %d at %d: only %d is applied", n.Config.ID, index, n.applied)
	}
	cs, ok := n.confAt(index)
	if !ok {
		return pb.Snapshot{}, fmt.Errorf("node %d has no configuration at index %d", n.Config.ID, index)
	}
	snap, err := n.Storage.CreateSnapshot(index, &cs, nil)
	if err != nil {
		return pb.Snapshot{}, fmt.Errorf("node %d: creating snapshot at %d: %w", n.Config.ID, index, err)
	}
	return snap, nil
}

// confAt returns the configuration in effect once index is applied.
func (n *Node) confAt(index uint64) (pb.ConfState, bool) {
	for i := len(n.confs) - 1; i >= 0; i-- {
		if n.confs[i].index <= index {
			return n.confs[i].cs, true
		}
	}
	return pb.ConfState{}, false
}

// send-snapshot FROM TO queues a MsgSnap carrying FROM's latest storage
// snapshot, at FROM's current term, as if FROM's leader role had sent it.
func (env *InteractionEnv) handleSendSnapshot(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	if err := a.checkUsed(); err != nil {
		return err
	}
	if len(a.ids) != 2 {
		return usagef("send-snapshot wants the sending and the receiving node ID")
	}
	from, err := env.node(a.ids[0])
	if err != nil {
		return err
	}
	if _, err := env.node(a.ids[1]); err != nil {
		return err
	}
	snap, err := from.Storage.Snapshot()
	if err != nil {
		return fmt.Errorf("node %d: reading snapshot: %w", from.Config.ID, err)
	}
	m := pb.Message{
		Type:     pb.MsgSnap,
		From:     from.Config.ID,
		To:       a.ids[1],
		Term:     from.BasicStatus().Term,
		Snapshot: &snap,
	}
	env.out.WriteString(raft.DescribeMessage(m, entryFormatter) + "\n")
	env.Net.Send(m)
	return nil
}

// raft-log ID prints the entries in the node's storage.
func (env *InteractionEnv) handleRaftLog(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	id, err := a.oneID()
	if err != nil {
		return err
	}
	if err := a.checkUsed(); err != nil {
		return err
	}
	n, err := env.node(id)
	if err != nil {
		return err
	}
	return env.printLog(n)
}

// storage-state ID prints what the node's storage holds, which is what a
// restart recovers: the hard state, the snapshot's metadata and the log.
func (env *InteractionEnv) handleStorageState(t *testing.T, d datadriven.TestData) error {
	n, err := env.oneNode(d, nil)
	if err != nil {
		return err
	}
	hs, _, err := n.Storage.InitialState()
	if err != nil {
		return fmt.Errorf("node %d: reading hard state: %w", n.Config.ID, err)
	}
	snap, err := n.Storage.Snapshot()
	if err != nil {
		return fmt.Errorf("node %d: reading snapshot: %w", n.Config.ID, err)
	}
	fmt.Fprintf(&env.out, "HardState %s\nSnapshot %s\n", raft.DescribeHardState(hs), raft.DescribeSnapshot(snap))
	return env.printLog(n)
}

func (env *InteractionEnv) printLog(n *Node) error {
	first, err := n.Storage.FirstIndex()
	if err != nil {
		return err
	}
	last, err := n.Storage.LastIndex()
	if err != nil {
		return err
	}
	if last < first {
		fmt.Fprintf(&env.out, "log is empty: first index=%d, last index=%d\n", first, last)
		return nil
	}
	ents, err := n.Storage.Entries(first, last+1, noLimit)
	if err != nil {
		return fmt.Errorf("node %d: reading entries [%d, %d]: %w", n.Config.ID, first, last, err)
	}
	env.out.WriteString(raft.DescribeEntries(ents, entryFormatter))
	return nil
}

const noLimit = 1<<64 - 1
