package raft

import (
	"math/rand/v2"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// randomMessage builds a message a faulty or malicious peer could send:
// any type, terms and indexes near and far from the truth.
func randomMessage(rng *rand.Rand, to uint64) pb.Message {
	near := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return uint64(rng.IntN(12))
		case 2:
			return rng.Uint64()
		}
		return uint64(rng.IntN(4))
	}
	m := pb.Message{
		Type: pb.MessageType(rng.IntN(24) - 1), To: to, From: uint64(rng.IntN(5)),
		Term: near(), LogTerm: near(), Index: near(), Commit: near(),
		Reject: rng.IntN(2) == 0, RejectHint: near(),
	}
	for i := rng.IntN(3); i > 0; i-- {
		m.Entries = append(m.Entries, pb.Entry{Term: near(), Index: near(), Type: pb.EntryType(rng.IntN(3)), Data: []byte{byte(rng.IntN(256))}})
	}
	if rng.IntN(4) == 0 {
		m.Snapshot = &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: near(), Term: near(),
			ConfState: pb.ConfState{Voters: []uint64{uint64(rng.IntN(4))}}}}
	}
	if rng.IntN(3) == 0 {
		m.Context = []byte{byte(rng.IntN(3)), 0, 0, 0, 0, 0, 0, byte(rng.IntN(3))}
	}
	return m
}

// TestRandomPeerMessagesNeverPanic feeds random messages into a working
// cluster, in both durability modes, and checks that nothing panics, that
// a rejected message changes nothing, and that the committed prefixes of all
// nodes agree.
func TestRandomPeerMessagesNeverPanic(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		tn := newTestNet(t, 3, func(c *Config) {
			c.AsyncStorageWrites = seed%2 == 1
			c.PreVote = seed%3 == 0
			c.CheckQuorum = seed%4 == 0
		})
		tn.elect(1)
		for step := 0; step < 150; step++ {
			to := uint64(1 + rng.IntN(3))
			m := randomMessage(rng, to)
			before := tn.nodes[to].BasicStatus()
			err := tn.nodes[to].Step(m)
			if err != nil && tn.nodes[to].BasicStatus() != before {
				t.Fatalf("seed %d: rejected %v changed the node", seed, m)
			}
			switch rng.IntN(4) {
			case 0:
				tn.tickAll(1)
			case 1:
				_ = tn.nodes[to].Propose([]byte{byte(step)})
			}
			tn.settle()
			if step%10 == 0 {
				checkCommittedPrefixes(t, seed, tn)
			}
		}
	}
}

// checkCommittedPrefixes checks that every two nodes agree on the entries
// both have committed and still hold.
func checkCommittedPrefixes(t *testing.T, seed uint64, tn *testNet) {
	t.Helper()
	ids := tn.ids()
	for _, a := range ids {
		for _, b := range ids {
			la, lb := &tn.nodes[a].raft.raftLog, &tn.nodes[b].raft.raftLog
			hi := min(la.committed, lb.committed)
			lo := max(la.firstIndex(), lb.firstIndex())
			for i := lo; i <= hi; i++ {
				ta, ea := la.term(i)
				tb, eb := lb.term(i)
				if ea == nil && eb == nil && ta != tb {
					t.Fatalf("seed %d: nodes %d and %d committed different entries at %d", seed, a, b, i)
				}
			}
		}
	}
}
