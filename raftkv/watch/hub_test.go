package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func TestLiveEventsOfRangeAndKey(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	rng, one := h.NewStream(), h.NewStream()
	rng.Create(create("a", "b", 0))
	one.Create(create("a2", "", 0))
	st.put("a1", "x")
	st.put("z", "1")
	st.txnPuts("a1", "y", "a2", "z")
	st.del("a", "b")
	h.poll()
	check(t, take(t, rng),
		"id=0 rev=1 created",
		"id=0 rev=5 PUT a1@2=x PUT a1@4=y PUT a2@4=z DELETE a1@5 DELETE a2@5")
	check(t, take(t, one),
		"id=0 rev=1 created",
		"id=0 rev=5 PUT a2@4=z DELETE a2@5")
}

func TestAllKeysFromAndPrefixEnds(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	from := h.NewStream()
	from.Create(create("b", "\x00", 0))
	st.put("a", "1")
	st.put("b", "1")
	st.put("zz", "1")
	h.poll()
	check(t, take(t, from), "id=0 rev=1 created", "id=0 rev=4 PUT b@3=1 PUT zz@4=1")
}

func TestPrevKVAndFilters(t *testing.T) {
	st := newStore(t, 0)
	st.put("k", "1")
	h := newHub(st, Options{})
	withPrev, noPut, noDel := h.NewStream(), h.NewStream(), h.NewStream()
	r := create("k", "", 0)
	r.PrevKv = true
	withPrev.Create(r)
	r = create("k", "", 0)
	r.Filters = []pb.WatchCreateRequest_FilterType{pb.WatchCreateRequest_NOPUT}
	noPut.Create(r)
	r = create("k", "", 0)
	r.Filters = []pb.WatchCreateRequest_FilterType{pb.WatchCreateRequest_NODELETE}
	noDel.Create(r)
	st.put("k", "2")
	st.del("k", "")
	h.poll()
	check(t, take(t, withPrev), "id=0 rev=2 created", "id=0 rev=4 PUT k@3=2 prev=1 DELETE k@4 prev=2")
	check(t, take(t, noPut), "id=0 rev=2 created", "id=0 rev=4 DELETE k@4")
	check(t, take(t, noDel), "id=0 rev=2 created", "id=0 rev=4 PUT k@3=2")
}

func TestCompactedStartRevision(t *testing.T) {
	st := newStore(t, 3)
	for i := 2; i <= 11; i++ {
		st.put("k", itoa(i))
	}
	// 11 is the revision; the latest 3 revisions keep their events.
	if got := st.kv.CompactedRevision(); got != 8 {
		t.Fatalf("compacted revision %d, want 8", got)
	}
	h := newHub(st, Options{})
	gone, kept := h.NewStream(), h.NewStream()
	gone.Create(create("k", "", 8))
	kept.Create(create("k", "", 9))
	h.poll()
	check(t, take(t, gone), "id=0 rev=11 created", "id=0 rev=11 canceled compact=9")
	check(t, take(t, kept), "id=0 rev=11 created", "id=0 rev=11 PUT k@9=9 PUT k@10=10 PUT k@11=11")
	st.put("k", "12")
	h.poll()
	check(t, take(t, kept), "id=0 rev=12 PUT k@12=12")
	if n := len(h.watchers); n != 1 {
		t.Fatalf("hub has %d watchers, want 1", n)
	}
}

func TestHubBehindRetentionCompactsSyncedWatchers(t *testing.T) {
	st := newStore(t, 2)
	h := newHub(st, Options{})
	s := h.NewStream()
	s.Create(create("k", "", 0))
	for i := 2; i <= 6; i++ {
		st.put("k", itoa(i))
	}
	// Revisions 2-4 went before the hub read them: 6 - 2 = 4 is compacted.
	h.poll()
	check(t, take(t, s), "id=0 rev=1 created", "id=0 rev=6 canceled compact=5")
}

