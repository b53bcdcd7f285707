package rafttest

import (
	"fmt"

	"github.com/tickraft/raft"
)

// Reads: a client asks a random node for a linearizable read with
// ReadIndex. The index a ReadState returns must cover every write that
// any node had applied, and so acknowledged to its client, before the
// read was issued; otherwise the read could miss a completed write.

// pendingRead is a read in flight: who serves it and the highest index
// applied anywhere when it was issued.
type pendingRead struct {
	node    uint64
	applied uint64
	// client asked for the read; nil for a read nobody waits for.
	client *simClient
}

// read asks n for a read on behalf of c (which may be nil).
func (s *Sim) read(n *simNode, c *simClient) {
	s.nextRead++
	ctx := fmt.Sprintf("r%d", s.nextRead)
	floor := s.check.maxApplied
	s.reads[ctx] = pendingRead{node: n.id, applied: floor, client: c}
	if c != nil {
		c.readCtx = ctx
	}
	if s.opts.Bug == BugStaleReads {
		// Serve from the local state machine without asking anyone.
		s.trace.addf(s, "read %s at %d served locally at %d", ctx, n.id, n.kv.index)
		if !s.opts.NoReadFloor {
			s.check.readServed(n, ctx, n.kv.index, floor)
		}
		n.answerRead(ctx)
		return
	}
	s.trace.addf(s, "read %s at %d (applied anywhere: %d)", ctx, n.id, floor)
	n.rn.ReadIndex([]byte(ctx))
}

// readStates checks the reads a Ready confirms.
func (n *simNode) readStates(rss []raft.ReadState) {
	for _, rs := range rss {
		ctx := string(rs.RequestCtx)
		r, ok := n.s.reads[ctx]
		if !ok || r.node != n.id {
			n.s.check.fail(fmt.Sprintf("read: node %d confirmed read %q that it was never asked", n.id, ctx))
			continue
		}
		n.s.trace.addf(n.s, "read %s at %d confirmed at index %d", ctx, n.id, rs.Index)
		n.s.Stats.Reads++
		if !n.s.opts.NoReadFloor {
			n.s.check.readServed(n, ctx, rs.Index, r.applied)
		}
		n.waitReads = append(n.waitReads, waitingRead{ctx: ctx, index: rs.Index})
	}
	n.serveReads()
}

// readServed checks a read served at index against the writes applied
// before it was issued.
func (c *checker) readServed(n *simNode, ctx string, index, floor uint64) {
	if index < floor {
		c.fail(fmt.Sprintf("read linearizability: read %s at node %d is served at index %d, but index %d was applied before it was issued",
			ctx, n.id, index, floor))
	}
}
