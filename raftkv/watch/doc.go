// Package watch serves etcd v3 watches from a raftkv member's applied
// state.
//
// A Hub follows the state machine's history. The apply path calls Notify
// after each commit; the hub's goroutine then reads the new revisions'
// events from the history bucket and hands them to the watchers that are
// caught up ("synced"). A watcher that starts at an older revision replays
// the history from the same goroutine, a bounded page at a time, and joins
// the synced set once it reaches the hub's revision. Because one goroutine
// both publishes and replays, under one lock, a watcher sees every revision
// exactly once, whichever path delivered it.
//
// Each gRPC stream is a Stream: an outbox of responses that its sender
// drains. The hub only appends to outboxes, so a slow client never blocks
// the hub, and the hub never blocks the apply path. A synced watcher whose
// undelivered events pass Options.MaxPendingEvents is canceled; a replaying
// watcher is instead paced by its client. All outboxes together are bounded
// too (Options.MaxTotalPendingBytes): past it, the watchers with the most
// waiting are canceled and their queued events freed.
package watch
