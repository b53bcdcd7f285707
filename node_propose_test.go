package raft

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// singleVoterNode starts a one-voter Node and makes it leader.
func singleVoterNode(t *testing.T, tweak func(*Config)) (Node, *MemoryStorage) {
	t.Helper()
	s := NewMemoryStorage()
	c := newTestConfig(1, s)
	if tweak != nil {
		tweak(c)
	}
	n := StartNode(c, []Peer{{ID: 1}})
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 1 })
	if err := n.Campaign(context.Background()); err != nil {
		t.Fatal(err)
	}
	drive(t, n, s, false, func([]string) bool { return n.Status().RaftState == StateLeader })
	return n, s
}

// Each Propose gets its own result: a dropped proposal between two
// accepted ones reports the drop, and only the accepted ones are applied.
func TestNodeProposeResultsStayWithTheirCaller(t *testing.T) {
	n, s := singleVoterNode(t, func(c *Config) { c.MaxUncommittedEntriesSize = 4 })
	defer n.Stop()
	ctx := context.Background()
	var applied []string
	for i := range 3 {
		// Nothing is committed while the Readies wait, so a second
		// proposal of 4 bytes finds the uncommitted budget spent.
		a, b := fmt.Sprintf("a%03d", i), fmt.Sprintf("b%03d", i)
		if err := n.Propose(ctx, []byte(a)); err != nil {
			t.Fatalf("round %d: first proposal: %v", i, err)
		}
		if err := n.Propose(ctx, []byte(b)); !errors.Is(err, ErrProposalDropped) {
			t.Fatalf("round %d: second proposal: %v, want ErrProposalDropped", i, err)
		}
		applied = drive(t, n, s, false, func(got []string) bool { return len(got) == 1 })
		if applied[0] != a {
			t.Fatalf("round %d applied %v, want [%s]", i, applied, a)
		}
	}
}

// A proposal whose context has already ended is still stepped while a
// leader is known (its context counts only while it waits for one), and
// later proposals still return their own results and are applied in order.
func TestNodeProposeAfterCancelledProposals(t *testing.T) {
	n, s := singleVoterNode(t, nil)
	defer n.Stop()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var applied []string
	for i := range 20 {
		// A leader is known, so it is stepped without a look at its
		// context; a proposal's context counts only while it waits.
		if err := n.Propose(cancelled, []byte(fmt.Sprint("c", i))); err != nil {
			t.Fatalf("proposal %d with an ended context: %v, want it stepped", i, err)
		}
		p := fmt.Sprint("p", i)
		if err := n.Propose(context.Background(), []byte(p)); err != nil {
			t.Fatalf("proposal %d: %v", i, err)
		}
		applied = append(applied, drive(t, n, s, false, func(a []string) bool {
			return len(a) > 0 && a[len(a)-1] == p
		})...)
	}
	var ps []string
	for _, a := range applied {
		switch a[0] {
		case 'p':
			ps = append(ps, a)
		case 'c':
		default:
			t.Fatalf("applied %q, which nobody proposed", a)
		}
	}
	for i := range 20 {
		if i >= len(ps) || ps[i] != fmt.Sprint("p", i) {
			t.Fatalf("applied proposals %v, want p0 to p19 in order", ps)
		}
	}
}

// A single voter's Node round, proposal to applied, allocates less than
// once per proposal: the entry is built in the RawNode's scratch space and
// the Node hands nothing to another goroutine.
func TestNodeSingleVoterRoundAllocations(t *testing.T) {
	n, s := singleVoterNode(t, func(c *Config) { c.ReuseReadyBuffers = true })
	defer n.Stop()
	ctx := context.Background()
	data := []byte("payload")
	round := func() {
		if err := n.Propose(ctx, data); err != nil {
			t.Fatal(err)
		}
		for applied := false; !applied; {
			rd := <-n.Ready()
			_ = s.SetHardState(rd.HardState)
			_ = s.Append(rd.Entries)
			applied = len(rd.CommittedEntries) > 0
			n.Advance()
		}
	}
	for range 50 {
		round()
	}
	// AllocsPerRun truncates: 0 is below one per round.
	if allocs := testing.AllocsPerRun(400, round); allocs > 0 {
		t.Fatalf("%.0f allocations per Node round, want below 1", allocs)
	}
}
