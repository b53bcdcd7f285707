package rafttest

import (
	"slices"

	pb "github.com/tickraft/raft/raftpb"
)

// Network is an in-memory message queue between nodes. It keeps every
// message in the order it was sent and hands messages out only when asked,
// so a test decides exactly which message arrives when, and two runs of the
// same test see the same order. It is not safe for concurrent use.
type Network struct {
	queue []pb.Message
}

// Match selects messages from a Network.
type Match func(m pb.Message) bool

// Send queues msgs behind every message already queued.
func (n *Network) Send(msgs ...pb.Message) {
	n.queue = append(n.queue, msgs...)
}

// Len returns the number of queued messages.
func (n *Network) Len() int { return len(n.queue) }

// Pending returns a copy of the queued messages selected by match (all of
// them if match is nil), oldest first, leaving the queue unchanged.
func (n *Network) Pending(match Match) []pb.Message {
	var out []pb.Message
	for _, m := range n.queue {
		if match == nil || match(m) {
			out = append(out, m)
		}
	}
	return out
}

// Take removes the messages selected by match (all of them if match is nil)
// and returns them oldest first. The remaining messages keep their order.
// Delivering and dropping are both a Take; the caller decides which.
func (n *Network) Take(match Match) []pb.Message {
	var taken []pb.Message
	kept := n.queue[:0]
	for _, m := range n.queue {
		if match == nil || match(m) {
			taken = append(taken, m)
		} else {
			kept = append(kept, m)
		}
	}
	// Clear the tail so the backing array does not pin dropped messages.
	clear(n.queue[len(kept):])
	n.queue = kept
	return taken
}

// To matches messages addressed to any of ids.
func To(ids ...uint64) Match {
	ids = slices.Clone(ids)
	return func(m pb.Message) bool { return slices.Contains(ids, m.To) }
}

// From matches messages sent by any of ids.
func From(ids ...uint64) Match {
	ids = slices.Clone(ids)
	return func(m pb.Message) bool { return slices.Contains(ids, m.From) }
}

// OfType matches messages of any of types.
func OfType(types ...pb.MessageType) Match {
	types = slices.Clone(types)
	return func(m pb.Message) bool { return slices.Contains(types, m.Type) }
}

// And matches messages that every non-nil match selects.
func And(matches ...Match) Match {
	return func(m pb.Message) bool {
		for _, f := range matches {
			if f != nil && !f(m) {
				return false
			}
		}
		return true
	}
}
