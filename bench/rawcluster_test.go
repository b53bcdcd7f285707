package bench

import "fmt"

// compactEvery bounds memory in long runs: once a node has applied this many
// entries past its last compaction, its storage is compacted to the applied
// index. Both libraries pay the same cost.
const compactEvery = 4096

// rawCluster is a set of RawNodes, ids 1..n, with node 1 elected leader and
// every message delivered synchronously.
type rawCluster struct {
	nodes     []rawNode
	proposals []int    // proposals applied per node
	applied   []uint64 // last applied index per node
	compacted []uint64
}

func newRawCluster(l lib, n int) (*rawCluster, error) {
	voters := make([]uint64, n)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	c := &rawCluster{proposals: make([]int, n), applied: make([]uint64, n), compacted: make([]uint64, n)}
	for _, id := range voters {
		rn, err := l.newRawNode(id, voters)
		if err != nil {
			return nil, fmt.Errorf("%s: node %d: %w", l.name(), id, err)
		}
		c.nodes = append(c.nodes, rn)
	}
	if err := c.nodes[0].Campaign(); err != nil {
		return nil, fmt.Errorf("%s: campaign: %w", l.name(), err)
	}
	if err := c.settle(); err != nil {
		return nil, err
	}
	for i, rn := range c.nodes {
		if lead := rn.Lead(); lead != 1 {
			return nil, fmt.Errorf("%s: node %d sees leader %d after the election, want 1", l.name(), i+1, lead)
		}
	}
	return c, nil
}

// settle handles Readys until no node has one: persist, deliver the
// messages, count what was applied, advance.
func (c *rawCluster) settle() error {
	for progress := true; progress; {
		progress = false
		for i, rn := range c.nodes {
			if !rn.HasReady() {
				continue
			}
			progress = true
			if err := c.handle(i, rn); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *rawCluster) handle(i int, rn rawNode) error {
	rn.Ready()
	if err := rn.Persist(); err != nil {
		return fmt.Errorf("node %d: persist: %w", i+1, err)
	}
	for m := range rn.Messages() {
		to := rn.MessageTo(m)
		if to == 0 || to > uint64(len(c.nodes)) {
			return fmt.Errorf("node %d: message to unknown node %d", i+1, to)
		}
		if err := rn.Deliver(m, c.nodes[to-1]); err != nil {
			return fmt.Errorf("node %d: delivering to %d: %w", i+1, to, err)
		}
	}
	p, last := rn.Applied()
	c.proposals[i] += p
	if last > 0 {
		c.applied[i] = last
	}
	rn.Advance()
	return nil
}

// maybeCompact compacts every node's storage at its applied index once it
// is compactEvery entries ahead. Only safe after settle: then every
// follower holds everything the leader applied.
func (c *rawCluster) maybeCompact() error {
	for i, rn := range c.nodes {
		if c.applied[i] >= c.compacted[i]+compactEvery {
			if err := rn.Compact(c.applied[i]); err != nil {
				return fmt.Errorf("node %d: compact: %w", i+1, err)
			}
			c.compacted[i] = c.applied[i]
		}
	}
	return nil
}

func (c *rawCluster) storageCalls() int64 {
	var n int64
	for _, rn := range c.nodes {
		n += rn.StorageCalls()
	}
	return n
}

// checkApplied fails unless every node applied exactly want proposals.
func (c *rawCluster) checkApplied(want int) error {
	for i, p := range c.proposals {
		if p != want {
			return fmt.Errorf("node %d applied %d proposals, want %d", i+1, p, want)
		}
	}
	return nil
}
