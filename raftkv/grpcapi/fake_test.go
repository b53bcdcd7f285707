package grpcapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftkv/watch"
	"github.com/tickraft/raft/raftpb"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// fakeBackend is a single kv store with no raft: each write becomes the
// next log entry, applied at once. It lets the gRPC layer be tested on the
// real state machine without a cluster.
type fakeBackend struct {
	mu      sync.Mutex
	store   *kv.KV
	index   uint64
	members []*pb.Member
	nextID  uint64
	// fail, when set, is returned by every call, to test error mapping.
	fail error
	// hub, when set, serves watches and is told of every write.
	hub *watch.Hub
}

func (f *fakeBackend) WatchHub() *watch.Hub { return f.hub }

const (
	fakeClusterID = 0xc1
	fakeMemberID  = 0x11
	fakeTerm      = 3
)

// testLimits are small so that oversized input is cheap to build.
var testLimits = kv.Limits{MaxKeyBytes: 64, MaxValueBytes: 1024, MaxRequestBytes: 4096, MaxTxnOps: 8}

func newFakeBackend(t *testing.T) *fakeBackend {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "kv.db"), kv.Options{Limits: testLimits, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &fakeBackend{
		store:   store,
		members: []*pb.Member{{ID: fakeMemberID, Name: "one", PeerURLs: []string{"http://127.0.0.1:2380"}}},
		nextID:  0x20,
	}
}

func (f *fakeBackend) propose(cmd *kv.Command) (*pb.ResponseOp, error) {
	res, err := f.apply(cmd)
	return res.Response, err
}

func (f *fakeBackend) apply(cmd *kv.Command) (kv.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return kv.Result{}, f.fail
	}
	data, err := cmd.Encode()
	if err != nil {
		return kv.Result{}, err
	}
	f.index++
	res, err := f.store.Apply([]raftpb.Entry{{Term: fakeTerm, Index: f.index, Type: raftpb.EntryNormal, Data: data}})
	if err != nil {
		return kv.Result{}, err
	}
	if f.hub != nil {
		f.hub.Notify()
	}
	if len(res) != 1 {
		return kv.Result{}, fmt.Errorf("fake backend: %d results for one command", len(res))
	}
	return res[0], res[0].Err
}

func (f *fakeBackend) Compact(_ context.Context, r *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	res, err := f.apply(&kv.Command{Compaction: r})
	return res.Compaction, err
}

func (f *fakeBackend) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail
}

func (f *fakeBackend) Range(_ context.Context, r *pb.RangeRequest) (*pb.RangeResponse, error) {
	if err := f.failure(); err != nil {
		return nil, err
	}
	return f.store.Range(r)
}

func (f *fakeBackend) Put(_ context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	op, err := f.propose(&kv.Command{Put: r})
	if err != nil {
		return nil, err
	}
	return op.GetResponsePut(), nil
}

func (f *fakeBackend) DeleteRange(_ context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	op, err := f.propose(&kv.Command{DeleteRange: r})
	if err != nil {
		return nil, err
	}
	return op.GetResponseDeleteRange(), nil
}

func (f *fakeBackend) Txn(_ context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	op, err := f.propose(&kv.Command{Txn: r})
	if err != nil {
		return nil, err
	}
	return op.GetResponseTxn(), nil
}

func (f *fakeBackend) MemberList(context.Context, *pb.MemberListRequest) (*pb.MemberListResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return &pb.MemberListResponse{Members: append([]*pb.Member(nil), f.members...)}, nil
}

func (f *fakeBackend) MemberAdd(_ context.Context, r *pb.MemberAddRequest) (*pb.MemberAddResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	m := &pb.Member{ID: f.nextID, PeerURLs: r.PeerURLs}
	f.nextID++
	f.members = append(f.members, m)
	return &pb.MemberAddResponse{Member: m, Members: append([]*pb.Member(nil), f.members...)}, nil
}

var errFakeMemberNotFound = errors.New("fake backend: member not found")

func (f *fakeBackend) MemberRemove(_ context.Context, r *pb.MemberRemoveRequest) (*pb.MemberRemoveResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	for i, m := range f.members {
		if m.ID == r.ID {
			f.members = append(f.members[:i:i], f.members[i+1:]...)
			return &pb.MemberRemoveResponse{Members: append([]*pb.Member(nil), f.members...)}, nil
		}
	}
	return nil, errFakeMemberNotFound
}

func (f *fakeBackend) Status(context.Context) (*pb.StatusResponse, error) {
	if err := f.failure(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return &pb.StatusResponse{Version: "raftkv-test", Leader: fakeMemberID, RaftIndex: f.index, RaftTerm: fakeTerm, RaftAppliedIndex: f.index}, nil
}

func (f *fakeBackend) Header() Header {
	return Header{ClusterID: fakeClusterID, MemberID: fakeMemberID, RaftTerm: fakeTerm, Revision: f.store.Revision()}
}

func (f *fakeBackend) DatabaseSnapshot(_ context.Context, start func(size, revision int64) (io.Writer, error)) error {
	if err := f.failure(); err != nil {
		return err
	}
	_, err := f.store.StreamSnapshot(start)
	return err
}
