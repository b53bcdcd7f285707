package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/tickraft/raft"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// readWaiter is one linearizable read waiting for its barrier: a read
// index confirmed by the leader and applied here.
type readWaiter struct {
	done chan error // buffered 1; written once
}

func (r *readWaiter) finish(err error) { r.done <- err }

// readBatch is the reads that share one ReadIndex round.
type readBatch struct {
	ctx     [8]byte
	index   uint64
	readers []*readWaiter
}

func (b *readBatch) finish(err error) {
	for _, r := range b.readers {
		r.finish(err)
	}
}

// readQueue batches linearizable reads: reads that arrive while a round
// is in flight wait for the next one, so there is at most one ReadIndex
// outstanding however many clients read.
type readQueue struct {
	next     []*readWaiter
	inflight *readBatch
	ticks    int // ticks the in-flight round has waited
	waiting  []*readBatch
	seq      uint64
}

func (q *readQueue) add(r *readWaiter) { q.next = append(q.next, r) }

// startReadBatch sends a ReadIndex for the queued reads when no round is
// in flight. Without a leader raft would drop the request silently, so
// the reads fail at once (they changed nothing; the client may retry).
func (s *Server) startReadBatch() {
	q := &s.loop.reads
	if q.inflight != nil || len(q.next) == 0 {
		return
	}
	b := &readBatch{readers: q.next}
	q.next = nil
	if s.loop.removed {
		b.finish(ErrRemoved)
		return
	}
	if lead := s.rn.BasicStatus().Lead; lead == raft.None {
		b.finish(&NotLeaderError{})
		return
	}
	q.seq++
	binary.BigEndian.PutUint64(b.ctx[:], q.seq)
	q.inflight, q.ticks = b, 0
	s.rn.ReadIndex(b.ctx[:])
}

// tickReads sends an unanswered round again after an election timeout
// (the request or its answer may have been lost, or the leader changed).
func (s *Server) tickReads() {
	q := &s.loop.reads
	if q.inflight == nil {
		return
	}
	q.ticks++
	if q.ticks > s.cfg.ElectionTicks {
		q.next = append(q.inflight.readers, q.next...)
		q.inflight = nil
	}
}

// confirmed takes the leader's answer to the round in flight.
func (q *readQueue) confirmed(rs raft.ReadState, applied uint64) {
	b := q.inflight
	if b == nil || !bytes.Equal(rs.RequestCtx, b.ctx[:]) {
		return
	}
	q.inflight = nil
	b.index = rs.Index
	if rs.Index <= applied {
		b.finish(nil)
		return
	}
	q.waiting = append(q.waiting, b)
}

// lowestWaiting reports the smallest read index a confirmed round waits for.
func (q *readQueue) lowestWaiting() (uint64, bool) {
	if len(q.waiting) == 0 {
		return 0, false
	}
	low := q.waiting[0].index
	for _, b := range q.waiting[1:] {
		low = min(low, b.index)
	}
	return low, true
}

// release serves the rounds whose read index is applied.
func (q *readQueue) release(applied uint64) {
	kept := q.waiting[:0]
	for _, b := range q.waiting {
		if b.index <= applied {
			b.finish(nil)
		} else {
			kept = append(kept, b)
		}
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
}

// Range reads keys. Unless r.Serializable, the read is linearizable: it
// waits for a ReadIndex round confirmed by the leader and for this member
// to apply up to that index, so it sees every write that completed before
// it began, whichever member served the write.
func (s *Server) Range(ctx context.Context, r *pb.RangeRequest) (*pb.RangeResponse, error) {
	if !r.Serializable {
		if err := s.readBarrier(ctx); err != nil {
			return nil, err
		}
	}
	resp, err := s.kv.Range(r)
	if err != nil {
		return nil, err
	}
	s.fillHeader(&resp.Header)
	return resp, nil
}

func (s *Server) readBarrier(ctx context.Context) error {
	ctx, cancel := s.waitTimeout(ctx)
	defer cancel()
	rw := &readWaiter{done: make(chan error, 1)}
	if err := enqueue(s, ctx, s.readc, rw); err != nil {
		return err
	}
	select {
	case err := <-rw.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	case <-s.stopc:
		return ErrStopped
	}
}
