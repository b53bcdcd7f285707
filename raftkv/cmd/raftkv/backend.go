package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickraft/raft/raftkv/grpcapi"
	"github.com/tickraft/raft/raftkv/server"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// apiVersion is the etcd API version raftkv reports in Maintenance.Status;
// clients gate features on it.
const apiVersion = "3.6.0"

// watchInterval is how often the backend samples the member's status for
// the raft term and for removal.
const watchInterval = 50 * time.Millisecond

// backend serves grpcapi.Backend on a *server.Server. The server has the
// KV and member calls already (and reports its own metrics through
// server.Config.Metrics); backend adds Status and Header in etcd's terms
// and watches the member's status for removal.
type backend struct {
	*server.Server
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

func newBackend(s *server.Server) *backend {
	b := &backend{Server: s, failed: make(chan struct{}), quit: make(chan struct{})}
	b.watching.Add(1)
	go b.watch()
	return b
}

// close stops the status watcher; it does not stop the server.
func (b *backend) close() {
	b.closeOnce.Do(func() { close(b.quit) })
	b.watching.Wait()
}

// watch keeps term current and closes failed once the member learns it
// was removed from the cluster.
func (b *backend) watch() {
	defer b.watching.Done()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		st := b.Server.Status()
		b.term.Store(st.Term)
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

// Status answers Maintenance.Status from the member's own view, once what
// it has applied is visible, so the revision includes every answered write.
func (b *backend) Status(ctx context.Context) (*pb.StatusResponse, error) {
	if err := b.Server.WaitVisible(ctx); err != nil {
		return nil, err
	}
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
