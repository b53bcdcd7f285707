package grpcapi

import (
	"context"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// clusterService is etcd's Cluster service: listing, adding and removing
// members. Learners are not offered yet.
type clusterService struct{ s *Server }

var _ pb.ClusterServer = clusterService{}

func (c clusterService) MemberList(ctx context.Context, r *pb.MemberListRequest) (*pb.MemberListResponse, error) {
	resp, err := c.s.backend.MemberList(ctx, r)
	if err != nil {
		return nil, c.s.toStatus(err)
	}
	c.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (c clusterService) MemberAdd(ctx context.Context, r *pb.MemberAddRequest) (*pb.MemberAddResponse, error) {
	if r.IsLearner {
		return nil, unsupported("learner members")
	}
	resp, err := c.s.backend.MemberAdd(ctx, r)
	if err != nil {
		return nil, c.s.toStatus(err)
	}
	c.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (c clusterService) MemberRemove(ctx context.Context, r *pb.MemberRemoveRequest) (*pb.MemberRemoveResponse, error) {
	resp, err := c.s.backend.MemberRemove(ctx, r)
	if err != nil {
		return nil, c.s.toStatus(err)
	}
	c.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (clusterService) MemberUpdate(context.Context, *pb.MemberUpdateRequest) (*pb.MemberUpdateResponse, error) {
	return nil, unsupported("updating a member's peer URLs: remove the member and add it again")
}

func (clusterService) MemberPromote(context.Context, *pb.MemberPromoteRequest) (*pb.MemberPromoteResponse, error) {
	return nil, unsupported("learner promotion: learner members are not offered")
}