func TestReplayIsPacedByTheClient(t *testing.T) {
	st := newStore(t, 0)
	st.txnPuts("a", "1", "b", "1")
	for _, k := range []string{"c", "d", "e", "f"} {
		st.put(k, "1")
	}
	h := newHub(st, Options{MaxPendingEvents: 4, MaxEventsPerResponse: 3})
	s := h.NewStream()
	s.Create(create("a", "\x00", 2))
	h.poll()
	h.poll() // no room left: nothing more is read
	s.RequestProgress()
	// Revision 2's two events, then 3 and 4 fill the room of 4; a
	// response holds at most 3 events and never splits a revision.
	check(t, take(t, s),
		"id=0 rev=6 created",
		"id=0 rev=6 PUT a@2=1 PUT b@2=1 PUT c@3=1",
		"id=0 rev=6 PUT d@4=1")
	h.poll()
	// The stream's progress answer waited until the watcher caught up.
	check(t, take(t, s), "id=0 rev=6 PUT e@5=1 PUT f@6=1", "id=-1 rev=6")
	st.put("g", "1")
	h.poll()
	check(t, take(t, s), "id=0 rev=7 PUT g@7=1")
}

func TestSlowWatcherIsCanceled(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{MaxPendingEvents: 3})
	slow, fast := h.NewStream(), h.NewStream()
	slow.Create(create("k", "", 0))
	fast.Create(create("k", "", 0))
	take(t, fast)
	for i := 2; i <= 6; i++ {
		st.put("k", itoa(i))
		h.poll()
		check(t, take(t, fast), "id=0 rev="+itoa(i)+" PUT k@"+itoa(i)+"="+itoa(i))
	}
	got := take(t, slow)
	check(t, got[:2], "id=0 rev=1 created", "id=0 rev=4 PUT k@2=2 PUT k@3=3 PUT k@4=4")
	if len(got) != 3 || !got[2].Canceled || got[2].Header.Revision != 5 ||
		!strings.Contains(got[2].CancelReason, "more than 3 events or 16777216 bytes") {
		t.Fatalf("want a cancel at revision 5 after the events, got %q", describe(got))
	}
	if n := len(h.watchers); n != 1 {
		t.Fatalf("hub has %d watchers, want 1", n)
	}
}

func TestIDsCancelAndRefusals(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	s := h.NewStream()
	s.Create(create("k0", "", 0))
	r := create("k5", "", 0)
	r.WatchId = 5
	s.Create(r)
	s.Create(create("k1", "", 0))
	s.Create(r)
	s.Create(create("b", "a", 0))
	s.Cancel(0)
	s.Cancel(0)
	s.Cancel(9)
	check(t, take(t, s),
		"id=0 rev=1 created",
		"id=5 rev=1 created",
		"id=1 rev=1 created",
		"id=-1 rev=1 created canceled reason="+reasonDuplicateID,
		"id=-1 rev=1 created canceled reason="+reasonBadRange,
		"id=0 rev=1 canceled")
	st.put("k0", "v")
	st.put("k1", "v")
	st.put("k5", "v")
	h.poll()
	check(t, take(t, s), "id=1 rev=4 PUT k1@3=v", "id=5 rev=4 PUT k5@4=v")
	// Assigned ids keep counting up, as in etcd; refusals took none.
	s.Create(create("k0", "", 0))
	check(t, take(t, s), "id=2 rev=4 created")
}

func TestFutureStartRevision(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	s := h.NewStream()
	s.Create(create("k", "", 3))
	st.put("k", "a")
	st.put("k", "b")
	h.poll()
	check(t, take(t, s), "id=0 rev=1 created", "id=0 rev=3 PUT k@3=b")
}

func TestProgressNotifications(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	p, q := h.NewStream(), h.NewStream()
	r := create("k", "", 0)
	r.ProgressNotify = true
	p.Create(r)
	q.Create(create("k", "", 0))
	take(t, p)
	take(t, q)
	tick := func() {
		h.mu.Lock()
		h.notifyProgress()
		h.mu.Unlock()
	}
	tick()
	check(t, take(t, p), "id=0 rev=1")
	st.put("k", "v")
	st.put("other", "v")
	h.poll()
	tick() // p had an event since the last tick
	check(t, take(t, p), "id=0 rev=3 PUT k@2=v")
	tick()
	check(t, take(t, p), "id=0 rev=3")
	check(t, take(t, q), "id=0 rev=3 PUT k@2=v")
	s := h.NewStream()
	s.RequestProgress()
	check(t, take(t, s), "id=-1 rev=3")
}

