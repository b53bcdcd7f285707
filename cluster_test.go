package raft

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// TestRandomClusterSafety runs small clusters under message loss, reordering
// within a round, ticks, proposals, log compaction (lagging nodes catch up by
// snapshot), leader transfers, a learner joining and leaving, and restarts
// from storage, and checks the
// Raft safety properties after every round: at most one leader per term, and
// what any two nodes applied is one sequence (one is a prefix of the other).
// At the end the network heals and everything proposed and committed must be
// applied everywhere.
func TestRandomClusterSafety(t *testing.T) {
	totalSnaps, reuseSeeds := 0, 0
	for seed := uint64(0); seed < *clusterSeeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { totalSnaps += runRandomCluster(t, seed) })
		if clusterReuse(seed) && seed%3 != 0 {
			reuseSeeds++
		}
	}
	if totalSnaps == 0 {
		t.Fatal("no run needed a snapshot: compaction is not exercised")
	}
	if reuseSeeds == 0 {
		t.Fatal("no run used ReuseReadyBuffers")
	}
}

// clusterReuse picks ReuseReadyBuffers for about half of the synchronous
// seeds, from a source of its own so that each run's other draws stay as
// they were before the option joined the test.
func clusterReuse(seed uint64) bool {
	return rand.New(rand.NewPCG(seed, 0x5eed)).IntN(2) == 0
}

func runRandomCluster(t *testing.T, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 99))
	n := 3 + 2*int(seed%2)
	reuse := clusterReuse(seed)
	tweak := func(c *Config) {
		c.AsyncStorageWrites = seed%3 == 0
		c.ReuseReadyBuffers = reuse && !c.AsyncStorageWrites
		c.PreVote = seed%4 < 2
		c.CheckQuorum = seed%5 < 2
		c.MaxSizePerMsg = uint64(rng.IntN(3)) * 20
		c.MaxInflightMsgs = 1 + int(seed%4)
		c.RandSeed = seed*10 + c.ID
		c.StepDownOnRemoval = seed%2 == 0
	}
	tn := newTestNet(t, n, tweak)
	// Persist the bootstrap entries: a restart before that would lose the
	// node's membership, which an application handles by bootstrapping
	// again, not by restarting.
	tn.settle()
	leaders := map[uint64]uint64{} // term -> leader
	lossy := func(pb.Message) bool { return rng.IntN(100) < 25 }
	tn.drop = lossy
	next := 0
	learner := uint64(n + 1) // joins as a learner, may be promoted, leaves
	tn.addNode(learner, tweak, nil)
	for round := 0; round < 150; round++ {
		switch r := rng.IntN(10); {
		case r < 4:
			tn.tickAll(1)
		case r < 7:
			id := uint64(1 + rng.IntN(n))
			_ = tn.nodes[id].Propose([]byte(fmt.Sprint(next)))
			next++
			tn.settle()
		case r < 8 && rng.IntN(2) == 0:
			tn.restart(uint64(1+rng.IntN(n)), tweak) // from what it persisted
		case r < 8:
			tn.compact(uint64(1 + rng.IntN(n)))
		case r < 9 && rng.IntN(2) == 0:
			// Ask whoever leads to hand over to a random voter.
			for id := uint64(1); id <= uint64(n); id++ {
				if tn.nodes[id].raft.state == StateLeader {
					tn.nodes[id].TransferLeader(uint64(1 + rng.IntN(n)))
				}
			}
			tn.settle()
		case r < 9:
			// Add the extra node as a learner, promote it, remove it, with
			// simple or joint changes, through a random node.
			typ := pb.ConfChangeAddLearnerNode
			if r1 := tn.nodes[1].raft; r1.isMember(learner) {
				typ = pb.ConfChangeRemoveNode
				if _, isLearner := r1.config().Learners[learner]; isLearner && rng.IntN(2) == 0 {
					typ = pb.ConfChangeAddNode
				}
			}
			var cc pb.ConfChangeI = pb.ConfChange{Type: typ, NodeID: learner}
			if rng.IntN(2) == 0 {
				cc = pb.ConfChangeV2{Transition: pb.ConfChangeTransitionJointImplicit, Changes: []pb.ConfChangeSingle{{Type: typ, NodeID: learner}}}
			}
			_ = tn.nodes[uint64(1+rng.IntN(n))].ProposeConfChange(cc)
			tn.settle()
		default:
			// Reorder deliveries for a while.
			if tn.reorder == nil {
				tn.reorder = func(q []pb.Message) { rng.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] }) }
			} else {
				tn.reorder = nil
			}
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
	tn.drop, tn.reorder = nil, nil
	// A snapshot taken before the learner joined does not include it, and a
	// node refuses a snapshot of a configuration without itself; the
	// application's periodic snapshots let it catch up.
	for i := 0; i < 6; i++ {
		tn.tickAll(10)
		for id := uint64(1); id <= uint64(n); id++ {
			tn.compact(id)
		}
	}
	// Without PreVote a node with a stale log can win the timeout race for
	// a few terms in a row, and a proposal may be lost with its leader;
	// propose through whoever leads until one is applied.
	lead := uint64(0)
	applied := func(id uint64) bool {
		a := tn.applied[id]
		return len(a) > 0 && string(a[len(a)-1].Data) == "final"
	}
	for i := 0; (lead == 0 || !applied(lead)) && i < 500; i++ {
		tn.tickAll(1)
		lead = 0
		for _, id := range tn.ids() {
			r := tn.nodes[id].raft
			if r.state != StateLeader {
				continue
			}
			if _, member := r.trk.Progress[id]; !member {
				// A leader removed without StepDownOnRemoval leads on;
				// the application shuts it down.
				delete(tn.nodes, id)
				continue
			}
			lead = id
			if !applied(id) && i%20 == 0 {
				_ = tn.nodes[id].Propose([]byte("final"))
			}
		}
	}
	if lead == 0 || !applied(lead) {
		t.Fatal("no leader applied a proposal after healing")
	}
	tn.tickAll(3)
	want := tn.appliedData(lead)
	members, _ := tn.nodes[lead].raft.freshProgress() // it may have stepped down
	for _, m := range members {
		id := m.id
		if got := tn.appliedData(id); got != want {
			for _, j := range tn.ids() {
				r := tn.nodes[j].raft
				t.Logf("node %d: %v term %d lead %d log %s unstable %v+%d inprog %d async %v", j, r.state, r.term, r.lead, &r.raftLog, r.raftLog.unstable.prev, len(r.raftLog.unstable.entries), r.raftLog.unstable.inProgress, tn.nodes[j].asyncStorageWrites)
				if r.state == StateLeader {
					t.Logf("%s", r.trk.Progress)
				}
			}
			t.Fatalf("node %d applied %s, leader %s", id, got, want)
		}
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
		cs := tn.nodes[id].raft.confState()
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

// clusterSeeds is how many seeded runs TestRandomClusterSafety makes; raise
// it to search longer (6000 seeds pass, in about 20s).
var clusterSeeds = flag.Uint64("clusterseeds", 40, "seeded runs of TestRandomClusterSafety")
