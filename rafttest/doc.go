// Package rafttest holds test harnesses for package raft.
//
// InteractionEnv drives a cluster of RawNodes from datadriven scripts: every
// command prints what the nodes did (Ready structs, messages, log contents,
// state) so that a script's transcript reads as a specification of the
// behaviour. Network is the in-memory, deterministic message queue the
// cluster talks through.
package rafttest
