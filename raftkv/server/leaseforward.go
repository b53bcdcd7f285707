package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Only the leader keeps lease deadlines, so a keepalive or time-to-live
// that reaches a follower is forwarded to the leader's client API, at the
// address the leader published in the member table (publish.go). A
// forwarded call is marked so that its receiver, should it no longer lead,
// answers ErrNotPrimary instead of forwarding it again.

// forwardedKey is the gRPC metadata key marking a forwarded lease call.
const forwardedKey = "raftkv-forwarded"

// errForwardClosed: the member is stopping.
var errForwardClosed = errors.New("server: stopped, not forwarding lease calls")

// leaseForwarder keeps one client connection per leader address.
type leaseForwarder struct {
	mu     sync.Mutex
	conns  map[string]*grpc.ClientConn
	closed bool
}

func (f *leaseForwarder) client(addr string) (pb.LeaseClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errForwardClosed
	}
	if c := f.conns[addr]; c != nil {
		return pb.NewLeaseClient(c), nil
	}
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("server: connecting to the leader's client address %s: %w", addr, err)
	}
	if f.conns == nil {
		f.conns = make(map[string]*grpc.ClientConn)
	}
	f.conns[addr] = c
	return pb.NewLeaseClient(c), nil
}

func (f *leaseForwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}

// leaderLeaseClient returns a client of the leader's lease service and
// the context to call it with, or why the call cannot be forwarded.
func (s *Server) leaderLeaseClient(ctx context.Context) (pb.LeaseClient, context.Context, error) {
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get(forwardedKey)) > 0 {
		return nil, nil, ErrNotPrimary
	}
	lead := s.status.Load().Leader
	if lead == 0 {
		return nil, nil, &NotLeaderError{}
	}
	addr := s.members.get(lead).Client
	if lead == s.cfg.ID || addr == "" {
		return nil, nil, ErrNotPrimary
	}
	c, err := s.fwd.client(addr)
	if err != nil {
		return nil, nil, err
	}
	return c, metadata.AppendToOutgoingContext(ctx, forwardedKey, "1"), nil
}

// forwardRenew sends one keepalive to the leader and returns the TTL it
// answered; a TTL of 0 or less means the leader does not know the lease.
func (s *Server) forwardRenew(ctx context.Context, id int64) (int64, error) {
	c, fctx, err := s.leaderLeaseClient(ctx)
	if err != nil {
		return 0, err
	}
	fctx, cancel := s.withTimeout(fctx)
	defer cancel() // ends the stream
	stream, err := c.LeaseKeepAlive(fctx)
	if err != nil {
		return 0, err
	}
	if err := stream.Send(&pb.LeaseKeepAliveRequest{ID: id}); err != nil {
		return 0, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return 0, err
	}
	if resp.TTL <= 0 {
		return 0, kv.ErrLeaseNotFound
	}
	return resp.TTL, nil
}

// forwardTimeToLive asks the leader for a lease's remaining time.
func (s *Server) forwardTimeToLive(ctx context.Context, r *pb.LeaseTimeToLiveRequest) (*pb.LeaseTimeToLiveResponse, error) {
	c, fctx, err := s.leaderLeaseClient(ctx)
	if err != nil {
		return nil, err
	}
	fctx, cancel := s.withTimeout(fctx)
	defer cancel()
	resp, err := c.LeaseTimeToLive(fctx, r)
	if err != nil {
		return nil, err
	}
	if resp.TTL < 0 {
		return nil, kv.ErrLeaseNotFound
	}
	return resp, nil
}
