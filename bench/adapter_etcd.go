package bench

import (
	"context"
	"io"
	"log"
	"sync/atomic"

	raft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/quorum"
	pb "go.etcd.io/raft/v3/raftpb"
)

// The go.etcd.io/raft/v3 v3.6.0 side of the adapter, the same code as
// adapter_tickraft.go over the other library; keep the two in step.

type etcdLib struct{}

func (etcdLib) name() string { return "etcd" }

// etcdStorage counts the Storage calls raft makes; the application's own
// Append, SetHardState and Compact go to the embedded MemoryStorage uncounted.
type etcdStorage struct {
	*raft.MemoryStorage
	calls atomic.Int64
}

func (s *etcdStorage) InitialState() (pb.HardState, pb.ConfState, error) {
	s.calls.Add(1)
	return s.MemoryStorage.InitialState()
}

func (s *etcdStorage) Entries(lo, hi, maxSize uint64) ([]pb.Entry, error) {
	s.calls.Add(1)
	return s.MemoryStorage.Entries(lo, hi, maxSize)
}

func (s *etcdStorage) Term(i uint64) (uint64, error) {
	s.calls.Add(1)
	return s.MemoryStorage.Term(i)
}

func (s *etcdStorage) LastIndex() (uint64, error) {
	s.calls.Add(1)
	return s.MemoryStorage.LastIndex()
}

func (s *etcdStorage) FirstIndex() (uint64, error) {
	s.calls.Add(1)
	return s.MemoryStorage.FirstIndex()
}

func (s *etcdStorage) Snapshot() (pb.Snapshot, error) {
	s.calls.Add(1)
	return s.MemoryStorage.Snapshot()
}

func etcdConfig(id uint64, voters []uint64) (*raft.Config, *etcdStorage) {
	st := &etcdStorage{MemoryStorage: raft.NewMemoryStorage()}
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
		Logger:          etcdLogger,
	}, st
}

// etcdLogger discards; one for every node, as an application shares its
// logger.
var etcdLogger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// etcdReady is the pending Ready and the storage it is persisted to.
type etcdReady struct {
	st *etcdStorage
	rd *raft.Ready // made by the first Ready; Release drops it
}

// take keeps rd as the pending Ready.
func (r *etcdReady) take(rd raft.Ready) {
	if r.rd == nil {
		r.rd = new(raft.Ready)
	}
	*r.rd = rd
}

func (r *etcdReady) Release() { r.rd = nil }

func (r *etcdReady) Persist() error {
	if !raft.IsEmptyHardState(r.rd.HardState) {
		if err := r.st.SetHardState(r.rd.HardState); err != nil {
			return err
		}
	}
	return r.st.Append(r.rd.Entries)
}

func (r *etcdReady) Messages() int          { return len(r.rd.Messages) }
func (r *etcdReady) MessageTo(i int) uint64 { return r.rd.Messages[i].To }
func (r *etcdReady) StorageCalls() int64    { return r.st.calls.Load() }
func (r *etcdReady) Compact(i uint64) error { return r.st.Compact(i) }

func (r *etcdReady) Applied() (int, uint64) {
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

type etcdRawNode struct {
	etcdReady
	rn *raft.RawNode
}

func (etcdLib) newRawNode(id uint64, voters []uint64) (rawNode, error) {
	c, st := etcdConfig(id, voters)
	rn, err := raft.NewRawNode(c)
	if err != nil {
		return nil, err
	}
	return &etcdRawNode{etcdReady: etcdReady{st: st}, rn: rn}, nil
}

func (n *etcdRawNode) Tick()                     { n.rn.Tick() }
func (n *etcdRawNode) Campaign() error           { return n.rn.Campaign() }
func (n *etcdRawNode) Propose(data []byte) error { return n.rn.Propose(data) }
func (n *etcdRawNode) HasReady() bool            { return n.rn.HasReady() }
func (n *etcdRawNode) Ready()                    { n.take(n.rn.Ready()) }
func (n *etcdRawNode) Lead() uint64              { return n.rn.BasicStatus().Lead }

func (n *etcdRawNode) Advance() {
	n.rn.Advance(*n.rd)
	*n.rd = raft.Ready{}
}

func (n *etcdRawNode) Deliver(i int, dst rawNode) error {
	return dst.(*etcdRawNode).rn.Step(n.rd.Messages[i])
}

type etcdGoNode struct {
	etcdReady
	n raft.Node
}

func (etcdLib) startNode(id uint64, voters []uint64) goNode {
	c, st := etcdConfig(id, voters)
	return &etcdGoNode{etcdReady: etcdReady{st: st}, n: raft.RestartNode(c)}
}

func (n *etcdGoNode) Campaign(ctx context.Context) error { return n.n.Campaign(ctx) }
func (n *etcdGoNode) Stop()                              { n.n.Stop() }
func (n *etcdGoNode) Lead() uint64                       { return n.n.Status().Lead }

func (n *etcdGoNode) Propose(ctx context.Context, data []byte) error {
	return n.n.Propose(ctx, data)
}

func (n *etcdGoNode) Next(ctx context.Context) bool {
	select {
	case rd := <-n.n.Ready():
		n.take(rd)
		return true
	case <-ctx.Done():
		return false
	}
}

func (n *etcdGoNode) Advance() {
	n.n.Advance()
	*n.rd = raft.Ready{}
}

func (n *etcdGoNode) Deliver(ctx context.Context, i int, dst goNode) error {
	return dst.(*etcdGoNode).n.Step(ctx, n.rd.Messages[i])
}

// etcdAcked serves acknowledged indexes to quorum.MajorityConfig.
type etcdAcked map[uint64]uint64

func (a etcdAcked) AckedIndex(id uint64) (quorum.Index, bool) {
	i, ok := a[id]
	return quorum.Index(i), ok
}

func (etcdLib) majorityCommitted(acked map[uint64]uint64) func() uint64 {
	c := quorum.MajorityConfig{}
	for id := range acked {
		c[id] = struct{}{}
	}
	a := etcdAcked(acked)
	return func() uint64 { return uint64(c.CommittedIndex(a)) }
}
