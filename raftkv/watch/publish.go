package watch

import (
	"errors"

	"github.com/tickraft/raft/raftkv/kv"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// revGroup collects one revision's events as they stream from the source,
// so that a revision is always handed out whole.
type revGroup struct {
	rev    int64
	events []*mvccpb.Event
	flush  func(rev int64, evs []*mvccpb.Event)
}

func (g *revGroup) add(ev *mvccpb.Event) {
	if r := eventRev(ev); r != g.rev {
		g.done()
		g.rev = r
	}
	g.events = append(g.events, ev)
}

// eventRev is an event's revision; the history never stores an event
// without its key-value, but a nil one must not panic.
func eventRev(ev *mvccpb.Event) int64 {
	if ev.Kv == nil {
		return 0
	}
	return ev.Kv.ModRevision
}

func (g *revGroup) done() {
	if len(g.events) > 0 {
		g.flush(g.rev, g.events)
	}
	g.events = g.events[:0]
}

// publish hands the events of revisions after h.rev to the synced
// watchers. If the source has already compacted them (the hub fell behind
// the retention window), the synced watchers become replaying ones, and
// catchUp gives each etcd's compacted response.
func (h *Hub) publish() error {
	target := h.src.Revision()
	if target <= h.rev {
		return nil
	}
	if h.unsynced == len(h.watchers) {
		// Nobody takes these revisions live, and a replaying watcher reads
		// its own from the source: skip decoding them.
		h.rev = target
		return nil
	}
	g := revGroup{flush: func(rev int64, evs []*mvccpb.Event) {
		h.index.each(rev, evs, func(w *watcher) {
			if w.synced && rev >= w.next {
				h.deliverLive(w, evs)
			}
		})
	}}
	from := h.rev + 1
	h.rev = target // delivered responses report the revision being reached
	err := h.src.Events(from, target, func(ev *mvccpb.Event) error {
		g.add(ev)
		return nil
	})
	if err == nil {
		g.done()
		return nil
	}
	// A synced watcher's next stays where it started (at most the hub's
	// revision then, plus one, unless it watches from the future): every
	// revision since has been handed to it, so from is where it resumes.
	for w := range h.watchers {
		if w.synced {
			w.synced, w.next = false, max(w.next, from)
			h.unsynced++
		}
	}
	if errors.Is(err, kv.ErrCompacted) {
		return nil
	}
	return err
}

// deliverLive queues a revision for a synced watcher, canceling the
// watcher if its client has fallen too far behind, or if it is the
// slowest when the hub's total would pass its bound.
func (h *Hub) deliverLive(w *watcher, evs []*mvccpb.Event) {
	mine := w.filter(evs)
	if len(mine) == 0 {
		return
	}
	l := loadOf(mine)
	if !h.makeRoom(w, l) {
		return
	}
	if !w.stream.queueEvents(w, h.rev, mine, l, h.opts) {
		h.remove(w)
		w.stream.queueCanceled(w, h.rev, slowReason(h.opts))
	}
}

// makeRoom cancels the watchers with the most bytes waiting until l fits
// the hub's total bound, and reports whether w is still watching. With
// nothing left to cancel, l is queued anyway: the bound is then passed by
// at most one revision and what canceled watchers' clients are taking.
func (h *Hub) makeRoom(w *watcher, l load) bool {
	for !h.queued().plus(l).within(h.totalLimit()) {
		v := h.slowest()
		if v == nil {
			return true
		}
		h.remove(v)
		v.stream.dropQueued(v)
		v.stream.queueCanceled(v, h.rev, overloadReason(h.opts))
		if v == w {
			return false
		}
	}
	return true
}

// slowest returns the watcher with the most bytes queued, nil if none has
// any.
func (h *Hub) slowest() *watcher {
	var worst *watcher
	most := 0
	for w := range h.watchers {
		if p := w.stream.pendingOf(w); p.events > 0 && (worst == nil || p.bytes > most) {
			worst, most = w, p.bytes
		}
	}
	return worst
}

// catchUp replays a watcher's missing revisions from the source, as many
// whole revisions as its outbox has room for. Once it reaches h.rev the
// watcher is synced and publish serves it from then on.
func (h *Hub) catchUp(w *watcher) {
	room := w.stream.room(w, h.opts)
	total, inUse := h.totalLimit(), h.queued()
	room.events = min(room.events, total.events-inUse.events)
	room.bytes = min(room.bytes, total.bytes-inUse.bytes)
	if room.events <= 0 || room.bytes <= 0 {
		return
	}
	var queued load
	next := w.next
	g := revGroup{flush: func(rev int64, evs []*mvccpb.Event) {
		queued = queued.plus(w.stream.queueReplay(w, h.rev, evs, h.opts))
		next = rev + 1
	}}
	full := false
	err := h.src.Events(w.next, h.rev, func(ev *mvccpb.Event) error {
		// Stop at a revision boundary once the room is used up; the
		// group being collected counts too.
		if eventRev(ev) != g.rev && queued.plus(loadOf(g.events)).reaches(room) {
			full = true
			return kv.ErrStopEvents
		}
		g.add(ev)
		return nil
	})
	switch {
	case errors.Is(err, kv.ErrCompacted):
		h.remove(w)
		w.stream.queueCompacted(w, h.rev, h.src.CompactedRevision()+1)
		return
	case err != nil:
		h.lastErr = err
		return
	}
	g.done()
	if full {
		w.next = next
		return
	}
	w.next = h.rev + 1
	w.synced = true
	h.unsynced--
}

// remove forgets w; its stream keeps what is already queued.
func (h *Hub) remove(w *watcher) {
	if _, ok := h.watchers[w]; !ok {
		return
	}
	delete(h.watchers, w)
	h.index.remove(w)
	if !w.synced {
		h.unsynced--
	}
	w.stream.forget(w)
}
