// Package kv is raftkv's state machine: a bbolt database holding the keys
// with etcd's revision semantics, the history of events by revision, the
// applied raft index, and the client sessions used to deduplicate retries.
//
// The node loop feeds committed raft entries to StateMachine.Apply and
// serves reads with KV.Range after a ReadIndex round (or locally for
// serializable reads). Writes never bypass raft: the only way a key changes
// is a Command carried in a committed entry. See
// docs/design/raftkv-kv.md for the layout and the rules.
package kv
