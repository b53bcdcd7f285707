package watch

import (
	"bytes"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// watcher is one watch on a stream. Its sync state (next, synced) belongs
// to the hub's lock; pending and the flags belong to its stream's lock.
type watcher struct {
	id       int64
	stream   *Stream
	key, end []byte // end empty: key only; end "\x00": every key from key on
	noPut    bool
	noDelete bool
	prevKV   bool
	progress bool
	fragment bool

	next    int64 // replaying: the first revision not yet handed out; synced: the first wanted
	synced  bool
	offered int64 // the last revision publish offered w, to offer it once

	pending        load // events queued in the outbox and not yet taken
	active         bool // events were queued since the last progress tick
	progressQueued bool // a progress notification waits in the outbox
}

// load measures queued events.
type load struct{ events, bytes int }

func loadOf(evs []*mvccpb.Event) load {
	l := load{events: len(evs)}
	for _, ev := range evs {
		l.bytes += ev.Size()
	}
	return l
}

func (l load) plus(m load) load { return load{l.events + m.events, l.bytes + m.bytes} }

// within reports whether l fits the limits, given as a load.
func (l load) within(limit load) bool { return l.events <= limit.events && l.bytes <= limit.bytes }

// reaches reports whether l uses up either part of limit.
func (l load) reaches(limit load) bool { return l.events >= limit.events || l.bytes >= limit.bytes }

func newWatcher(s *Stream, id int64, r *pb.WatchCreateRequest) *watcher {
	w := &watcher{
		id: id, stream: s,
		key: bytes.Clone(r.Key), end: bytes.Clone(r.RangeEnd),
		prevKV: r.PrevKv, progress: r.ProgressNotify, fragment: r.Fragment,
	}
	for _, f := range r.Filters {
		switch f {
		case pb.WatchCreateRequest_NOPUT:
			w.noPut = true
		case pb.WatchCreateRequest_NODELETE:
			w.noDelete = true
		}
	}
	return w
}

// matches reports whether w wants an event on key of type t.
func (w *watcher) matches(key []byte, t mvccpb.Event_EventType) bool {
	if (t == mvccpb.PUT && w.noPut) || (t == mvccpb.DELETE && w.noDelete) {
		return false
	}
	switch {
	case len(w.end) == 0:
		return bytes.Equal(key, w.key)
	case len(w.end) == 1 && w.end[0] == 0:
		return bytes.Compare(key, w.key) >= 0
	default:
		return bytes.Compare(key, w.key) >= 0 && bytes.Compare(key, w.end) < 0
	}
}

// filter returns the events of one revision that w wants, shaped for it.
// Events are shared between watchers and never modified: a watcher that
// did not ask for prev_kv gets copies without it.
func (w *watcher) filter(evs []*mvccpb.Event) []*mvccpb.Event {
	var out []*mvccpb.Event
	for _, ev := range evs {
		if ev.Kv == nil || !w.matches(ev.Kv.Key, ev.Type) {
			continue
		}
		if !w.prevKV && ev.PrevKv != nil {
			ev = &mvccpb.Event{Type: ev.Type, Kv: ev.Kv}
		}
		out = append(out, ev)
	}
	return out
}
