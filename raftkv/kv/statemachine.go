package kv

import (
	"io"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// StateMachine is the part of raftkv that turns committed raft entries into
// state. The node loop owns it: it calls Apply with each batch of committed
// entries in log order, Snapshot when raft wants to compact the log or feed
// a slow follower, and Restore when raft hands it a snapshot from the leader.
// Implementations must be deterministic: the same entries in the same order
// produce the same state and the same results on every replica.
type StateMachine interface {
	// Apply applies the entries in one durable step. Entries at or below the
	// applied index are skipped (a restart replays the log from an older
	// point). Normal entries with data carry an encoded Command; empty
	// entries and conf-change entries only advance the applied index (the
	// node loop decides about membership). Apply returns one Result per
	// applied command, in order. An error means nothing of the batch was
	// applied: storage failed, or the batch does not continue the applied
	// index.
	Apply(entries []raftpb.Entry) ([]Result, error)
	// Applied reports the position of the last applied entry.
	Applied() Position
	// Snapshot streams a consistent copy of the state to w and returns the
	// position it reflects. The state is never held in memory as a whole.
	Snapshot(w io.Writer) (Position, error)
	// Restore replaces the whole state with a snapshot written by Snapshot
	// and returns the position it reflects. It is atomic: after a crash the
	// state is either the old one or the new one.
	Restore(r io.Reader) (Position, error)
	// Close releases the state machine. It does not lose applied entries.
	Close() error
}

// Position is a raft log position: the index and term of an entry.
type Position struct {
	Index uint64
	Term  uint64
}

// Result is the outcome of one applied command, for the node loop to hand to
// the client waiting on RequestID.
type Result struct {
	// Index is the raft index of the entry that carried the command.
	Index uint64
	// RequestID is the command's RequestID.
	RequestID uint64
	// Response holds exactly one of ResponsePut, ResponseDeleteRange or
	// ResponseTxn when Err is nil and the command was a KV request.
	Response *etcdserverpb.ResponseOp
	// Lease is the outcome of a lease command when Err is nil.
	Lease *LeaseResult
	// Compaction answers a compaction command when Err is nil.
	Compaction *etcdserverpb.CompactionResponse
	// Err is the request's own failure (a limit exceeded, a missing key for
	// IgnoreValue, an undecodable entry). It is part of the replicated
	// outcome: every replica computes the same Err, and state is unchanged.
	Err error
	// Duplicate says the command was a retry of the session's last applied
	// request: Response is the one recorded then, and nothing was applied.
	Duplicate bool
}
