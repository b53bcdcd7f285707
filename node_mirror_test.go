package raft

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// rawMirror drives a RawNode the way a Node drives its own: after every
// input it builds a Ready if none is unadvanced and there is work.
type rawMirror struct {
	rn      *RawNode
	s       *MemoryStorage
	pending *Ready
}

func (m *rawMirror) publish() {
	if m.pending == nil && m.rn.HasReady() {
		rd := m.rn.Ready()
		m.pending = &rd
	}
}

// persistAndApply does what the application does with rd for either node.
func persistAndApply(t *testing.T, s *MemoryStorage, rd Ready, apply func(pb.ConfChangeV2)) {
	t.Helper()
	if !IsEmptyHardState(rd.HardState) {
		_ = s.SetHardState(rd.HardState)
	}
	if err := s.Append(rd.Entries); err != nil {
		t.Fatal(err)
	}
	for i := range rd.CommittedEntries {
		if e := &rd.CommittedEntries[i]; e.Type == pb.EntryConfChange || e.Type == pb.EntryConfChangeV2 {
			cc, err := confChangeOf(e)
			if err != nil {
				t.Fatal(err)
			}
			apply(cc)
		}
	}
}

// A Node hands out exactly the Readies that a RawNode produces for the
// same inputs, taken at the same points: Ready is built by the call that
// leaves work behind when none is unadvanced, and by Advance.
func TestNodeReadiesMatchRawNode(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			peers := []Peer{{ID: 1}}
			ns := NewMemoryStorage()
			n := StartNode(newTestConfig(1, ns), peers)
			defer n.Stop()
			ms := NewMemoryStorage()
			rn, err := NewRawNode(newTestConfig(1, ms))
			if err != nil {
				t.Fatal(err)
			}
			if err := rn.Bootstrap(peers); err != nil {
				t.Fatal(err)
			}
			m := &rawMirror{rn: rn, s: ms}
			m.publish()
			ctx := context.Background()
			var readies, committed int
			for step := range 400 {
				switch op := rng.IntN(10); {
				case op < 3 && rn.BasicStatus().Lead != None:
					d := fmt.Appendf(nil, "%d", step)
					nerr, merr := n.Propose(ctx, d), rn.Propose(d)
					if nerr != merr {
						t.Fatalf("step %d: Propose: node %v, RawNode %v", step, nerr, merr)
					}
				case op == 3 && rn.BasicStatus().Lead != None:
					cc := pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 2 + rng.Uint64N(3)}
					if err := n.ProposeConfChange(ctx, cc); err != nil {
						t.Fatal(err)
					}
					_ = rn.ProposeConfChange(cc)
				case op == 4:
					rctx := fmt.Appendf(nil, "r%d", step)
					if err := n.ReadIndex(ctx, rctx); err != nil {
						t.Fatal(err)
					}
					rn.ReadIndex(rctx)
				case op < 7:
					n.Tick()
					rn.Tick()
				default:
					var got Ready
					var ok bool
					select {
					case got, ok = <-n.Ready():
					default:
					}
					if ok != (m.pending != nil) {
						t.Fatalf("step %d: node has a Ready: %v, RawNode: %v", step, ok, m.pending != nil)
					}
					if !ok {
						continue
					}
					if !reflect.DeepEqual(got, *m.pending) {
						t.Fatalf("step %d: node's Ready\n%+v\nRawNode's\n%+v", step, got, *m.pending)
					}
					readies++
					committed += len(got.CommittedEntries)
					persistAndApply(t, ns, got, func(cc pb.ConfChangeV2) { n.ApplyConfChange(cc) })
					persistAndApply(t, ms, *m.pending, func(cc pb.ConfChangeV2) { rn.ApplyConfChange(cc) })
					n.Advance()
					rn.Advance(*m.pending)
					m.pending = nil
				}
				m.publish()
			}
			if readies < 20 || committed < 20 {
				t.Fatalf("only %d Readies with %d committed entries compared", readies, committed)
			}
		})
	}
}
