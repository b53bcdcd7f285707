package grpcapi

import (
	"context"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Backend is what the gRPC layer needs from a raftkv node. Writes go through
// raft; Range is linearizable unless the request is Serializable.
// Responses may leave their Header nil or partly filled: the gRPC layer
// fills the cluster id, member id and raft term from Header, and the
// revision too if the backend left it zero.
type Backend interface {
	Range(ctx context.Context, r *pb.RangeRequest) (*pb.RangeResponse, error)
	Put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error)
	DeleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error)
	Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error)

	MemberList(ctx context.Context, r *pb.MemberListRequest) (*pb.MemberListResponse, error)
	MemberAdd(ctx context.Context, r *pb.MemberAddRequest) (*pb.MemberAddResponse, error)
	MemberRemove(ctx context.Context, r *pb.MemberRemoveRequest) (*pb.MemberRemoveResponse, error)

	// Status answers Maintenance.Status.
	Status(ctx context.Context) (*pb.StatusResponse, error)
	// Header reports the node's identity and view of raft for response
	// headers. It must be cheap: it runs on every request.
	Header() Header
}

// Header is what every response header carries besides the revision.
type Header struct {
	ClusterID uint64
	MemberID  uint64
	RaftTerm  uint64
	// Revision is the store's current revision, used when a response
	// comes back without one.
	Revision int64
}

// fill completes h from the backend's header, keeping what is already set.
func (hdr Header) fill(h **pb.ResponseHeader) {
	if *h == nil {
		*h = &pb.ResponseHeader{}
	}
	out := *h
	out.ClusterId = hdr.ClusterID
	out.MemberId = hdr.MemberID
	if out.RaftTerm == 0 {
		out.RaftTerm = hdr.RaftTerm
	}
	if out.Revision == 0 {
		out.Revision = hdr.Revision
	}
}
