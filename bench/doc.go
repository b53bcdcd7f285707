// Package bench runs identical workloads on tickraft and on go.etcd.io/raft
// v3.6.0 so that their speed and allocations can be compared in one run.
// The workloads are in the test files; see README.md.
package bench
