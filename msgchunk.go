package raft

import (
	"slices"

	pb "github.com/tickraft/raft/raftpb"
)

// Message chunks: how the default mode (without Config.ReuseReadyBuffers)
// keeps a busy node from allocating every Ready's Messages on its own.
//
// The application may keep a Ready's messages after Advance (v3.6's
// contract), so every Ready needs memory that nothing writes again. A
// busy node's queues (raft.msgs, raft.msgsAfterAppend) fill the free room
// of a larger array, a chunk; a Ready takes the part its queue filled as a
// full slice expression, so an application that appends to it gets an
// array of its own, and the queue goes on in the room past it:
//
//	chunk:  | Ready 1 | Ready 2 | Ready 3 | free room ...       |
//	                                      ^ raft.msgs = chunk[k:k]
//
// Nothing a Ready took is written again; when the room is shorter than
// what the queue used last, the rest is dropped and a new chunk comes.
//
// The price is retention: a chunk stays alive while a queue points into it
// or the application keeps any Ready taken from it, and with it every
// message in it and the entries those carry. So only a busy node gets
// chunks (rn.readies, a count of Readies with messages halved on every
// tick, reaches busyReadies), sized to that count, and a tick that finds
// the count below busyReadies lets the queues' room go. An idle group
// (a heartbeat Ready per tick) never qualifies: each Ready allocates
// exactly its messages and the group keeps nothing between Readies, so
// 10,000 idle groups hold no chunks. A process-wide chunk shared by all
// groups would serve idle groups too, but it would be global mutable
// state shared across goroutines, which package raft does not have.
const (
	// busyReadies is the count of recent Readies with messages from which
	// a node's queues get chunks.
	busyReadies = 4
	// maxChunkReadies bounds a chunk to the room of this many Readies
	// like the last one.
	maxChunkReadies = 16
	// maxChunkMsgs bounds a chunk (10 KiB) unless one Ready needs more.
	maxChunkMsgs = 64
)

// queueRoom is one queue's array after a Ready: the room past what the
// Ready took from it, and how many slots of it the Ready used.
type queueRoom struct {
	room []pb.Message
	used int
}

// filled records that the Ready used all of filled, a queue's array from
// the queue's start: what is past it is free.
func filled(q []pb.Message) queueRoom {
	if len(q) == cap(q) {
		// No room: a zero-capacity slice would still point into the array
		// and keep it alive.
		return queueRoom{used: len(q)}
	}
	return queueRoom{room: q[len(q):], used: len(q)}
}

// countReady notes a Ready that handed out messages.
func (rn *RawNode) countReady() {
	if rn.readies < 255 {
		rn.readies++
	}
}

// nextQueue returns what a queue fills after a Ready that left it q. A
// busy node keeps the room if it holds as much as the Ready used, else
// gets a new chunk; a quiet one keeps nothing (raft allocates on the next
// message, exactly what it queues), not even the spare slot of an array
// sized for a broadcast that held one reply. A queue the Ready did not
// use keeps what it had, for tickChunks to judge.
func (rn *RawNode) nextQueue(q queueRoom) []pb.Message {
	switch {
	case q.used == 0:
		return q.room
	case rn.readies < busyReadies:
		return nil
	case cap(q.room) >= q.used:
		return q.room
	}
	n := q.used * min(int(rn.readies), maxChunkReadies)
	// Grow rounds the room up to the allocation's size class, which make
	// would leave unused (32 messages take a 5376-byte block: 33 fit).
	return slices.Grow([]pb.Message(nil), max(min(n, maxChunkMsgs), q.used))
}

// setQueues gives raft the queues for after a Ready; accept has emptied
// them.
func (rn *RawNode) setQueues(msgs, after queueRoom) {
	if !rn.chunked && msgs.used == 0 && after.used == 0 {
		return // no room anywhere: a Ready without messages, most often
	}
	r := rn.raft
	r.msgs, r.msgsAfterAppend = rn.nextQueue(msgs), rn.nextQueue(after)
	rn.chunked = cap(r.msgs) > 0 || cap(r.msgsAfterAppend) > 0
}

// tickChunks ages the count of recent Readies and, unless the node is
// still busy, lets the empty queues' room go.
func (rn *RawNode) tickChunks() {
	busy := rn.readies >= busyReadies
	rn.readies /= 2
	if !rn.chunked || busy {
		return
	}
	r := rn.raft
	if len(r.msgs) == 0 {
		r.msgs = nil
	}
	if len(r.msgsAfterAppend) == 0 {
		r.msgsAfterAppend = nil
	}
	rn.chunked = cap(r.msgs) > 0 || cap(r.msgsAfterAppend) > 0
}
