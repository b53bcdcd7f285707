package raft

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// testNet is a small in-process cluster of RawNodes over MemoryStorage. It
// handles Ready the way an application does (persist, send, apply, Advance)
// or, for async nodes, runs the storage threads' work in order.
type testNet struct {
	t      testing.TB
	nodes  map[uint64]*RawNode
	stores map[uint64]*MemoryStorage
	// counts wraps the storage of each node addNode started: tests read
	// the counts of raft's Storage calls.
	counts  map[uint64]*countingStorage
	applied map[uint64][]pb.Entry // normal entries with data, per node
	// appliedIndex is the last index each node's application applied.
	appliedIndex map[uint64]uint64
	queue        []pb.Message
	// drop, if set, loses the messages it returns true for.
	drop           func(m pb.Message) bool
	snapsDelivered int
	// reorder, if set, permutes each batch of messages before delivery.
	reorder func([]pb.Message)
	// holdStorage keeps async storage work queued instead of running it.
	holdStorage bool
	appendQ     map[uint64][]pb.Message
	applyQ      map[uint64][]pb.Message
	// onReady, if set, sees every Ready as it is taken.
	onReady func(id uint64, rd Ready)
}

func newTestConfig(id uint64, s Storage) *Config {
	return &Config{ID: id, ElectionTick: 10, HeartbeatTick: 1, Storage: s,
		MaxSizePerMsg: noLimit, MaxInflightMsgs: 256, Logger: discardLogger{}}
}

// newTestNet bootstraps nodes with ids 1..n as voters; tweak may adjust
// every config.
func newTestNet(t testing.TB, n int, tweak func(*Config)) *testNet {
	tn := &testNet{t: t, nodes: map[uint64]*RawNode{}, stores: map[uint64]*MemoryStorage{}, counts: map[uint64]*countingStorage{},
		applied: map[uint64][]pb.Entry{}, appliedIndex: map[uint64]uint64{}, appendQ: map[uint64][]pb.Message{}, applyQ: map[uint64][]pb.Message{}}
	var peers []Peer
	for id := uint64(1); id <= uint64(n); id++ {
		peers = append(peers, Peer{ID: id})
	}
	for id := uint64(1); id <= uint64(n); id++ {
		tn.addNode(id, tweak, peers)
	}
	return tn
}

// addNode starts node id; with peers it bootstraps, else it starts empty
// (to be added by a conf change and caught up by the leader).
func (tn *testNet) addNode(id uint64, tweak func(*Config), peers []Peer) *RawNode {
	s := NewMemoryStorage()
	cs := &countingStorage{MemoryStorage: s}
	c := newTestConfig(id, cs)
	if tweak != nil {
		tweak(c)
	}
	rn, err := NewRawNode(c)
	if err != nil {
		tn.t.Fatal(err)
	}
	if peers != nil {
		if err := rn.Bootstrap(peers); err != nil {
			tn.t.Fatal(err)
		}
	}
	tn.nodes[id], tn.stores[id], tn.counts[id] = rn, s, cs
	return rn
}

// persist writes what a Ready or MsgStorageAppend asks for.
func (tn *testNet) persist(id uint64, hs pb.HardState, snap *pb.Snapshot, ents []pb.Entry) {
	s := tn.stores[id]
	if snap != nil && snap.Metadata.Index > 0 {
		if err := s.ApplySnapshot(*snap); err != nil {
			tn.t.Fatalf("node %d: ApplySnapshot: %v", id, err)
		}
		// The state machine becomes the snapshot's.
		var st []pb.Entry
		if len(snap.Data) > 0 {
			if err := json.Unmarshal(snap.Data, &st); err != nil {
				tn.t.Fatal(err)
			}
		}
		tn.applied[id], tn.appliedIndex[id] = st, snap.Metadata.Index
	}
	if len(ents) > 0 {
		if err := s.Append(ents); err != nil {
			tn.t.Fatalf("node %d: Append: %v", id, err)
		}
	}
	if !IsEmptyHardState(hs) {
		if err := s.SetHardState(hs); err != nil {
			tn.t.Fatal(err)
		}
	}
}

func (tn *testNet) apply(id uint64, ents []pb.Entry) {
	rn := tn.nodes[id]
	for _, e := range ents {
		tn.appliedIndex[id] = e.Index
		switch e.Type {
		case pb.EntryConfChange, pb.EntryConfChangeV2:
			cc, err := confChangeOf(&e)
			if err != nil {
				tn.t.Fatal(err)
			}
			rn.ApplyConfChange(cc)
		default:
			if len(e.Data) > 0 {
				tn.applied[id] = append(tn.applied[id], e)
			}
		}
	}
}

// handleReady processes one Ready of node id; it reports whether there was
// one.
func (tn *testNet) handleReady(id uint64) bool {
	rn := tn.nodes[id]
	if !rn.HasReady() {
		return false
	}
	rd := rn.Ready()
	if tn.onReady != nil {
		tn.onReady(id, rd)
	}
	if rn.asyncStorageWrites {
		for _, m := range rd.Messages {
			switch m.To {
			case LocalAppendThread:
				tn.appendQ[id] = append(tn.appendQ[id], m)
			case LocalApplyThread:
				tn.applyQ[id] = append(tn.applyQ[id], m)
			default:
				tn.queue = append(tn.queue, m)
			}
		}
		return true
	}
	var snap *pb.Snapshot
	if rd.Snapshot.Metadata.Index > 0 {
		snap = &rd.Snapshot
	}
	tn.persist(id, rd.HardState, snap, rd.Entries)
	tn.route(rd.Messages)
	tn.apply(id, rd.CommittedEntries)
	rn.Advance(rd)
	return true
}

