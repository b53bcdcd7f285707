// Package apicompat compares the exported API of two Go packages with
// go/types, so that tickraft's promise of source compatibility with
// go.etcd.io/raft/v3 v3.6.0 is checked mechanically rather than by review.
//
// A program that builds against the reference must build against ours: every
// exported identifier must exist with an identical type (after the reference
// module's import paths are mapped to ours), constants keep their values,
// struct fields their types, tags, embedding and order, and method sets of T
// and *T keep every method with its signature. Interfaces keep their exact
// method sets, because applications implement them. Additions are allowed.
package apicompat
