// Package raft is tickraft's Raft consensus core: a pure, single-threaded,
// deterministic state machine whose exported API is source-compatible with
// go.etcd.io/raft/v3 v3.6.0.
//
// The application drives it. It feeds in messages from peers (Step) and the
// passage of time (Tick), and proposes commands; the node answers with a
// Ready, which says what to do next, in this order:
//
//  1. persist the HardState, the Entries and the Snapshot (writing an entry
//     at index i discards every stored entry at i or later);
//  2. send the Messages, only after step 1 is durable;
//  3. apply the Snapshot and then the CommittedEntries to the application's
//     state machine, calling ApplyConfChange for configuration entries;
//  4. call Advance.
//
// With Config.AsyncStorageWrites the same work arrives as MsgStorageAppend
// and MsgStorageApply messages for local storage threads instead; the
// Ready's other fields still describe it, for information only.
//
// The node reads what was persisted through the [Storage] interface, made of
// a [LogStorage] part (entries and terms) and a [StateStorage] part (hard
// state, configuration, snapshot) that may be implemented separately.
// [MemoryStorage] is an in-memory implementation, safe for concurrent use.
//
// Nothing in this package starts a goroutine, reads the clock or keeps
// global mutable state that affects a node's outputs. The Node wrapper runs
// its RawNode in the calling goroutines, under a mutex; only with
// AsyncStorageWrites does it start one goroutine, which hands out Readies
// left behind a full channel. Logging goes through
// Config.Logger; [SetLogger] only sets the default copied into nodes created
// afterwards.
package raft