// runStorage runs the queued async storage work of node id.
func (tn *testNet) runStorage(id uint64) bool {
	did := false
	for _, m := range tn.appendQ[id] {
		tn.persist(id, pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}, m.Snapshot, m.Entries)
		tn.route(m.Responses)
		did = true
	}
	tn.appendQ[id] = nil
	for _, m := range tn.applyQ[id] {
		tn.apply(id, m.Entries)
		tn.route(m.Responses)
		did = true
	}
	tn.applyQ[id] = nil
	return did
}

// route queues ms for delivery.
//
// Messages from a node with ReuseReadyBuffers are valid only until its next
// Advance, entries included, and queued ones are delivered after it: their
// entries are copied, as a transport that encodes them before Advance does.
func (tn *testNet) route(ms []pb.Message) {
	for _, m := range ms {
		if from := tn.nodes[m.From]; from != nil && from.bufs != nil && len(m.Entries) > 0 {
			m.Entries = slices.Clone(m.Entries)
		}
		tn.queue = append(tn.queue, m)
	}
}

// deliver sends every queued message once; it reports whether any was
// queued.
func (tn *testNet) deliver() bool {
	q := tn.queue
	tn.queue = nil
	if tn.reorder != nil {
		tn.reorder(q)
	}
	for _, m := range q {
		// Storage threads' answers are local and reliable.
		if tn.drop != nil && !IsLocalMsgTarget(m.From) && tn.drop(m) {
			if m.Type == pb.MsgSnap && tn.nodes[m.From] != nil {
				tn.nodes[m.From].ReportSnapshot(m.To, SnapshotFailure)
			}
			continue
		}
		rn := tn.nodes[m.To]
		if rn == nil {
			continue
		}
		if m.Type == pb.MsgSnap && tn.nodes[m.From] != nil {
			tn.snapsDelivered++
			// The transport reports a snapshot it delivered.
			defer tn.nodes[m.From].ReportSnapshot(m.To, SnapshotFinish)
		}
		if err := rn.Step(m); err != nil && err != ErrProposalDropped && err != ErrStepPeerNotFound {
			tn.t.Fatalf("node %d: Step(%v): %v", m.To, m.Type, err)
		}
	}
	return len(q) > 0
}

// settle runs the cluster until nothing is left to do.
func (tn *testNet) settle() {
	for i := 0; ; i++ {
		if i > 10000 {
			tn.t.Fatalf("the cluster did not settle; queued: %v", tn.queue)
		}
		busy := false
		for _, id := range tn.ids() {
			for tn.handleReady(id) {
				busy = true
			}
			if !tn.holdStorage && tn.runStorage(id) {
				busy = true
			}
		}
		if tn.deliver() {
			busy = true
		}
		if !busy {
			return
		}
	}
}

func (tn *testNet) ids() []uint64 {
	var ids []uint64
	for id := uint64(1); id <= uint64(len(tn.nodes))+8; id++ {
		if tn.nodes[id] != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// elect makes id campaign and settles.
func (tn *testNet) elect(id uint64) {
	tn.t.Helper()
	tn.settle() // apply pending conf changes first: they block campaigns
	if err := tn.nodes[id].Campaign(); err != nil {
		tn.t.Fatal(err)
	}
	tn.settle()
	if st := tn.nodes[id].raft.state; st != StateLeader {
		tn.t.Fatalf("node %d is %v after campaigning, want leader", id, st)
	}
}

func (tn *testNet) propose(id uint64, data string) {
	tn.t.Helper()
	if err := tn.nodes[id].Propose([]byte(data)); err != nil {
		tn.t.Fatalf("node %d: Propose(%q): %v", id, data, err)
	}
	tn.settle()
}

// appliedData returns the data of the normal entries node id applied.
func (tn *testNet) appliedData(id uint64) string {
	var out []string
	for _, e := range tn.applied[id] {
		out = append(out, string(e.Data))
	}
	return fmt.Sprint(out)
}

func (tn *testNet) tickAll(n int) {
	for i := 0; i < n; i++ {
		for _, id := range tn.ids() {
			tn.nodes[id].Tick()
		}
		tn.settle()
	}
}

// compact snapshots node id's state machine at its applied index and
// compacts its log there, so that lagging peers need a snapshot.
func (tn *testNet) compact(id uint64) {
	s := tn.stores[id]
	applied := tn.appliedIndex[id]
	snap, _ := s.Snapshot()
	if applied <= snap.Metadata.Index {
		return
	}
	cs := tn.nodes[id].raft.confState()
	if _, err := s.CreateSnapshot(applied, &cs, tn.stateMachineData(id)); err != nil {
		tn.t.Fatal(err)
	}
	if err := s.Compact(applied); err != nil {
		tn.t.Fatal(err)
	}
}

// stateMachineData encodes node id's state machine for a snapshot.
func (tn *testNet) stateMachineData(id uint64) []byte {
	data, err := json.Marshal(tn.applied[id])
	if err != nil {
		tn.t.Fatal(err)
	}
	return data
}
