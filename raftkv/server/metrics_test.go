package server

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// recorder is a metrics.Hooks that keeps every event.
type recorder struct {
	mu        sync.Mutex
	proposals []proposalEvent
	syncs     []time.Duration
	leaders   []leaderEvent
	taken     int
	sent      int
	restored  int
	dropped   map[uint64]int
}

type proposalEvent struct {
	elapsed time.Duration
	err     error
}

type leaderEvent struct {
	lead uint64
	self bool
}

func newRecorder() *recorder { return &recorder{dropped: map[uint64]int{}} }

func (r *recorder) ProposalDone(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.proposals = append(r.proposals, proposalEvent{d, err})
}

func (r *recorder) WALSync(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.syncs = append(r.syncs, d)
}

func (r *recorder) LeaderChanged(lead uint64, self bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leaders = append(r.leaders, leaderEvent{lead, self})
}

func (r *recorder) SnapshotTaken()    { r.count(&r.taken) }
func (r *recorder) SnapshotSent()     { r.count(&r.sent) }
func (r *recorder) SnapshotRestored() { r.count(&r.restored) }

func (r *recorder) count(n *int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*n++
}

func (r *recorder) MessageDropped(to uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropped[to]++
}

// read runs f on the recorder under its lock.
func (r *recorder) read(f func(*recorder)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

// eventually polls cond for up to 30 s (a loaded machine under the race
// detector is slow to catch a member up); workers report asynchronously.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestMetricsHooks: every hook fires on a three-member cluster. Writes
// are synced and timed, the election is reported on each member, the
// leader takes snapshots past the threshold, drops messages for a stopped
// follower, and, its log compacted, catches the follower up with a
// snapshot that the follower restores.
func TestMetricsHooks(t *testing.T) {
	recs := map[uint64]*recorder{1: newRecorder(), 2: newRecorder(), 3: newRecorder()}
	c := newTunedCluster(t, 3, func(cfg *Config) {
		cfg.SnapshotEntries, cfg.CompactTail = 20, 5
		cfg.Metrics = recs[cfg.ID]
	})
	lead := c.waitLeader()
	for id, r := range recs {
		want := leaderEvent{lead, id == lead}
		eventually(t, "the leader change on each member", func() (ok bool) {
			r.read(func(r *recorder) { ok = len(r.leaders) > 0 && r.leaders[len(r.leaders)-1] == want })
			return ok
		})
	}

	put(t, c.servers[lead], "a", "1")
	recs[lead].read(func(r *recorder) {
		if len(r.proposals) != 1 || r.proposals[0].err != nil || r.proposals[0].elapsed <= 0 {
			t.Errorf("after one put the leader recorded proposals %v, want one applied with a positive duration", r.proposals)
		}
		if len(r.syncs) == 0 {
			t.Error("the leader wrote a log entry without reporting a WAL sync")
		}
		for _, d := range r.syncs {
			if d <= 0 {
				t.Errorf("WAL sync reported with duration %v", d)
			}
		}
	})

	follower := lead%3 + 1
	var droppedBefore int // members may drop messages while they start up
	recs[lead].read(func(r *recorder) { droppedBefore = r.dropped[follower] })
	stopped := c.servers[follower]
	c.stop(follower)
	_, err := stopped.Put(context.Background(), &pb.PutRequest{Key: []byte("b"), Value: []byte("1")})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("put on a stopped member: %v, want ErrStopped", err)
	}
	recs[follower].read(func(r *recorder) {
		if n := len(r.proposals); n != 1 || r.proposals[0].err == nil {
			t.Errorf("a stopped member recorded proposals %v, want one failure", r.proposals)
		}
	})

	// 60 writes pass the threshold of 20 applied entries at least twice.
	for i := range 60 {
		put(t, c.servers[lead], key(i), "v")
	}
	eventually(t, "two snapshots on the leader", func() (ok bool) {
		recs[lead].read(func(r *recorder) { ok = r.taken >= 2 })
		return ok
	})
	eventually(t, "messages dropped for the stopped follower", func() (ok bool) {
		recs[lead].read(func(r *recorder) { ok = r.dropped[follower] > droppedBefore })
		return ok
	})
	recs[lead].read(func(r *recorder) {
		if len(r.proposals) != 61 {
			t.Errorf("leader recorded %d proposals, want 61", len(r.proposals))
		}
	})

	c.start(follower, false)
	// The leader's log starts past the follower's, so only a snapshot
	// can catch it up. Each side reports once its part is done. On a
	// loaded machine leadership may move meanwhile, and then the other
	// member sends it: count what any member sent.
	polls := 0
	eventually(t, "a snapshot sent and restored", func() (ok bool) {
		var sent, restored int
		for id, rec := range recs {
			if id != follower {
				rec.read(func(r *recorder) { sent += r.sent })
			}
		}
		recs[follower].read(func(r *recorder) { restored = r.restored })
		if sent > 0 && restored > 0 {
			return true
		}
		if polls++; polls%100 == 0 {
			t.Logf("sent %d, restored %d, follower %+v", sent, restored, c.servers[follower].Status())
		}
		return false
	})
	if v := get(t, c.servers[follower], key(59), true); v != "v" {
		t.Fatalf("follower's local %s = %q after the snapshot, want v", key(59), v)
	}
	recs[lead].read(func(r *recorder) {
		if r.sent != 1 {
			t.Errorf("leader sent %d snapshots, want 1", r.sent)
		}
	})
	recs[follower].read(func(r *recorder) {
		if r.restored != 1 {
			t.Errorf("follower restored %d snapshots, want 1", r.restored)
		}
	})
}
