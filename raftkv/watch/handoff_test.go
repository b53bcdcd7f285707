package watch

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestReplayThenLiveUnderConcurrentWrites starts watchers at several past
// revisions, and at the current one, while writes keep committing. Each
// must see every revision from its start to the last write exactly once,
// in order, whether the revision came from the replay or from publishing.
func TestReplayThenLiveUnderConcurrentWrites(t *testing.T) {
	const writes = 300
	last := int64(writes + 1)
	st := newStore(t, 0)
	// The limit is above the number of writes, so no watcher can be
	// canceled for being slow; TestReplayIsPacedByTheClient covers paging.
	h := newHub(st, Options{MaxPendingEvents: 2 * writes})
	h.Start()
	defer h.Stop()

	started := make(chan int64, 8)
	go func() {
		for i := 2; i <= int(last); i++ {
			st.put("k", itoa(i))
			if i%50 == 0 {
				started <- int64(i)
			}
		}
		close(started)
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for at := range started {
		for _, start := range []int64{2, at / 2, at, 0} {
			s := h.NewStream()
			s.Create(create("k", "", start))
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer s.Close()
				if err := expectRevisions(s, start, last); err != nil {
					errs <- fmt.Errorf("watch from %d created at %d: %w", start, at, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// expectRevisions reads s until revision last and checks that the events
// are on consecutive revisions from start (from the created revision + 1
// when start is 0), each carrying the value the writer gave it.
func expectRevisions(s *Stream, start, last int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := start
	for {
		resps, err := s.Next(ctx)
		if err != nil {
			return fmt.Errorf("waiting for revision %d: %w", want, err)
		}
		for _, r := range resps {
			switch {
			case r.Canceled:
				return fmt.Errorf("canceled at %d: %q", want, r.CancelReason)
			case r.Created:
				if want == 0 {
					want = r.Header.Revision + 1
				}
			}
			for _, ev := range r.Events {
				if ev.Kv.ModRevision != want || string(ev.Kv.Value) != itoa(int(want)) {
					return fmt.Errorf("got %s, want revision %d", describeEvent(ev), want)
				}
				want++
			}
			if want > last {
				return nil
			}
		}
	}
}
