// Package kv is raftkv's state machine, with etcd's revision semantics: a
// bbolt database holding the history of events by revision (the only copy
// of each value), the applied raft index and the client sessions used to
// deduplicate retries, and an in-memory index of the current keys,
// rebuilt from the history at Open.
//
// The node loop feeds committed raft entries to StateMachine.Apply and
// serves reads with KV.Range after a ReadIndex round (or locally for
// serializable reads). Writes never bypass raft: the only way a key changes
// is a Command carried in a committed entry. See
// docs/design/raftkv-kv.md for the layout and the rules.
package kv
