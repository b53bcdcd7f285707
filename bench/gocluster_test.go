package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// goCluster runs Nodes (the goroutine wrapper), ids 1..n, each with a driver
// goroutine that persists its Readys, steps the messages into their
// recipients and counts the proposals applied. Node 1 is elected leader.
type goCluster struct {
	nodes     []goNode
	proposals []atomic.Int64
	applied   []atomic.Uint64
	kick      []chan struct{} // signalled after proposals[i] grows
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	errOnce   sync.Once
	err       error
}

func newGoCluster(l lib, n int) (*goCluster, error) {
	voters := make([]uint64, n)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	c := &goCluster{proposals: make([]atomic.Int64, n), applied: make([]atomic.Uint64, n)}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for _, id := range voters {
		c.nodes = append(c.nodes, l.startNode(id, voters))
		c.kick = append(c.kick, make(chan struct{}, 1))
	}
	for i := range c.nodes {
		c.wg.Add(1)
		go c.drive(i)
	}
	if err := c.nodes[0].Campaign(c.ctx); err != nil {
		c.stop()
		return nil, fmt.Errorf("%s: campaign: %w", l.name(), err)
	}
	// Setup only: poll until every node knows the leader.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < n; {
		if c.nodes[i].Lead() == 1 {
			i++
			continue
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s: node %d sees no leader after 10s", l.name(), i+1)
		}
		time.Sleep(time.Millisecond)
	}
	return c, nil
}

func (c *goCluster) fail(err error) {
	c.errOnce.Do(func() { c.err = err; c.cancel() })
}

func (c *goCluster) drive(i int) {
	defer c.wg.Done()
	n := c.nodes[i]
	compacted := uint64(0)
	for n.Next(c.ctx) {
		if err := n.Persist(); err != nil {
			c.fail(fmt.Errorf("node %d: persist: %w", i+1, err))
			return
		}
		for m := range n.Messages() {
			to := n.MessageTo(m)
			if to == 0 || to > uint64(len(c.nodes)) {
				c.fail(fmt.Errorf("node %d: message to unknown node %d", i+1, to))
				return
			}
			if err := n.Deliver(c.ctx, m, c.nodes[to-1]); err != nil && c.ctx.Err() == nil {
				c.fail(fmt.Errorf("node %d: delivering to %d: %w", i+1, to, err))
				return
			}
		}
		p, last := n.Applied()
		if last > 0 {
			c.applied[i].Store(last)
		}
		n.Advance()
		if p > 0 {
			c.proposals[i].Add(int64(p))
			select {
			case c.kick[i] <- struct{}{}:
			default:
			}
		}
		// Compact below what every node applied: no follower can need
		// those entries from the leader again.
		if low := c.minApplied(); low >= compacted+compactEvery {
			if err := n.Compact(low); err != nil {
				c.fail(fmt.Errorf("node %d: compact: %w", i+1, err))
				return
			}
			compacted = low
		}
	}
}

func (c *goCluster) minApplied() uint64 {
	low := c.applied[0].Load()
	for i := range c.applied[1:] {
		low = min(low, c.applied[i+1].Load())
	}
	return low
}

// wait blocks until node i applied at least want proposals.
func (c *goCluster) wait(i int, want int64) error {
	for c.proposals[i].Load() < want {
		select {
		case <-c.kick[i]:
		case <-c.ctx.Done():
			if c.err != nil {
				return c.err
			}
			return c.ctx.Err()
		}
	}
	return nil
}

// stop ends the drivers and the nodes and returns the first driver error.
func (c *goCluster) stop() error {
	c.cancel()
	c.wg.Wait()
	for _, n := range c.nodes {
		n.Stop()
	}
	return c.err
}

func (c *goCluster) storageCalls() int64 {
	var n int64
	for _, g := range c.nodes {
		n += g.StorageCalls()
	}
	return n
}
