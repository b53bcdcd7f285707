package grpcapi

import (
	"context"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// kvService is etcd's KV service.
type kvService struct{ s *Server }

var _ pb.KVServer = kvService{}

func (k kvService) Range(ctx context.Context, r *pb.RangeRequest) (*pb.RangeResponse, error) {
	resp, err := k.s.backend.Range(ctx, r)
	if err != nil {
		return nil, k.s.toStatus(err)
	}
	k.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (k kvService) Put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	resp, err := k.s.backend.Put(ctx, r)
	if err != nil {
		return nil, k.s.toStatus(err)
	}
	k.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (k kvService) DeleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	resp, err := k.s.backend.DeleteRange(ctx, r)
	if err != nil {
		return nil, k.s.toStatus(err)
	}
	k.s.backend.Header().fill(&resp.Header)
	return resp, nil
}

func (k kvService) Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	if err := checkTxnKeys(r); err != nil {
		return nil, err
	}
	resp, err := k.s.backend.Txn(ctx, r)
	if err != nil {
		return nil, k.s.toStatus(err)
	}
	hdr := k.s.backend.Header()
	hdr.fill(&resp.Header)
	fillOps(hdr, resp.Header.Revision, resp.Responses)
	return resp, nil
}

// fillOps gives each response inside a txn the txn's header, as etcd does.
func fillOps(hdr Header, rev int64, ops []*pb.ResponseOp) {
	hdr.Revision = rev
	for _, op := range ops {
		switch r := op.GetResponse().(type) {
		case *pb.ResponseOp_ResponseRange:
			hdr.fill(&r.ResponseRange.Header)
		case *pb.ResponseOp_ResponsePut:
			hdr.fill(&r.ResponsePut.Header)
		case *pb.ResponseOp_ResponseDeleteRange:
			hdr.fill(&r.ResponseDeleteRange.Header)
		case *pb.ResponseOp_ResponseTxn:
			hdr.fill(&r.ResponseTxn.Header)
			fillOps(hdr, rev, r.ResponseTxn.Responses)
		}
	}
}

// CompactBackend is the optional part of a Backend that serves
// KV.Compact; without it Compact is Unimplemented.
type CompactBackend interface {
	Compact(ctx context.Context, r *pb.CompactionRequest) (*pb.CompactionResponse, error)
}

func (k kvService) Compact(ctx context.Context, r *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	b, ok := k.s.backend.(CompactBackend)
	if !ok {
		return nil, unsupported("compaction requests on this backend")
	}
	resp, err := b.Compact(ctx, r)
	if err != nil {
		return nil, k.s.toStatus(err)
	}
	k.s.backend.Header().fill(&resp.Header)
	return resp, nil
}
