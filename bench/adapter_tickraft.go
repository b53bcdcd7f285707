package bench

import (
	"context"
	"io"
	"log"
	"sync/atomic"

	raft "github.com/tickraft/raft"
	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// The tickraft side of the adapter. adapter_etcd.go is the same code over
// go.etcd.io/raft/v3; keep the two in step so the comparison stays fair.

type tickLib struct {
	reuseReadyBuffers bool // sets Config.ReuseReadyBuffers
}

func (tickLib) name() string { return "tickraft" }

// tickStorage counts the Storage calls raft makes; the application's own
// Append, SetHardState and Compact go to the embedded MemoryStorage uncounted.
type tickStorage struct {
	*raft.MemoryStorage
	calls atomic.Int64
}

func (s *tickStorage) InitialState() (pb.HardState, pb.ConfState, error) {
	s.calls.Add(1)
	return s.MemoryStorage.InitialState()
}

func (s *tickStorage) Entries(lo, hi, maxSize uint64) ([]pb.Entry, error) {
	s.calls.Add(1)
	return s.MemoryStorage.Entries(lo, hi, maxSize)
}

func (s *tickStorage) Term(i uint64) (uint64, error) {
	s.calls.Add(1)
	return s.MemoryStorage.Term(i)
}

func (s *tickStorage) LastIndex() (uint64, error) {
	s.calls.Add(1)
	return s.MemoryStorage.LastIndex()
}

func (s *tickStorage) FirstIndex() (uint64, error) {
	s.calls.Add(1)
	return s.MemoryStorage.FirstIndex()
}

func (s *tickStorage) Snapshot() (pb.Snapshot, error) {
	s.calls.Add(1)
	return s.MemoryStorage.Snapshot()
}

func (l tickLib) config(id uint64, voters []uint64) (*raft.Config, *tickStorage) {
	st := &tickStorage{MemoryStorage: raft.NewMemoryStorage()}
	snap := pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: 1, ConfState: pb.ConfState{Voters: voters}}}
	if err := st.ApplySnapshot(snap); err != nil {
		panic(err) // a fresh MemoryStorage accepts any snapshot
	}
	// Persisted alongside the snapshot, as an application would.
	if err := st.SetHardState(pb.HardState{Term: 1, Commit: 1}); err != nil {
		panic(err)
	}
	return &raft.Config{
		ID:              id,
		ElectionTick:    electionTick,
		HeartbeatTick:   heartbeatTick,
		Storage:         st,
		MaxSizePerMsg:   maxSizePerMsg,
		MaxInflightMsgs: maxInflightMsgs,
		Logger:          tickLogger,

		ReuseReadyBuffers: l.reuseReadyBuffers,
	}, st
}

// tickLogger discards; one for every node, as an application shares its
// logger.
var tickLogger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// tickReady is the pending Ready and the storage it is persisted to.
type tickReady struct {
	st *tickStorage
	rd *raft.Ready // made by the first Ready; Release drops it
}

// take keeps rd as the pending Ready.
func (r *tickReady) take(rd raft.Ready) {
	if r.rd == nil {
		r.rd = new(raft.Ready)
	}
	*r.rd = rd
}

func (r *tickReady) Release() { r.rd = nil }

func (r *tickReady) Persist() error {
	if !raft.IsEmptyHardState(r.rd.HardState) {
		if err := r.st.SetHardState(r.rd.HardState); err != nil {
			return err
		}
	}
	return r.st.Append(r.rd.Entries)
}

func (r *tickReady) Messages() int          { return len(r.rd.Messages) }
func (r *tickReady) MessageTo(i int) uint64 { return r.rd.Messages[i].To }
func (r *tickReady) StorageCalls() int64    { return r.st.calls.Load() }
func (r *tickReady) Compact(i uint64) error { return r.st.Compact(i) }

func (r *tickReady) Applied() (int, uint64) {
	n, last := 0, uint64(0)
	for i := range r.rd.CommittedEntries {
		e := &r.rd.CommittedEntries[i]
		if e.Type == pb.EntryNormal && len(e.Data) > 0 {
			n++
		}
		last = e.Index
	}
	return n, last
}

type tickRawNode struct {
	tickReady
	rn *raft.RawNode
}

func (l tickLib) newRawNode(id uint64, voters []uint64) (rawNode, error) {
	c, st := l.config(id, voters)
	rn, err := raft.NewRawNode(c)
	if err != nil {
		return nil, err
	}
	return &tickRawNode{tickReady: tickReady{st: st}, rn: rn}, nil
}

func (n *tickRawNode) Tick()                     { n.rn.Tick() }
func (n *tickRawNode) Campaign() error           { return n.rn.Campaign() }
func (n *tickRawNode) Propose(data []byte) error { return n.rn.Propose(data) }
func (n *tickRawNode) HasReady() bool            { return n.rn.HasReady() }
func (n *tickRawNode) Ready()                    { n.take(n.rn.Ready()) }
func (n *tickRawNode) Lead() uint64              { return n.rn.BasicStatus().Lead }

func (n *tickRawNode) Advance() {
	n.rn.Advance(*n.rd)
	*n.rd = raft.Ready{}
}

func (n *tickRawNode) Deliver(i int, dst rawNode) error {
	return dst.(*tickRawNode).rn.Step(n.rd.Messages[i])
}

type tickGoNode struct {
	tickReady
	n raft.Node
}

func (l tickLib) startNode(id uint64, voters []uint64) goNode {
	c, st := l.config(id, voters)
	return &tickGoNode{tickReady: tickReady{st: st}, n: raft.RestartNode(c)}
}

func (n *tickGoNode) Campaign(ctx context.Context) error { return n.n.Campaign(ctx) }
func (n *tickGoNode) Stop()                              { n.n.Stop() }
func (n *tickGoNode) Lead() uint64                       { return n.n.Status().Lead }

func (n *tickGoNode) Propose(ctx context.Context, data []byte) error {
	return n.n.Propose(ctx, data)
}

func (n *tickGoNode) Next(ctx context.Context) bool {
	select {
	case rd := <-n.n.Ready():
		n.take(rd)
		return true
	case <-ctx.Done():
		return false
	}
}

func (n *tickGoNode) Advance() {
	n.n.Advance()
	*n.rd = raft.Ready{}
}

func (n *tickGoNode) Deliver(ctx context.Context, i int, dst goNode) error {
	// No copy even with ReuseReadyBuffers: Node.Step has stepped m when it
	// returns, before this node's Advance may reuse the entries' array.
	return dst.(*tickGoNode).n.Step(ctx, n.rd.Messages[i])
}

// tickAcked serves acknowledged indexes to quorum.MajorityConfig.
type tickAcked map[uint64]uint64

func (a tickAcked) AckedIndex(id uint64) (quorum.Index, bool) {
	i, ok := a[id]
	return quorum.Index(i), ok
}

func (tickLib) majorityCommitted(acked map[uint64]uint64) func() uint64 {
	c := quorum.MajorityConfig{}
	for id := range acked {
		c[id] = struct{}{}
	}
	a := tickAcked(acked)
	return func() uint64 { return uint64(c.CommittedIndex(a)) }
}
