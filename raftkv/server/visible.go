package server

import (
	"context"
	"fmt"
	"sync"
)

// visibility tracks how far the apply goroutine has staged entries in kv
// (results computed and answered) and how far kv has committed them
// (durable in bbolt, seen by readers). Staged state is in memory only; a
// restart redoes it from the WAL.
type visibility struct {
	mu        sync.Mutex
	staged    uint64
	committed uint64
	advanced  chan struct{} // closed and replaced when committed grows
}

func (v *visibility) init(index uint64) {
	v.staged, v.committed = index, index
	v.advanced = make(chan struct{})
}

func (v *visibility) stage(index uint64) {
	v.mu.Lock()
	v.staged = max(v.staged, index)
	v.mu.Unlock()
}

// commit records a commit up to index and reports whether it is new.
func (v *visibility) commit(index uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if index <= v.committed {
		return false
	}
	v.committed = index
	v.staged = max(v.staged, index)
	close(v.advanced)
	v.advanced = make(chan struct{})
	return true
}

// WaitVisible waits until every entry applied here when it was called,
// answered writes included, is committed to the state machine, so that
// what is read next (Status, leases, serializable reads) includes them.
// It asks for the commit rather than waiting for the commit interval.
func (s *Server) WaitVisible(ctx context.Context) error {
	s.vis.mu.Lock()
	want := s.vis.staged
	s.vis.mu.Unlock()
	ctx, cancel := s.waitTimeout(ctx)
	defer cancel()
	for {
		s.vis.mu.Lock()
		done, ch := s.vis.committed >= want, s.vis.advanced
		s.vis.mu.Unlock()
		if done {
			return nil
		}
		s.requestCommit()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case <-s.stopc:
			return ErrStopped
		}
	}
}

// requestCommit asks the apply goroutine to commit what it has staged now
// rather than at the end of the commit interval.
func (s *Server) requestCommit() {
	select {
	case s.commitc <- struct{}{}:
	default:
	}
}
