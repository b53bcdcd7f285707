// Package server runs one raftkv member: the node loop that owns a raft
// RawNode (with AsyncStorageWrites), its write-ahead log (package wal), its
// state machine (package kv) and its peer transport (package transport), and
// the client API the gRPC layer and the embedded API call: Put, Range,
// DeleteRange, Txn, the member calls and Status.
//
// Writes are proposed through raft; a follower forwards them to the leader
// inside raft, so every member accepts them. Range is linearizable (one
// ReadIndex round per batch of concurrent reads) unless the request asks
// for a serializable read, which is served from local state.
//
// See docs/design/raftkv-server.md for the loop, the goroutines and the
// outcome rules of a request.
package server
