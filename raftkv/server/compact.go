package server

import (
	"context"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Compact drops the history before r.Revision on every member, through
// raft (kv's compaction rules). With Physical it also waits until this
// member's compaction is committed to bbolt, not only staged.
func (s *Server) Compact(ctx context.Context, r *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	res, err := s.writeCommand(ctx, &kv.Command{Compaction: &pb.CompactionRequest{Revision: r.Revision}})
	if err != nil {
		return nil, err
	}
	if r.Physical {
		if err := s.WaitVisible(ctx); err != nil {
			return nil, err
		}
	}
	resp := res.Compaction
	s.fillHeader(&resp.Header)
	return resp, nil
}
