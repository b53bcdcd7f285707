package watch

import (
	"bytes"
	"slices"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Create starts a watch. Its created response (or refusal) goes through the
// outbox ahead of any of its events. Watch id 0 asks for one to be assigned,
// as in etcd: the next unused id of a counter starting at 0. A refusal is
// created and canceled at once, with watch id -1 and the reason.
func (s *Stream) Create(r *pb.WatchCreateRequest) {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.publish(); err != nil {
		h.lastErr = err
	}
	refuse := func(reason string) {
		s.push(nil, &pb.WatchResponse{Header: header(h.rev), WatchId: InvalidWatchID, Created: true, Canceled: true, CancelReason: reason})
	}
	id := r.WatchId
	switch {
	case len(r.RangeEnd) > 0 && !isAllFrom(r.RangeEnd) && bytes.Compare(r.RangeEnd, r.Key) <= 0:
		refuse(reasonBadRange)
		return
	case id != 0 && s.watchers[id] != nil:
		refuse(reasonDuplicateID)
		return
	case id == 0:
		for s.watchers[s.nextID] != nil {
			s.nextID++
		}
		id = s.nextID
		s.nextID++
	}
	w := newWatcher(s, id, r)
	w.next = h.rev + 1
	if r.StartRevision > 0 {
		w.next = r.StartRevision
	}
	w.synced = w.next > h.rev
	s.watchers[id] = w
	h.watchers[w] = struct{}{}
	h.index.add(w)
	s.push(w, &pb.WatchResponse{Header: header(h.rev), WatchId: id, Created: true})
	if !w.synced {
		h.unsynced++
		h.Notify()
	}
}

func isAllFrom(end []byte) bool { return len(end) == 1 && end[0] == 0 }

// Cancel ends a watch and confirms it, as etcd does; an unknown id is
// ignored.
func (s *Stream) Cancel(id int64) {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	w := s.watchers[id]
	if w == nil {
		return
	}
	h.remove(w)
	s.push(w, &pb.WatchResponse{Header: header(h.rev), WatchId: id, Canceled: true})
}

// RequestProgress asks for a stream-wide progress response (watch id -1)
// carrying the hub's revision. As in etcd it is sent only once every
// watcher on the stream is caught up, so that the revision it reports
// promises that no older event is still to come.
func (s *Stream) RequestProgress() {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	s.progressWanted = true
	h.answerProgress(s)
}

func (h *Hub) answerProgress(s *Stream) {
	for _, w := range s.watchers {
		if !w.synced {
			return
		}
	}
	s.progressWanted = false
	s.queueStreamProgress(h.rev)
}

// queueStreamProgress queues a stream-wide progress response, replacing
// one still waiting so that repeated requests to a stuck client take no
// more room.
func (s *Stream) queueStreamProgress(rev int64) {
	s.mu.Lock()
	s.out = slices.DeleteFunc(s.out, func(it outItem) bool { return it.w == nil && it.progress })
	s.out = append(s.out, outItem{progress: true, resp: &pb.WatchResponse{Header: header(rev), WatchId: InvalidWatchID}})
	s.mu.Unlock()
	s.signal()
}

// notifyProgress sends a progress notification to every caught-up watcher
// that asked for them and had no events since the last tick.
func (h *Hub) notifyProgress() {
	for w := range h.watchers {
		if !w.progress || !w.synced {
			continue
		}
		s := w.stream
		s.mu.Lock()
		// One queued notification is enough: a stuck client must not
		// collect one per tick.
		idle := !w.active && !w.progressQueued
		w.active = false
		w.progressQueued = w.progressQueued || idle
		if idle {
			s.out = append(s.out, outItem{w: w, progress: true, resp: &pb.WatchResponse{Header: header(h.rev), WatchId: w.id}})
		}
		s.mu.Unlock()
		if idle {
			s.signal()
		}
	}
}

// forget drops w from the stream's watchers. Called with h.mu held.
func (s *Stream) forget(w *watcher) {
	if s.watchers[w.id] == w {
		delete(s.watchers, w.id)
	}
}

// room is how much more w may have queued.
func (s *Stream) room(w *watcher, o Options) load {
	s.mu.Lock()
	defer s.mu.Unlock()
	return load{o.MaxPendingEvents - w.pending.events, o.MaxPendingBytes - w.pending.bytes}
}

// queueEvents queues a live revision's events that w wants (load l), merging it into w's last
// response when that is still waiting. It reports false, queuing nothing,
// when the events would take w past its limit.
func (s *Stream) queueEvents(w *watcher, hubRev int64, mine []*mvccpb.Event, l load, o Options) bool {
	s.mu.Lock()
	if !w.pending.plus(l).within(load{o.MaxPendingEvents, o.MaxPendingBytes}) {
		s.mu.Unlock()
		return false
	}
	s.appendEvents(w, hubRev, mine, l, o)
	s.mu.Unlock()
	s.signal()
	return true
}

// queueReplay queues a replayed revision for w and returns what it
// queued.
func (s *Stream) queueReplay(w *watcher, hubRev int64, evs []*mvccpb.Event, o Options) load {
	mine := w.filter(evs)
	if len(mine) == 0 {
		return load{}
	}
	l := loadOf(mine)
	s.mu.Lock()
	s.appendEvents(w, hubRev, mine, l, o)
	s.mu.Unlock()
	s.signal()
	return l
}

// appendEvents adds one revision's events for w to the outbox. Called with
// s.mu held.
func (s *Stream) appendEvents(w *watcher, headerRev int64, evs []*mvccpb.Event, l load, o Options) {
	w.pending = w.pending.plus(l)
	s.h.addQueued(l)
	w.active = true
	if n := len(s.out); n > 0 {
		last := &s.out[n-1]
		if last.w == w && last.load.events > 0 && !last.resp.Fragment &&
			last.load.plus(l).within(load{o.MaxEventsPerResponse, o.MaxResponseBytes}) {
			last.resp.Events = append(last.resp.Events, evs...)
			last.resp.Header.Revision = headerRev
			last.load = last.load.plus(l)
			return
		}
	}
	if w.fragment && l.bytes > o.MaxResponseBytes {
		s.appendFragments(w, headerRev, evs, o)
		return
	}
	s.out = append(s.out, outItem{w: w, load: l, resp: &pb.WatchResponse{Header: header(headerRev), WatchId: w.id, Events: evs}})
}

// appendFragments splits one revision too large for a response into
// responses of at most MaxResponseBytes (or one event), all but the last
// marked as fragments, for a watcher that asked for them; etcd's client
// joins them back.
func (s *Stream) appendFragments(w *watcher, headerRev int64, evs []*mvccpb.Event, o Options) {
	for len(evs) > 0 {
		n, l := 1, loadOf(evs[:1])
		for n < len(evs) {
			next := l.plus(loadOf(evs[n : n+1]))
			if !next.within(load{o.MaxEventsPerResponse, o.MaxResponseBytes}) {
				break
			}
			n, l = n+1, next
		}
		resp := &pb.WatchResponse{Header: header(headerRev), WatchId: w.id, Events: evs[:n:n], Fragment: n < len(evs)}
		s.out = append(s.out, outItem{w: w, load: l, resp: resp})
		evs = evs[n:]
	}
}

// queueCanceled ends w with a reason, after what is already queued.
func (s *Stream) queueCanceled(w *watcher, rev int64, reason string) {
	s.push(w, &pb.WatchResponse{Header: header(rev), WatchId: w.id, Canceled: true, CancelReason: reason})
}

// queueCompacted ends w as etcd does when its start revision is gone:
// CompactRevision is the oldest revision it could watch from now.
func (s *Stream) queueCompacted(w *watcher, rev, compactRev int64) {
	s.push(w, &pb.WatchResponse{Header: header(rev), WatchId: w.id, Canceled: true, CompactRevision: compactRev})
}
