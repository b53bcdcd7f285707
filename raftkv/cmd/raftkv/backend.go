package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickraft/raft/raftkv/grpcapi"
	"github.com/tickraft/raft/raftkv/metrics"
	"github.com/tickraft/raft/raftkv/server"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// apiVersion is the etcd API version raftkv reports in Maintenance.Status;
// clients gate features on it.
const apiVersion = "3.6.0"

// watchInterval is how often the backend samples the member's status for
// the leader metrics and for removal.
const watchInterval = 50 * time.Millisecond

// backend serves grpcapi.Backend on a *server.Server. The server has the
// KV and member calls already; backend adds Status and Header in etcd's
// terms, times client writes for the metrics, and watches the member's
// status for leader changes and removal, which the server does not report
// through metrics.Hooks itself.
type backend struct {
	*server.Server
	hooks metrics.Hooks
	// term is the raft term last seen by watch, for Header: the server's
	// Status stats a file, too slow for every request. KV responses carry
	// the server's own exact term already.
	term atomic.Uint64

	failed    chan struct{} // closed when the member is removed
	quit      chan struct{}
	closeOnce sync.Once
	watching  sync.WaitGroup
}

var _ grpcapi.Backend = (*backend)(nil)

func newBackend(s *server.Server, hooks metrics.Hooks) *backend {
	if hooks == nil {
		hooks = metrics.Nop{}
	}
	b := &backend{Server: s, hooks: hooks, failed: make(chan struct{}), quit: make(chan struct{})}
	b.watching.Add(1)
	go b.watch()
	return b
}

// close stops the status watcher; it does not stop the server.
func (b *backend) close() {
	b.closeOnce.Do(func() { close(b.quit) })
	b.watching.Wait()
}

// watch reports leader changes to the hooks and closes failed once the
// member learns it was removed from the cluster.
func (b *backend) watch() {
	defer b.watching.Done()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	var lead uint64
	first := true
	for {
		st := b.Server.Status()
		b.term.Store(st.Term)
		if first || st.Leader != lead {
			lead, first = st.Leader, false
			b.hooks.LeaderChanged(lead, lead == st.ID)
		}
		if st.Removed {
			close(b.failed)
			return
		}
		select {
		case <-t.C:
		case <-b.quit:
			return
		}
	}
}

// Status answers Maintenance.Status from the member's own view.
func (b *backend) Status(context.Context) (*pb.StatusResponse, error) {
	st := b.Server.Status()
	return &pb.StatusResponse{
		Version:          apiVersion,
		DbSize:           st.DBSize,
		DbSizeInUse:      st.DBSize,
		Leader:           st.Leader,
		RaftIndex:        st.Commit,
		RaftTerm:         st.Term,
		RaftAppliedIndex: st.Applied,
		IsLearner:        isLearner(st),
	}, nil
}

func isLearner(st server.Status) bool {
	for _, id := range st.Learners {
		if id == st.ID {
			return true
		}
	}
	return false
}

// Header gives the identity and raft term for response headers.
func (b *backend) Header() grpcapi.Header {
	return grpcapi.Header{
		ClusterID: b.ClusterID(),
		MemberID:  b.ID(),
		RaftTerm:  b.term.Load(),
		Revision:  b.KV().Revision(),
	}
}

// Put, DeleteRange and Txn go through raft; each is timed for the
// proposal metrics.
func (b *backend) Put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	start := time.Now()
	resp, err := b.Server.Put(ctx, r)
	b.hooks.ProposalDone(time.Since(start), err)
	return resp, err
}

func (b *backend) DeleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	start := time.Now()
	resp, err := b.Server.DeleteRange(ctx, r)
	b.hooks.ProposalDone(time.Since(start), err)
	return resp, err
}

func (b *backend) Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	start := time.Now()
	resp, err := b.Server.Txn(ctx, r)
	b.hooks.ProposalDone(time.Since(start), err)
	return resp, err
}
