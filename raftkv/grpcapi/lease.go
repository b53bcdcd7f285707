package grpcapi

import (
	"context"
	"errors"
	"io"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// LeaseBackend is the optional part of a Backend that serves leases; a
// Backend without it answers lease calls with Unimplemented.
type LeaseBackend interface {
	LeaseGrant(ctx context.Context, r *pb.LeaseGrantRequest) (*pb.LeaseGrantResponse, error)
	LeaseRevoke(ctx context.Context, r *pb.LeaseRevokeRequest) (*pb.LeaseRevokeResponse, error)
	// LeaseRenew is one keepalive: it restarts the lease's TTL and returns
	// it in seconds.
	LeaseRenew(ctx context.Context, id int64) (int64, error)
	LeaseTimeToLive(ctx context.Context, r *pb.LeaseTimeToLiveRequest) (*pb.LeaseTimeToLiveResponse, error)
	LeaseLeases(ctx context.Context, r *pb.LeaseLeasesRequest) (*pb.LeaseLeasesResponse, error)
}

type leaseService struct{ s *Server }

var _ pb.LeaseServer = leaseService{}

var errNoLeases = unsupported("leases")

func (l leaseService) backend() (LeaseBackend, error) {
	if b, ok := l.s.backend.(LeaseBackend); ok {
		return b, nil
	}
	return nil, errNoLeases
}

func (l leaseService) LeaseGrant(ctx context.Context, r *pb.LeaseGrantRequest) (*pb.LeaseGrantResponse, error) {
	b, err := l.backend()
	if err != nil {
		return nil, err
	}
	resp, err := b.LeaseGrant(ctx, r)
	if err != nil {
		return nil, l.s.toStatus(err)
	}
	l.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (l leaseService) LeaseRevoke(ctx context.Context, r *pb.LeaseRevokeRequest) (*pb.LeaseRevokeResponse, error) {
	b, err := l.backend()
	if err != nil {
		return nil, err
	}
	resp, err := b.LeaseRevoke(ctx, r)
	if err != nil {
		return nil, l.s.toStatus(err)
	}
	l.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

// LeaseKeepAlive answers each request on the stream with the lease's
// restarted TTL, or TTL 0 for an unknown lease (as etcd, whose client then
// reports the lease gone). Other failures end the stream with their
// status; etcd's client opens a new stream and goes on.
func (l leaseService) LeaseKeepAlive(stream pb.Lease_LeaseKeepAliveServer) error {
	b, err := l.backend()
	if err != nil {
		return err
	}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		ttl, err := b.LeaseRenew(stream.Context(), req.ID)
		if err != nil && !errors.Is(err, kv.ErrLeaseNotFound) {
			return l.s.toStatus(err)
		}
		resp := &pb.LeaseKeepAliveResponse{ID: req.ID, TTL: ttl}
		l.s.backend.Header().fill(&resp.Header)
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

// LeaseTimeToLive answers TTL -1 for an unknown lease, as etcd does.
func (l leaseService) LeaseTimeToLive(ctx context.Context, r *pb.LeaseTimeToLiveRequest) (*pb.LeaseTimeToLiveResponse, error) {
	b, err := l.backend()
	if err != nil {
		return nil, err
	}
	resp, err := b.LeaseTimeToLive(ctx, r)
	if errors.Is(err, kv.ErrLeaseNotFound) {
		resp, err = &pb.LeaseTimeToLiveResponse{ID: r.ID, TTL: -1}, nil
	}
	if err != nil {
		return nil, l.s.toStatus(err)
	}
	l.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (l leaseService) LeaseLeases(ctx context.Context, r *pb.LeaseLeasesRequest) (*pb.LeaseLeasesResponse, error) {
	b, err := l.backend()
	if err != nil {
		return nil, err
	}
	resp, err := b.LeaseLeases(ctx, r)
	if err != nil {
		return nil, l.s.toStatus(err)
	}
	l.s.backend.Header().fill(&resp.Header)
	return resp, nil
}
