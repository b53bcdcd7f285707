package raft

import (
	"fmt"

	pb "github.com/tickraft/raft/raftpb"
)

// checkMessage rejects a message that no correct sender produces, before it
// can change anything. Everything the handlers index with comes through
// here; stale or out-of-order but well-formed messages are left to the
// handlers, which drop them.
func (r *raft) checkMessage(m *pb.Message) error {
	if !knownMessageType(m.Type) {
		return fmt.Errorf("%w: unknown type %d from %x", errMalformed, int32(m.Type), m.From)
	}
	// From names the transferee in MsgTransferLeader. A candidate's own vote
	// comes back to it once durable (see campaign): a grant in a term it
	// has reached.
	selfVote := m.Type == pb.MsgVoteResp && !m.Reject && m.Term <= r.term
	self := m.From == r.id && m.Type != pb.MsgTransferLeader && !selfVote
	if m.Term != 0 && (self || m.From == None || IsLocalMsgTarget(m.From)) {
		// Only peers send messages with a term, and a peer is not us.
		return fmt.Errorf("%w: %s with term %d claims to come from %x", errMalformed, m.Type, m.Term, m.From)
	}
	switch m.Type {
	case pb.MsgApp:
		s := logSlice{term: m.Term, prev: entryID{term: m.LogTerm, index: m.Index}, entries: m.Entries}
		if err := s.valid(); err != nil {
			return fmt.Errorf("%w: MsgApp from %x: %v", errMalformed, m.From, err)
		}
	case pb.MsgSnap:
		if m.Snapshot == nil || m.Snapshot.Metadata.Index == 0 || m.Snapshot.Metadata.Term > m.Term {
			return fmt.Errorf("%w: MsgSnap from %x carries no usable snapshot", errMalformed, m.From)
		}
	case pb.MsgProp:
		if len(m.Entries) == 0 {
			return fmt.Errorf("%w: MsgProp from %x carries no entries", errMalformed, m.From)
		}
	case pb.MsgReadIndex, pb.MsgReadIndexResp:
		if len(m.Entries) != 1 {
			return fmt.Errorf("%w: %s from %x must carry one entry, not %d", errMalformed, m.Type, m.From, len(m.Entries))
		}
	case pb.MsgVote, pb.MsgPreVote:
		if m.Term == 0 {
			return fmt.Errorf("%w: %s from %x without a term", errMalformed, m.Type, m.From)
		}
	case pb.MsgStorageAppendResp:
		if m.Snapshot != nil && m.Snapshot.Metadata.Index > m.Index {
			return fmt.Errorf("%w: storage acknowledgement of a snapshot past its index", errMalformed)
		}
	}
	if m.Term != 0 && (m.Type == pb.MsgProp || m.Type == pb.MsgReadIndex) {
		return fmt.Errorf("%w: %s from %x must not carry a term", errMalformed, m.Type, m.From)
	}
	if m.Term == 0 && (m.Type == pb.MsgApp || m.Type == pb.MsgHeartbeat || m.Type == pb.MsgSnap ||
		m.Type == pb.MsgAppResp || m.Type == pb.MsgHeartbeatResp || m.Type == pb.MsgTimeoutNow ||
		m.Type == pb.MsgReadIndexResp || m.Type == pb.MsgVoteResp || m.Type == pb.MsgPreVoteResp) {
		return fmt.Errorf("%w: %s from %x without a term", errMalformed, m.Type, m.From)
	}
	return nil
}

// knownTypes[t] reports whether raftpb names MessageType t. It is filled
// once and never written again: an array index costs far less than the
// map lookup it stands for, which was a tenth of stepping a message.
var knownTypes = func() (known [64]bool) {
	for t := range pb.MessageType_name {
		if t >= 0 && int(t) < len(known) {
			known[t] = true
		}
	}
	return known
}()

// knownMessageType reports whether t is a MessageType raftpb names.
func knownMessageType(t pb.MessageType) bool {
	if t >= 0 && int(t) < len(knownTypes) {
		return knownTypes[t]
	}
	_, ok := pb.MessageType_name[int32(t)]
	return ok
}
