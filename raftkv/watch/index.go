package watch

import "go.etcd.io/etcd/api/v3/mvccpb"

// index finds the watchers an event may concern without scanning all of
// them: single-key watchers by key, range watchers in one set that every
// revision is offered to. Guarded by the hub's lock.
type index struct {
	byKey  map[string]map[*watcher]struct{}
	ranged map[*watcher]struct{}
}

func newIndex() index {
	return index{byKey: make(map[string]map[*watcher]struct{}), ranged: make(map[*watcher]struct{})}
}

func (x *index) add(w *watcher) {
	if len(w.end) > 0 {
		x.ranged[w] = struct{}{}
		return
	}
	set := x.byKey[string(w.key)]
	if set == nil {
		set = make(map[*watcher]struct{})
		x.byKey[string(w.key)] = set
	}
	set[w] = struct{}{}
}

func (x *index) remove(w *watcher) {
	if len(w.end) > 0 {
		delete(x.ranged, w)
		return
	}
	set := x.byKey[string(w.key)]
	delete(set, w)
	if len(set) == 0 {
		delete(x.byKey, string(w.key))
	}
}

// each calls fn once for every watcher that may want some of a revision's
// events; fn may remove the watcher.
func (x *index) each(rev int64, evs []*mvccpb.Event, fn func(*watcher)) {
	for w := range x.ranged {
		fn(w)
	}
	for _, ev := range evs {
		if ev.Kv == nil {
			continue
		}
		for w := range x.byKey[string(ev.Kv.Key)] {
			if w.offered != rev {
				w.offered = rev
				fn(w)
			}
		}
	}
}
