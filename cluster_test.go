package raft

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// TestRandomClusterSafety runs small clusters under message loss, reordering
// within a round, ticks, proposals, log compaction (lagging nodes catch up by
// snapshot) and restarts from storage, and checks the
// Raft safety properties after every round: at most one leader per term, and
// what any two nodes applied is one sequence (one is a prefix of the other).
// At the end the network heals and everything proposed and committed must be
// applied everywhere.
func TestRandomClusterSafety(t *testing.T) {
	totalSnaps := 0
	for seed := uint64(0); seed < 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { totalSnaps += runRandomCluster(t, seed) })
	}
	if totalSnaps == 0 {
		t.Fatal("no run needed a snapshot: compaction is not exercised")
	}
}

func runRandomCluster(t *testing.T, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 99))
	n := 3 + 2*int(seed%2)
	tweak := func(c *Config) {
		c.AsyncStorageWrites = seed%3 == 0
		c.PreVote = seed%4 < 2
		c.CheckQuorum = seed%5 < 2
		c.MaxSizePerMsg = uint64(rng.IntN(3)) * 20
		c.MaxInflightMsgs = 1 + int(seed%4)
		c.RandSeed = seed*10 + c.ID
	}
	tn := newTestNet(t, n, tweak)
	leaders := map[uint64]uint64{} // term -> leader
	lossy := func(pb.Message) bool { return rng.IntN(100) < 25 }
	tn.drop = lossy
	next := 0
	for round := 0; round < 150; round++ {
		switch r := rng.IntN(10); {
		case r < 5:
			tn.tickAll(1)
		case r < 8:
			id := uint64(1 + rng.IntN(n))
			_ = tn.nodes[id].Propose([]byte(fmt.Sprint(next)))
			next++
			tn.settle()
		case r < 9 && rng.IntN(2) == 0:
			// Restart a node from what it persisted.
			id := uint64(1 + rng.IntN(n))
			tn.restart(id, tweak)
		case r < 9:
			tn.compact(uint64(1 + rng.IntN(n)))
		default:
			// Shuffle delivery order for one round.
			rng.Shuffle(len(tn.queue), func(i, j int) { tn.queue[i], tn.queue[j] = tn.queue[j], tn.queue[i] })
			tn.settle()
		}
		for _, id := range tn.ids() {
			r := tn.nodes[id].raft
			if r.state == StateLeader {
				if other, ok := leaders[r.term]; ok && other != id {
					t.Fatalf("two leaders in term %d: %d and %d", r.term, other, id)
				}
				leaders[r.term] = id
			}
		}
		checkAppliedPrefixes(t, tn)
	}
	tn.drop = nil
	tn.tickAll(60)
	lead := uint64(0)
	for _, id := range tn.ids() {
		if tn.nodes[id].raft.state == StateLeader {
			lead = id
		}
	}
	if lead == 0 {
		for _, j := range tn.ids() {
			r := tn.nodes[j].raft
			t.Logf("node %d: %v term %d vote %d lead %d log %s elapsed %d/%d cq %v pv %v promotable %v unappliedCC %v cfg %v", j, r.state, r.term, r.vote, r.lead, r.raftLog, r.electionElapsed, r.randomizedElectionTimeout, r.cfg.CheckQuorum, r.cfg.PreVote, r.promotable(), r.hasUnappliedConfChanges(), r.trk.Config)
		}
		t.Fatal("no leader after healing")
	}
	tn.propose(lead, "final")
	tn.tickAll(3)
	want := tn.appliedData(lead)
	for _, id := range tn.ids() {
		if got := tn.appliedData(id); got != want {
			for _, j := range tn.ids() {
				r := tn.nodes[j].raft
				t.Logf("node %d: %v term %d lead %d log %s unstable %v+%d inprog %d async %v", j, r.state, r.term, r.lead, r.raftLog, r.raftLog.unstable.prev, len(r.raftLog.unstable.entries), r.raftLog.unstable.inProgress, tn.nodes[j].asyncStorageWrites)
				if r.state == StateLeader {
					t.Logf("%s", r.trk.Progress)
				}
			}
			t.Fatalf("node %d applied %s, leader %s", id, got, want)
		}
	}
	if len(tn.applied[lead]) == 0 || string(tn.applied[lead][len(tn.applied[lead])-1].Data) != "final" {
		t.Fatalf("the final proposal was not applied: %s", want)
	}
	return tn.snapsDelivered
}

// restart rebuilds node id from its storage, as after a crash. Work not yet
// written (async writes still queued) is lost. The application keeps its
// state machine: it snapshots it, with the configuration it has applied,
// and restarts raft from there with Config.Applied.
func (tn *testNet) restart(id uint64, tweak func(*Config)) {
	tn.appendQ[id], tn.applyQ[id] = nil, nil
	s := tn.stores[id]
	hs, _, err := s.InitialState()
	if err != nil {
		tn.t.Fatal(err)
	}
	applied := min(tn.appliedIndex[id], hs.Commit)
	snap, _ := s.Snapshot()
	if applied > snap.Metadata.Index {
		cs := tn.nodes[id].raft.trk.ConfState()
		if applied < tn.appliedIndex[id] {
			// The commit index that covers the rest is not durable: forget
			// the state machine and apply everything again.
			applied, cs = snap.Metadata.Index, snap.Metadata.ConfState
			tn.applied[id] = slices.DeleteFunc(tn.applied[id], func(e pb.Entry) bool { return e.Index > applied })
		} else if _, err := s.CreateSnapshot(applied, &cs, tn.stateMachineData(id)); err != nil {
			tn.t.Fatal(err)
		}
	}
	tn.appliedIndex[id] = applied
	c := newTestConfig(id, s)
	if tweak != nil {
		tweak(c)
	}
	c.Applied = applied
	rn, err := NewRawNode(c)
	if err != nil {
		tn.t.Fatalf("restarting node %d: %v", id, err)
	}
	tn.nodes[id] = rn
}

func checkAppliedPrefixes(t *testing.T, tn *testNet) {
	t.Helper()
	ids := tn.ids()
	for _, a := range ids {
		for _, b := range ids {
			x, y := tn.applied[a], tn.applied[b]
			for i := 0; i < min(len(x), len(y)); i++ {
				if x[i].Index != y[i].Index || string(x[i].Data) != string(y[i].Data) {
					t.Fatalf("nodes %d and %d applied different entries at position %d: %v vs %v", a, b, i, x[i], y[i])
				}
			}
		}
	}
}
