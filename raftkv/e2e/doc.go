// Package e2e tests the raftkv command end to end: it builds the binary
// once, runs real member processes on loopback ports and talks to them
// with etcd's client library and, when installed, etcdctl. Faults are real
// too: kill -9, SIGSTOP for a partition, and damage to the files of a
// stopped member's WAL.
package e2e
