// Package wal is raftkv's write-ahead log: the durable home of the raft log,
// the HardState and the snapshot marker, served back to raft through
// raft.Storage.
//
// The log is a directory of preallocated segment files. Each Save appends
// one group of records (snapshot marker, entries, hard state) to the last
// segment and makes it durable with a single fdatasync, so the node loop can
// persist a whole MsgStorageAppend at once and then step its responses.
// Open replays every segment, rebuilds the in-memory index of entries and
// truncates a torn tail; damage anywhere else is reported as corruption.
//
// Snapshot data is not kept here: Snapshot returns the latest marker's
// metadata with nil Data, and the state machine streams the data itself.
//
// The on-disk format and the recovery rules are described in
// docs/design/raftkv-wal.md.
package wal
