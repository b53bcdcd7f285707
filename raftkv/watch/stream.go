package watch

import (
	"context"
	"fmt"
	"slices"
	"sync"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// InvalidWatchID is the watch id of a stream-wide progress response, as
// in etcd.
const InvalidWatchID = -1

// Reasons a watch is refused or ended, in etcd's words where etcd has them.
const (
	reasonDuplicateID = "mvcc: duplicate watch ID provided on the WatchStream"
	reasonBadRange    = "mvcc: watcher range is empty"
)

func overloadReason(o Options) string {
	return fmt.Sprintf("raftkv: watcher canceled: the member's watchers together had more than %d events or %d bytes waiting for their clients, and this one had the most; watch again from the last revision received",
		o.MaxTotalPendingEvents, o.MaxTotalPendingBytes)
}

func slowReason(o Options) string {
	return fmt.Sprintf("raftkv: watcher canceled: more than %d events or %d bytes were waiting for the client; watch again from the last revision received",
		o.MaxPendingEvents, o.MaxPendingBytes)
}

// Stream is one client's watch stream: its watchers and the responses
// waiting to be sent. Create, Cancel and RequestProgress may be called from
// the receiving goroutine while Next runs in the sending one.
type Stream struct {
	h *Hub

	// Guarded by h.mu.
	watchers       map[int64]*watcher
	nextID         int64
	progressWanted bool

	// mu guards the outbox; it is taken after h.mu.
	mu     sync.Mutex
	out    []outItem
	wake   chan struct{} // cap 1: the outbox is no longer empty
	closed error
}

type outItem struct {
	w        *watcher // nil for stream-wide responses
	resp     *pb.WatchResponse
	load     load // the events in resp
	progress bool // a progress notification
}

// NewStream opens a stream on h. Close it when the client goes away.
func (h *Hub) NewStream() *Stream {
	s := &Stream{
		h:        h,
		watchers: make(map[int64]*watcher),
		wake:     make(chan struct{}, 1),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		s.closed = ErrStopped
	}
	h.streams[s] = struct{}{}
	return s
}

// Close cancels the stream's watchers.
func (s *Stream) Close() {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range s.watchers {
		h.remove(w)
	}
	delete(h.streams, s)
	s.close(context.Canceled)
	// Nobody will take what is left: it no longer counts.
	s.mu.Lock()
	for _, it := range s.out {
		h.addQueued(load{-it.load.events, -it.load.bytes})
	}
	s.out = nil
	s.mu.Unlock()
}

// close makes Next fail with err once the outbox is empty.
func (s *Stream) close(err error) {
	s.mu.Lock()
	if s.closed == nil {
		s.closed = err
	}
	s.mu.Unlock()
	s.signal()
}

func (s *Stream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Next waits for responses and returns all that are queued, in order.
func (s *Stream) Next(ctx context.Context) ([]*pb.WatchResponse, error) {
	for {
		s.mu.Lock()
		items := s.out
		s.out = nil
		closed := s.closed
		drained := false
		for _, it := range items {
			switch {
			case it.progress && it.w != nil:
				it.w.progressQueued = false
			case it.load.events > 0:
				taken := load{-it.load.events, -it.load.bytes}
				it.w.pending = it.w.pending.plus(taken)
				s.h.addQueued(taken)
				drained = true
			}
		}
		s.mu.Unlock()
		if len(items) > 0 {
			if drained {
				s.h.Notify() // replaying watchers may have room again
			}
			resps := make([]*pb.WatchResponse, len(items))
			for i, it := range items {
				resps[i] = it.resp
			}
			return resps, nil
		}
		if closed != nil {
			return nil, closed
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// push appends a response to the outbox.
func (s *Stream) push(w *watcher, resp *pb.WatchResponse) {
	s.mu.Lock()
	s.out = append(s.out, outItem{w: w, resp: resp})
	s.mu.Unlock()
	s.signal()
}

// pendingOf reports what w has queued.
func (s *Stream) pendingOf(w *watcher) load {
	s.mu.Lock()
	defer s.mu.Unlock()
	return w.pending
}

// dropQueued removes w's queued events from the outbox, freeing them.
// Called with h.mu held, once w is removed.
func (s *Stream) dropQueued(w *watcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out = slices.DeleteFunc(s.out, func(it outItem) bool {
		if it.w != w || it.load.events == 0 {
			return false
		}
		s.h.addQueued(load{-it.load.events, -it.load.bytes})
		return true
	})
	w.pending = load{}
}

func header(rev int64) *pb.ResponseHeader { return &pb.ResponseHeader{Revision: rev} }
