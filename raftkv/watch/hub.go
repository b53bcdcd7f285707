package watch

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Source is the state machine a Hub follows; *kv.KV implements it.
type Source interface {
	Revision() int64
	CompactedRevision() int64
	Events(start, end int64, fn func(*mvccpb.Event) error) error
}

var _ Source = (*kv.KV)(nil)

// Options configure a Hub. Zero values take the defaults.
type Options struct {
	// ProgressInterval is how often an idle watcher that asked for
	// progress notifications gets one (default 10 minutes, as etcd).
	ProgressInterval time.Duration
	// MaxPendingEvents and MaxPendingBytes bound the events queued for
	// one watcher and not yet sent (defaults 10000 and 16 MiB, counted as
	// encoded). A caught-up watcher that passes either is canceled; a
	// replaying one waits for its client instead.
	MaxPendingEvents int
	MaxPendingBytes  int
	// MaxEventsPerResponse and MaxResponseBytes cap what is merged into
	// one response (defaults 1000 and 1 MiB). A revision's events are
	// never split, so one revision may exceed them.
	MaxEventsPerResponse int
	MaxResponseBytes     int
	// MaxTotalPendingEvents and MaxTotalPendingBytes bound the events
	// queued for all watchers of the hub together (defaults 1,000,000 and
	// 256 MiB), so slow clients cannot exhaust the member's memory. A live
	// revision that would pass either first cancels the watchers with the
	// most bytes waiting, dropping what they had queued, until it fits;
	// replaying watchers wait for room instead.
	MaxTotalPendingEvents int
	MaxTotalPendingBytes  int
}

func (o Options) withDefaults() Options {
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 10 * time.Minute
	}
	if o.MaxPendingEvents <= 0 {
		o.MaxPendingEvents = 10000
	}
	if o.MaxPendingBytes <= 0 {
		o.MaxPendingBytes = 16 << 20
	}
	if o.MaxEventsPerResponse <= 0 {
		o.MaxEventsPerResponse = 1000
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 1 << 20
	}
	if o.MaxTotalPendingEvents <= 0 {
		o.MaxTotalPendingEvents = 1_000_000
	}
	if o.MaxTotalPendingBytes <= 0 {
		o.MaxTotalPendingBytes = 256 << 20
	}
	return o
}

// ErrStopped ends the streams of a stopped Hub.
var ErrStopped = errors.New("watch: the hub is stopped")

// Hub delivers the state machine's events to watchers. See the package
// comment for how publishing and replay fit together.
type Hub struct {
	src  Source
	opts Options

	kick chan struct{} // cap 1: new revisions, new watchers or drained outboxes
	quit chan struct{}
	done chan struct{}

	// mu guards everything below and every watcher's sync state. It is
	// taken before a Stream's lock, never after.
	mu       sync.Mutex
	rev      int64 // every event up to rev has been handed to synced watchers
	watchers map[*watcher]struct{}
	index    index // the watchers again, by what they watch
	unsynced int
	streams  map[*Stream]struct{}
	stopped  bool
	lastErr  error

	// queued counts the events in every stream's outbox, canceled
	// watchers' included: added under h.mu, taken off by Next without it.
	queuedEvents, queuedBytes atomic.Int64
}

// New returns a Hub following src from its current revision. Call Start
// to run it.
func New(src Source, opts Options) *Hub {
	return &Hub{
		src:      src,
		opts:     opts.withDefaults(),
		kick:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		rev:      src.Revision(),
		watchers: make(map[*watcher]struct{}),
		index:    newIndex(),
		streams:  make(map[*Stream]struct{}),
	}
}

// Start runs the hub's goroutine.
func (h *Hub) Start() { go h.run() }

// Stop ends the goroutine and every stream. It waits for the goroutine.
func (h *Hub) Stop() {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	h.stopped = true
	for s := range h.streams {
		s.close(ErrStopped)
	}
	h.mu.Unlock()
	close(h.quit)
	<-h.done
}

// Notify tells the hub that the source may have new revisions. It never
// blocks, so the apply path can call it after every commit.
func (h *Hub) Notify() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// Err reports the last error reading the source, for diagnostics.
func (h *Hub) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr
}

func (h *Hub) run() {
	defer close(h.done)
	tick := time.NewTicker(h.opts.ProgressInterval)
	defer tick.Stop()
	for {
		select {
		case <-h.quit:
			return
		case <-h.kick:
			h.mu.Lock()
			h.step()
			h.mu.Unlock()
		case <-tick.C:
			h.mu.Lock()
			h.step()
			h.notifyProgress()
			h.mu.Unlock()
		}
	}
}

// step publishes new revisions, moves replaying watchers forward and
// answers stream progress requests that were waiting for them.
func (h *Hub) step() {
	if err := h.publish(); err != nil {
		h.lastErr = err
	}
	if h.unsynced > 0 {
		for w := range h.watchers {
			if !w.synced {
				h.catchUp(w)
			}
		}
	}
	for s := range h.streams {
		if s.progressWanted {
			h.answerProgress(s)
		}
	}
}

// queued reports the events waiting in every outbox.
func (h *Hub) queued() load {
	return load{int(h.queuedEvents.Load()), int(h.queuedBytes.Load())}
}

func (h *Hub) addQueued(l load) {
	h.queuedEvents.Add(int64(l.events))
	h.queuedBytes.Add(int64(l.bytes))
}

func (h *Hub) totalLimit() load {
	return load{h.opts.MaxTotalPendingEvents, h.opts.MaxTotalPendingBytes}
}
