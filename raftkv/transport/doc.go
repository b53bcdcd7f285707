// Package transport carries raft messages between the members of a raftkv
// cluster over TCP, optionally with mutual TLS.
//
// Each member runs one Transport. Outbound, the node loop hands it the
// messages of every Ready with Send (non-blocking) and snapshots with
// SendSnapshot; one writer goroutine per peer batches whatever is queued
// into one frame per write. Inbound, the Transport accepts connections and
// hands every message to Handler.Process and every snapshot to
// Handler.ProcessSnapshot. Failures come back to raft through
// Handler.ReportUnreachable and Handler.ReportSnapshot.
//
// The wire format and the design are described in
// docs/design/raftkv-transport.md.
package transport
