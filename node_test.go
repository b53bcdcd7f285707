package raft

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	pb "github.com/tickraft/raft/raftpb"
)

// nodeGoroutines counts live goroutines of nodes (pump, with
// AsyncStorageWrites).
func nodeGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "raft.(*node).pump(")
}

// nodeGoroutinesSettle waits, up to 10 s, for the node goroutine count to
// come back to want, and returns the last count. Stop returns once pump
// has closed its done channel, which is pump's last act; the goroutine may
// still show in a stack dump for an instant after that, so a leak check
// retries, as goleak does.
func nodeGoroutinesSettle(want int) int {
	// Generous: a loaded machine may not run the exiting goroutine for a
	// while; a passing run returns at the first count that matches.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := nodeGoroutines()
		if n == want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(time.Millisecond)
	}
}

// drive handles Ready from n until stop returns true: persist, apply, Advance.
func drive(t *testing.T, n Node, s *MemoryStorage, async bool, stop func(applied []string) bool) []string {
	t.Helper()
	var applied []string
	applyEnts := func(ents []pb.Entry) {
		for _, e := range ents {
			switch e.Type {
			case pb.EntryConfChange:
				cc, err := confChangeOf(&e)
				if err != nil {
					t.Fatal(err)
				}
				n.ApplyConfChange(cc)
			default:
				if len(e.Data) > 0 {
					applied = append(applied, string(e.Data))
				}
			}
		}
	}
	deadline := time.After(10 * time.Second)
	for !stop(applied) {
		select {
		case rd := <-n.Ready():
			if !async {
				_ = s.SetHardState(rd.HardState)
				_ = s.Append(rd.Entries)
				applyEnts(rd.CommittedEntries)
				n.Advance()
				continue
			}
			for _, m := range rd.Messages {
				switch m.To {
				case LocalAppendThread:
					_ = s.Append(m.Entries)
				case LocalApplyThread:
					applyEnts(m.Entries)
				default:
					continue
				}
				for _, resp := range m.Responses {
					if err := n.Step(context.Background(), resp); err != nil {
						t.Fatal(err)
					}
				}
			}
		case <-deadline:
			t.Fatalf("timed out; applied %v", applied)
		}
	}
	return applied
}

func TestNodeProposeAndStop(t *testing.T) {
	for _, async := range []bool{false, true} {
		before := nodeGoroutines()
		s := NewMemoryStorage()
		c := newTestConfig(1, s)
		c.AsyncStorageWrites = async
		n := StartNode(c, []Peer{{ID: 1}})
		ctx := context.Background()
		// Apply the bootstrap configuration, then campaign.
		drive(t, n, s, async, func([]string) bool { return n.Status().Applied >= 1 })
		if err := n.Campaign(ctx); err != nil {
			t.Fatal(err)
		}
		drive(t, n, s, async, func([]string) bool { return n.Status().RaftState == StateLeader })
		errc := make(chan error, 1)
		go func() { errc <- n.Propose(ctx, []byte("a")) }()
		got := drive(t, n, s, async, func(a []string) bool { return len(a) == 1 })
		if err := <-errc; err != nil || got[0] != "a" {
			t.Fatalf("async=%v: Propose: %v, applied %v", async, err, got)
		}
		st := n.Status()
		if st.Progress[1].Match != 3 || st.Commit != 3 {
			t.Fatalf("async=%v: status %v", async, st)
		}
		n.Stop()
		if after := nodeGoroutinesSettle(before); after != before {
			t.Fatalf("async=%v: %d node goroutines after Stop, %d before", async, after, before)
		}
		n.Stop() // again: harmless
		if err := n.Propose(ctx, []byte("b")); !errors.Is(err, ErrStopped) {
			t.Fatalf("Propose after Stop: %v", err)
		}
		if err := n.Campaign(ctx); !errors.Is(err, ErrStopped) {
			t.Fatalf("Campaign after Stop: %v", err)
		}
		if st := n.Status(); st.ID != 0 {
			t.Fatalf("Status after Stop: %v", st)
		}
		n.Tick()
		n.Advance()
		n.ReportUnreachable(2)
		n.ReportSnapshot(2, SnapshotFinish)
		n.TransferLeadership(ctx, 1, 2)
		n.ApplyConfChange(pb.ConfChange{})
	}
}

func TestNodeProposalWaitsForLeader(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(1, s), []Peer{{ID: 1}})
	defer n.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := n.Propose(ctx, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Propose without a leader: %v", err)
	}
	if err := n.Step(context.Background(), pb.Message{Type: pb.MsgHup}); err != nil {
		t.Fatalf("a local message from a peer is ignored without error: %v", err)
	}
	if err := n.ReadIndex(context.Background(), []byte("r")); err != nil {
		t.Fatal(err)
	}
	if err := n.ForgetLeader(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.ProposeConfChange(ctx, pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: 2}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ProposeConfChange without a leader: %v", err)
	}
}

func TestRestartNodeAndTick(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(1, s), []Peer{{ID: 1}})
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 1 })
	n.Stop()
	cs := pb.ConfState{Voters: []uint64{1}}
	if _, err := s.CreateSnapshot(1, &cs, nil); err != nil {
		t.Fatal(err)
	}
	c := newTestConfig(1, s)
	c.Applied = 1
	n = RestartNode(c)
	defer n.Stop()
	for i := 0; i < 25; i++ {
		n.Tick() // a single voter elects itself after the election timeout
		drive(t, n, s, false, func([]string) bool { return true })
	}
	drive(t, n, s, false, func([]string) bool { return n.Status().RaftState == StateLeader })
}
