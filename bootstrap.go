package raft

import (
	"errors"

	pb "github.com/tickraft/raft/raftpb"
)

// Bootstrap initializes a new group's node, on an empty Storage, with a
// configuration of the given voters. It writes nothing to Storage: the
// configuration entries are committed at term 1 and arrive in the first
// Ready, to be persisted and applied like any others.
func (rn *RawNode) Bootstrap(peers []Peer) error {
	if len(peers) == 0 {
		return errBootstrapEmptyPeers
	}
	last, err := rn.raft.raftLog.storage.LastIndex()
	if err != nil {
		return err
	}
	if last != 0 {
		return errors.New("can't bootstrap a nonempty Storage")
	}
	// Start from an empty HardState so that the first Ready carries one.
	rn.prevHardSt = pb.HardState{}
	r := rn.raft
	r.becomeFollower(1, None)
	ents := make([]pb.Entry, len(peers))
	for i, p := range peers {
		cc := pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: p.ID, Context: p.Context}
		data, err := cc.Marshal()
		if err != nil {
			return err
		}
		ents[i] = pb.Entry{Type: pb.EntryConfChange, Term: 1, Index: uint64(i + 1), Data: data}
	}
	r.raftLog.unstable.truncateAndAppend(logSlice{term: 1, entries: ents})
	r.raftLog.commitTo(uint64(len(ents)))
	for _, p := range peers {
		r.applyConfChange(pb.ConfChange{NodeID: p.ID, Type: pb.ConfChangeAddNode}.AsV2())
	}
	return nil
}