func TestStopEndsStreams(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	h.Start()
	s := h.NewStream()
	s.Create(create("k", "", 0))
	h.Stop()
	if _, err := s.Next(context.Background()); err != nil {
		t.Fatalf("queued created response lost: %v", err)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("Next after Stop: %v, want ErrStopped", err)
	}
	if _, err := h.NewStream().Next(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("Next on a stream opened after Stop: %v, want ErrStopped", err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestByteLimits(t *testing.T) {
	st := newStore(t, 0)
	// Each event below encodes to a little over 1000 bytes: two fit in
	// 2500 pending bytes, a third does not; a response holds one.
	h := newHub(st, Options{MaxPendingBytes: 2500, MaxResponseBytes: 1500})
	s := h.NewStream()
	s.Create(create("k", "", 0))
	big := strings.Repeat("v", 1000)
	st.put("k", big)
	st.put("k", big)
	h.poll()
	got := take(t, s)
	if len(got) != 3 || len(got[1].Events) != 1 || len(got[2].Events) != 1 {
		t.Fatalf("want created and two one-event responses, got %d responses", len(got))
	}
	st.put("k", big)
	st.put("k", big)
	st.put("k", big)
	h.poll()
	got = take(t, s)
	if len(got) != 3 || !got[2].Canceled || !strings.Contains(got[2].CancelReason, "waiting for the client") {
		t.Fatalf("want two events then a cancel, got %d responses (last canceled %v)", len(got), got[len(got)-1].Canceled)
	}
}

func TestStuckClientCollectsOneProgressResponse(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{})
	s := h.NewStream()
	r := create("k", "", 0)
	r.ProgressNotify = true
	s.Create(r)
	h.mu.Lock()
	for range 5 {
		h.notifyProgress()
	}
	h.mu.Unlock()
	st.put("x", "1")
	h.poll()
	for range 5 {
		s.RequestProgress()
	}
	// The stream-wide answer keeps only the latest revision asked for.
	check(t, take(t, s), "id=0 rev=1 created", "id=0 rev=1", "id=-1 rev=2")
}

func TestFragmentsOnlyWhenAsked(t *testing.T) {
	st := newStore(t, 0)
	// The put events of k1..k3 take a little over 110 bytes each, k4's
	// about 20: one big event fits in a response of 150 bytes, with k4.
	h := newHub(st, Options{MaxResponseBytes: 150})
	whole, frag := h.NewStream(), h.NewStream()
	whole.Create(create("k", "\x00", 0))
	r := create("k", "\x00", 0)
	r.Fragment = true
	frag.Create(r)
	v := strings.Repeat("v", 100)
	st.txnPuts("k1", v, "k2", v, "k3", v)
	st.put("k4", "small")
	h.poll()
	keys := func(resps []*pb.WatchResponse) []string {
		var out []string
		for _, r := range resps[1:] {
			line := fmt.Sprint(r.Fragment)
			for _, ev := range r.Events {
				line += " " + string(ev.Kv.Key)
			}
			out = append(out, line)
		}
		return out
	}
	// Revision 2 is never split unasked, and too big to take k4 along.
	if got, want := keys(take(t, whole)), []string{"false k1 k2 k3", "false k4"}; !slices.Equal(got, want) {
		t.Fatalf("without fragment: %q, want %q", got, want)
	}
	if got, want := keys(take(t, frag)), []string{"true k1", "true k2", "false k3 k4"}; !slices.Equal(got, want) {
		t.Fatalf("with fragment: %q, want %q", got, want)
	}
}

// countingSource counts the reads of the source's events.
type countingSource struct {
	Source
	reads int
}

func (c *countingSource) Events(start, end int64, fn func(*mvccpb.Event) error) error {
	c.reads++
	return c.Source.Events(start, end, fn)
}

func TestNoCaughtUpWatcherReadsNoEvents(t *testing.T) {
	st := newStore(t, 0)
	src := &countingSource{Source: st.kv}
	h := New(src, Options{})
	st.hub = h
	st.put("a", "1")
	st.put("b", "2")
	h.poll()
	if src.reads != 0 {
		t.Fatalf("the hub read the source %d times with no watcher", src.reads)
	}
	// Revisions skipped are still replayed to a watcher that asks for them.
	s := h.NewStream()
	s.Create(create("a", "c", 2))
	h.poll()
	check(t, take(t, s), "id=0 rev=3 created", "id=0 rev=3 PUT a@2=1 PUT b@3=2")
	// Once a watcher is caught up, new revisions are read and published.
	reads := src.reads
	st.put("b", "3")
	h.poll()
	if src.reads == reads {
		t.Fatal("the hub did not read a new revision with a caught-up watcher")
	}
	check(t, take(t, s), "id=0 rev=4 PUT b@4=3")
}
