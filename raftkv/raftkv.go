package raftkv

import (
	"context"

	"github.com/tickraft/raft/raftkv/server"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Config configures an embedded member; it is the server's Config.
type Config = server.Config

// Member is a raftkv member running inside the caller's process.
type Member struct {
	s *server.Server
}

// Open starts a member (see server.Config for bootstrapping, joining and
// restarting) and returns once its loop runs; it may not have a leader yet.
func Open(cfg Config) (*Member, error) {
	s, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Member{s: s}, nil
}

// Server returns the underlying server, for the full etcd-style API.
func (m *Member) Server() *server.Server { return m.s }

// Put stores value at key and returns the revision of the write.
func (m *Member) Put(ctx context.Context, key, value []byte) (int64, error) {
	resp, err := m.s.Put(ctx, &pb.PutRequest{Key: key, Value: value})
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

// Get reads key linearizably; found is false if it does not exist.
func (m *Member) Get(ctx context.Context, key []byte) (value []byte, found bool, err error) {
	resp, err := m.s.Range(ctx, &pb.RangeRequest{Key: key})
	if err != nil || len(resp.Kvs) == 0 {
		return nil, false, err
	}
	return resp.Kvs[0].Value, true, nil
}

// Delete deletes key and reports whether it existed.
func (m *Member) Delete(ctx context.Context, key []byte) (bool, error) {
	resp, err := m.s.DeleteRange(ctx, &pb.DeleteRangeRequest{Key: key})
	if err != nil {
		return false, err
	}
	return resp.Deleted > 0, nil
}

// Txn runs an etcd transaction.
func (m *Member) Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	return m.s.Txn(ctx, r)
}

// Close stops the member (see server.Server.Stop).
func (m *Member) Close() error { return m.s.Stop() }
