package grpcapi

import (
	"context"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// maintenanceService is etcd's Maintenance service; Status and Snapshot
// (snapshot.go) are served.
type maintenanceService struct{ s *Server }

var _ pb.MaintenanceServer = maintenanceService{}

func (m maintenanceService) Status(ctx context.Context, _ *pb.StatusRequest) (*pb.StatusResponse, error) {
	resp, err := m.s.backend.Status(ctx)
	if err != nil {
		return nil, m.s.toStatus(err)
	}
	m.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (maintenanceService) Alarm(context.Context, *pb.AlarmRequest) (*pb.AlarmResponse, error) {
	return nil, unsupported("alarms")
}

func (maintenanceService) Defragment(context.Context, *pb.DefragmentRequest) (*pb.DefragmentResponse, error) {
	return nil, unsupported("defragmentation")
}

func (maintenanceService) Hash(context.Context, *pb.HashRequest) (*pb.HashResponse, error) {
	return nil, unsupported("the Hash maintenance call")
}

func (maintenanceService) HashKV(context.Context, *pb.HashKVRequest) (*pb.HashKVResponse, error) {
	return nil, unsupported("the HashKV maintenance call")
}

func (maintenanceService) MoveLeader(context.Context, *pb.MoveLeaderRequest) (*pb.MoveLeaderResponse, error) {
	return nil, unsupported("leader transfer requests")
}

func (maintenanceService) Downgrade(context.Context, *pb.DowngradeRequest) (*pb.DowngradeResponse, error) {
	return nil, unsupported("cluster downgrades")
}
