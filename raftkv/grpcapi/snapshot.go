package grpcapi

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// SnapshotBackend is the optional part of a Backend that serves
// Maintenance.Snapshot; without it Snapshot is Unimplemented.
type SnapshotBackend interface {
	// DatabaseSnapshot writes a consistent copy of the database to the
	// writer start returns; start gets its exact size and its revision
	// before any byte is written.
	DatabaseSnapshot(ctx context.Context, start func(size, revision int64) (io.Writer, error)) error
}

// snapshotChunkBytes is the blob size of each message, as in etcd.
const snapshotChunkBytes = 32 << 10

// snapshotStream sends the database as etcd does: a first message with the
// header and the size, then chunks each saying how many bytes remain, then
// the database's sha256 as a last blob. etcdctl appends that digest to the
// saved file and checks it when restoring.
type snapshotStream struct {
	srv       pb.Maintenance_SnapshotServer
	version   string
	remaining int64
	buf       []byte
	sum       hash.Hash
}

func (s *snapshotStream) Write(p []byte) (int, error) {
	n := len(p)
	if int64(n) > s.remaining {
		return 0, fmt.Errorf("raftkv: snapshot is longer than the %d bytes announced", s.remaining)
	}
	for len(p) > 0 {
		k := min(len(p), snapshotChunkBytes-len(s.buf))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
		s.remaining -= int64(k)
		if len(s.buf) == snapshotChunkBytes || s.remaining == 0 {
			if err := s.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// flush sends the buffered chunk; gRPC may still hold the message after
// Send returns, so the next chunk gets a new buffer.
func (s *snapshotStream) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	s.sum.Write(s.buf)
	resp := &pb.SnapshotResponse{RemainingBytes: uint64(s.remaining), Blob: s.buf, Version: s.version}
	s.buf = make([]byte, 0, snapshotChunkBytes)
	return s.srv.Send(resp)
}

func (m maintenanceService) Snapshot(_ *pb.SnapshotRequest, srv pb.Maintenance_SnapshotServer) error {
	b, ok := m.s.backend.(SnapshotBackend)
	if !ok {
		return unsupported("snapshot downloads on this backend")
	}
	ctx := srv.Context()
	st, err := m.s.backend.Status(ctx)
	if err != nil {
		return m.s.toStatus(err)
	}
	out := &snapshotStream{srv: srv, version: st.Version, sum: sha256.New()}
	err = b.DatabaseSnapshot(ctx, func(size, revision int64) (io.Writer, error) {
		out.remaining = size
		out.buf = make([]byte, 0, min(size, snapshotChunkBytes))
		first := &pb.SnapshotResponse{Header: &pb.ResponseHeader{Revision: revision}, RemainingBytes: uint64(size), Version: st.Version}
		m.s.backend.Header().fill(&first.Header)
		return out, srv.Send(first)
	})
	if err != nil {
		return m.s.toStatus(err)
	}
	if out.remaining != 0 {
		return m.s.toStatus(fmt.Errorf("raftkv: snapshot ended %d bytes short of its announced size", out.remaining))
	}
	return srv.Send(&pb.SnapshotResponse{Blob: out.sum.Sum(nil), Version: st.Version})
}
