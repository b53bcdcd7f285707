package server

import (
	"sync"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// event is something a worker or the transport reports to the loop.
// Exactly one field is set.
type event struct {
	step        []raftpb.Message // responses of a finished append, for raft
	applied     *applyDone
	committed   uint64 // kv committed up to this index
	unreachable uint64
	snapTo      uint64
	snapStatus  raft.SnapshotStatus
}

// applyDone reports a finished MsgStorageApply.
type applyDone struct {
	confChanges []raftpb.Entry   // for the loop to apply to raft, in order
	responses   []raftpb.Message // the apply acknowledgement
	last        kv.Position      // index and term of the last entry
	bytes       uint64           // entry data bytes, for the snapshot policy
	entries     uint64
}

// eventQueue is unbounded so that neither the workers nor the transport
// ever wait for the loop: they append and poke; the loop drains.
type eventQueue struct {
	mu     sync.Mutex
	q      []event
	notify chan struct{}
}

func (e *eventQueue) init() { e.notify = make(chan struct{}, 1) }

func (e *eventQueue) push(ev event) {
	e.mu.Lock()
	e.q = append(e.q, ev)
	e.mu.Unlock()
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

func (e *eventQueue) drain(buf []event) []event {
	e.mu.Lock()
	buf = append(buf[:0], e.q...)
	clear(e.q)
	e.q = e.q[:0]
	e.mu.Unlock()
	return buf
}
