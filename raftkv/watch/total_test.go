package watch

import (
	"strings"
	"testing"
)

const overloadWords = "watchers together had more than 3 events"

func checkCanceledForLoad(t *testing.T, got []string, want string) {
	t.Helper()
	if len(got) != 1 || !strings.HasPrefix(got[0], want+" reason=") || !strings.Contains(got[0], overloadWords) {
		t.Fatalf("got %q, want %q with the total-bound reason", got, want)
	}
}

// Past the hub's total, the watcher with the most bytes waiting is
// canceled and its queued events are freed; the others keep theirs.
func TestTotalBoundCancelsTheSlowest(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{MaxTotalPendingEvents: 3})
	sa, sb := h.NewStream(), h.NewStream()
	sa.Create(create("a", "", 0))
	sb.Create(create("b", "", 0))
	take(t, sa)
	take(t, sb)
	st.put("a", "1")
	st.put("a", "2")
	st.put("b", "1")
	h.poll() // revisions 2-4: a has 2 queued, b 1: the total of 3 is reached
	st.put("b", "2")
	h.poll() // revision 5 needs room: a, with the most bytes, goes
	checkCanceledForLoad(t, describe(take(t, sa)), "id=0 rev=5 canceled")
	check(t, take(t, sb), "id=0 rev=5 PUT b@4=1 PUT b@5=2")
	if q := h.queued(); q != (load{}) || len(h.watchers) != 1 {
		t.Fatalf("after the clients took everything: %+v queued, %d watchers; want none and 1", q, len(h.watchers))
	}
}

// The watcher that would receive the revision may itself be the slowest.
func TestTotalBoundCancelsTheReceiver(t *testing.T) {
	st := newStore(t, 0)
	h := newHub(st, Options{MaxTotalPendingEvents: 3})
	s := h.NewStream()
	s.Create(create("a", "", 0))
	for _, v := range []string{"1", "2", "3", "4"} {
		st.put("a", v)
		h.poll()
	}
	got := describe(take(t, s))
	if len(got) != 2 || got[0] != "id=0 rev=1 created" {
		t.Fatalf("got %q, want created then a cancel", got)
	}
	checkCanceledForLoad(t, got[1:], "id=0 rev=5 canceled")
	if q := h.queued(); q != (load{}) {
		t.Fatalf("%+v still queued", q)
	}
}

// A replaying watcher waits for room under the total instead of
// canceling anyone; a closed stream's leftovers stop counting.
func TestReplayWaitsForTotalRoom(t *testing.T) {
	st := newStore(t, 0)
	st.put("a", "1")
	h := newHub(st, Options{MaxTotalPendingEvents: 3})
	live := h.NewStream()
	live.Create(create("b", "", 0))
	st.put("b", "1")
	st.put("b", "2")
	st.put("b", "3")
	h.poll()
	replay := h.NewStream()
	replay.Create(create("a", "", 2))
	h.poll()
	check(t, take(t, replay), "id=0 rev=5 created")
	live.Close()
	if q := h.queued(); q != (load{}) {
		t.Fatalf("%+v queued after the live stream closed, want none", q)
	}
	h.poll()
	check(t, take(t, replay), "id=0 rev=5 PUT a@2=1")
}
