package server

import (
	"context"
	"io"
)

// DatabaseSnapshot streams this member's whole database for
// Maintenance.Snapshot, once every write it has answered is committed to
// it. start is called with the size and revision before the first byte.
func (s *Server) DatabaseSnapshot(ctx context.Context, start func(size, revision int64) (io.Writer, error)) error {
	if err := s.WaitVisible(ctx); err != nil {
		return err
	}
	_, err := s.kv.StreamSnapshot(start)
	return err
}
