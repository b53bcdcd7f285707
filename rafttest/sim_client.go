package rafttest

import (
	"errors"
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"
	"github.com/tickraft/raft"
)

// Simulated clients. Each has one operation in flight at a time, sent to a
// random node. A write is a proposal; it is retried, with the same sequence
// number, at a random node when it times out, when the proposal is dropped,
// or when the node's leader changes; the store's sessions make sure a retry
// is applied at most once. A read is a ReadIndex request (a lease read when
// the seed uses ReadOnlyLeaseBased), answered once the node has applied the
// read index; it is retried like a write. The answers make a history that
// porcupine checks for linearizability when the run ends.

// simClientTimeout is how long, in steps, a client waits before retrying:
// two election timeouts, so that a retry usually meets a new leader.
const simClientTimeout = 2 * simElectionTick * simTickEvery

type simClient struct {
	id   int
	seq  int
	busy bool
	op   kvInput
	call int64
	// The attempt in flight: where, how many before it, when it gives up,
	// and for a write the leader the node knew when it was proposed.
	node     uint64
	attempt  int
	deadline int64
	lead     uint64
	// readCtx is the ReadIndex context of the read attempt in flight.
	readCtx string
}

// clientsStep retries the attempts that need it, then maybe starts a write
// and a read at the seed's rates.
func (s *Sim) clientsStep() {
	for _, c := range s.clients {
		if c.busy && s.needsRetry(c) {
			s.attempt(c)
		}
	}
	if s.rng.Float64() < s.params.pPropose {
		s.startOp(s.clients[s.rng.IntN(len(s.clients))], kvPut+kvOpKind(s.rng.IntN(2)))
	}
	if s.rng.Float64() < s.params.pRead {
		s.startOp(s.clients[s.rng.IntN(len(s.clients))], kvGet)
	}
}

func (s *Sim) needsRetry(c *simClient) bool {
	if s.step >= c.deadline {
		return true
	}
	return c.op.op != kvGet && s.nodeByID(c.node).rn.BasicStatus().Lead != c.lead
}

func (s *Sim) startOp(c *simClient, kind kvOpKind) {
	if c.busy {
		return
	}
	c.seq++
	c.busy, c.call, c.attempt = true, s.step, 0
	c.op = kvInput{op: kind, key: kvKeys[s.rng.IntN(len(kvKeys))]}
	if kind != kvGet {
		// Values are unique, so a history shows which write a read saw.
		c.op.value = fmt.Sprintf("%d.%d,", c.id, c.seq)
	}
	s.attempt(c)
}

// attempt sends the client's operation to a random node.
func (s *Sim) attempt(c *simClient) {
	n := s.randomNode()
	c.node, c.deadline = n.id, s.step+simClientTimeout
	c.attempt++
	if c.attempt > 1 {
		s.Stats.Retries++
	}
	if c.op.op == kvGet {
		s.read(n, c)
		return
	}
	c.lead = n.rn.BasicStatus().Lead
	data := kvCommand{client: c.id, seq: c.seq, attempt: c.attempt, in: c.op}.encode()
	err := n.rn.Propose(data)
	s.trace.addf(s, "client %d proposes %s at %d: %v", c.id, data, n.id, err)
	s.Stats.Proposed++
	switch {
	case err == nil:
		s.proposed[string(data)] = true
	case errors.Is(err, raft.ErrProposalDropped):
		s.Stats.ProposalsDropped++
		c.deadline = s.step + simTickEvery // try elsewhere soon
	default:
		s.check.fail(fmt.Sprintf("proposal %s at %d: unexpected error %v", data, n.id, err))
	}
}

// complete records the client's answer and frees it for the next operation.
func (s *Sim) complete(c *simClient, out kvOutput) {
	s.trace.addf(s, "client %d: %s", c.id, kvModel().DescribeOperation(c.op, out))
	s.history = append(s.history, porcupine.Operation{
		ClientId: c.id, Input: c.op, Call: c.call, Output: out, Return: s.step,
	})
	c.busy = false
	s.Stats.ClientOps++
}

// applyKV runs a committed entry through n's store and answers the client
// waiting on n for it.
func (n *simNode) applyKV(data []byte) {
	n.kv.index++
	cmd, ok := decodeKVCommand(data)
	if !ok {
		return
	}
	if _, seen := n.s.kvLog[n.kv.index]; !seen {
		n.s.kvLog[n.kv.index] = cmd
	}
	result, fresh := n.kv.apply(cmd)
	if !fresh {
		n.s.Stats.Deduplicated++
	}
	c := n.s.clients[cmd.client]
	if c.busy && c.op.op != kvGet && c.seq == cmd.seq && c.node == n.id {
		n.s.complete(c, kvOutput{value: result})
	}
}

// kvAt rebuilds the store as of index from the commands applied anywhere,
// as a node restoring a snapshot or restarting would find it. State machine
// safety, checked on every apply, makes that history the node's own.
func (s *Sim) kvAt(index uint64) *kvStore {
	kv := newKVStore()
	for kv.index = 2; kv.index <= index; kv.index++ {
		if cmd, ok := s.kvLog[kv.index]; ok {
			kv.apply(cmd)
		}
	}
	kv.index = index
	return kv
}

// waitingRead is a read confirmed at index, waiting for n to apply it.
type waitingRead struct {
	ctx   string
	index uint64
}

// serveReads answers the confirmed reads that n's store has caught up with.
func (n *simNode) serveReads() {
	kept := n.waitReads[:0]
	for _, w := range n.waitReads {
		if w.index > n.kv.index {
			kept = append(kept, w)
			continue
		}
		n.answerRead(w.ctx)
	}
	n.waitReads = kept
}

func (n *simNode) answerRead(ctx string) {
	c := n.s.reads[ctx].client
	if c != nil && c.busy && c.op.op == kvGet && c.readCtx == ctx {
		n.s.complete(c, kvOutput{value: n.kv.data[c.op.key]})
	}
}

// clientHistory is every operation the clients invoked: the answered ones,
// and the writes still unanswered, which may take effect at any time after
// their call (porcupine's infinite return time). An unanswered read has no
// effect, so it is left out.
func (s *Sim) clientHistory() []porcupine.Operation {
	h := append([]porcupine.Operation(nil), s.history...)
	for _, c := range s.clients {
		if c.busy && c.op.op != kvGet {
			h = append(h, porcupine.Operation{
				ClientId: c.id, Input: c.op, Call: c.call, Output: kvOutput{unknown: true}, Return: math.MaxInt64,
			})
		}
	}
	return h
}

// readOnlyOption serves reads by lease on the seeds that drew it. The nodes
// tick in lockstep, which lease reads assume; everything else (delays,
// crash-restarts, transfers, partitions) may break a lease that is not
// sound. v3.6's rule, which answers every lease read at once, fails here:
// seeds 542 and 1368 served reads missing writes a newer leader committed
// (see "Lease-based reads" in docs/design/raft-core.md).
func (n *simNode) readOnlyOption() raft.ReadOnlyOption {
	if n.s.params.lease {
		return raft.ReadOnlyLeaseBased
	}
	return raft.ReadOnlySafe
}
