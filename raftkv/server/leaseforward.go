package server

import (
	"context"
	"errors"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Only the leader keeps lease deadlines, so a keepalive or time-to-live
// that reaches a follower is forwarded to it (forward.go). A receiver that
// cannot forward it, or got it forwarded and no longer leads, answers
// ErrNotPrimary.

// leaderLeaseClient returns a client of the leader's lease service and
// the context to call it with, or why the call cannot be forwarded.
func (s *Server) leaderLeaseClient(ctx context.Context) (pb.LeaseClient, context.Context, error) {
	c, fctx, err := s.leaderConn(ctx)
	switch {
	case errors.Is(err, errForwarded), errors.Is(err, errSelfLeader), errors.Is(err, errNoLeaderAddr):
		return nil, nil, ErrNotPrimary
	case err != nil:
		return nil, nil, err
	}
	return pb.NewLeaseClient(c), fctx, nil
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
