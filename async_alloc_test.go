package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// asyncCluster drives RawNodes 1..n with AsyncStorageWrites and nothing in
// between: storage messages are run at once (entries appended, responses
// stepped), peers' messages stepped straight into their recipients.
type asyncCluster struct {
	t       testing.TB
	nodes   []*RawNode
	stores  []*MemoryStorage
	applied []int
	queue   []pb.Message // reused between rounds
}

func newAsyncCluster(t testing.TB, n int) *asyncCluster {
	tn := newTestNet(t, n, func(c *Config) { c.AsyncStorageWrites = true })
	tn.elect(1)
	c := &asyncCluster{t: t, applied: make([]int, n)}
	for id := uint64(1); id <= uint64(n); id++ {
		c.nodes = append(c.nodes, tn.nodes[id])
		c.stores = append(c.stores, tn.stores[id])
	}
	return c
}

func (c *asyncCluster) step(m pb.Message) {
	if err := c.nodes[m.To-1].Step(m); err != nil {
		c.t.Fatal(err)
	}
}

func (c *asyncCluster) settle() {
	for busy := true; busy; {
		busy = false
		for i, rn := range c.nodes {
			if !rn.HasReady() {
				continue
			}
			busy = true
			rd := rn.Ready()
			c.queue = c.queue[:0]
			for _, m := range rd.Messages {
				switch m.To {
				case LocalAppendThread:
					if !IsEmptyHardState(pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}) {
						_ = c.stores[i].SetHardState(pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit})
					}
					if err := c.stores[i].Append(m.Entries); err != nil {
						c.t.Fatal(err)
					}
					c.queue = append(c.queue, m.Responses...)
				case LocalApplyThread:
					for _, e := range m.Entries {
						if e.Type == pb.EntryNormal && len(e.Data) > 0 {
							c.applied[i]++
						}
					}
					c.queue = append(c.queue, m.Responses...)
				default:
					c.queue = append(c.queue, m)
				}
			}
			for _, m := range c.queue {
				if m.To == LocalAppendThread || m.To == LocalApplyThread {
					c.t.Fatalf("response addressed to a storage thread: %v", m.Type)
				}
				c.step(m)
			}
		}
	}
}

// With AsyncStorageWrites the storage messages and their responses go into
// the same chunks as the peers' messages: a three-voter proposal round
// costs about 1.1 allocations (new chunks, and the unstable log's arrays),
// where each Ready allocated its messages, the append's responses and the
// apply's response before (about 21 per round).
func TestAsyncThreeVoterRoundAllocations(t *testing.T) {
	c := newAsyncCluster(t, 3)
	if allocs := proposalRoundAllocations(t, c.nodes[0], c.settle, c.applied); allocs > 2 {
		t.Fatalf("%.2f allocations per round, want at most 2", allocs)
	}
}

// proposalRoundAllocations proposes through leader and settles, 50 rounds
// to warm up and then 400 measured, and returns the allocations per round
// (truncated, as testing.AllocsPerRun reports them). applied counts the
// proposals each node applied; every node must have applied all 451.
func proposalRoundAllocations(t *testing.T, leader *RawNode, settle func(), applied []int) float64 {
	t.Helper()
	data := []byte("payload")
	round := func() {
		if err := leader.Propose(data); err != nil {
			t.Fatal(err)
		}
		settle()
	}
	for range 50 {
		round()
	}
	allocs := testing.AllocsPerRun(400, round)
	t.Logf("%.2f allocations per round", allocs)
	for i, n := range applied {
		if n != 451 {
			t.Errorf("node %d applied %d proposals, want 451", i+1, n)
		}
	}
	return allocs
}
