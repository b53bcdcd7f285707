// Package raftkv is tickraft's reference replicated key-value server: a
// durable write-ahead log (package wal), a bbolt-backed state machine with
// etcd revision semantics (package kv), a peer transport (package transport)
// and, above them, the node loop, the etcd-compatible client API and the
// raftkv command.
//
// It lives in its own module so that its dependencies (bbolt, gRPC, metrics)
// never reach users of the raft library.
package raftkv
