package server

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestPeriodicPolicy(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

	// One hour: a sample every 6 minutes; the first compaction an hour
	// after start, to the revision noted at start.
	p := newPeriodicPolicy(time.Hour, t0)
	if p.interval() != 6*time.Minute {
		t.Fatalf("interval %v, want 6m", p.interval())
	}
	for m := 0; m < 60; m += 6 {
		if got := p.due(at(m), int64(100+m), 0); got != 0 {
			t.Fatalf("at %dm: compact to %d, want nothing before an hour", m, got)
		}
	}
	if got := p.due(at(60), 160, 0); got != 100 {
		t.Fatalf("at 60m: compact to %d, want 100 (the revision an hour ago)", got)
	}
	p.done(at(60))
	if len(p.samples) != 11 {
		t.Fatalf("%d samples kept, want the 11 of the last hour", len(p.samples))
	}
	// Next one an hour after the last, to the revision noted at 60m.
	for m := 66; m < 120; m += 6 {
		if got := p.due(at(m), int64(100+m), 99); got != 0 {
			t.Fatalf("at %dm: compact to %d, want nothing until an hour after the last", m, got)
		}
	}
	if got := p.due(at(120), 220, 99); got != 160 {
		t.Fatalf("at 120m: compact to %d, want 160", got)
	}

	// Ten hours: still a sample every 6 minutes, compactions hourly once
	// the first ten hours are over, each to the revision ten hours old.
	p = newPeriodicPolicy(10*time.Hour, t0)
	if p.interval() != 6*time.Minute {
		t.Fatalf("interval %v, want 6m", p.interval())
	}
	var compactions []int64
	for m := 0; m <= 12*60; m += 6 {
		if got := p.due(at(m), int64(100+m), 0); got != 0 {
			compactions = append(compactions, got)
			p.done(at(m))
		}
	}
	if !slices.Equal(compactions, []int64{100, 160, 220}) {
		t.Fatalf("compactions %v, want [100 160 220]: the revisions of 0h, 1h and 2h, at 10h, 11h and 12h", compactions)
	}

	// Nothing left to drop counts as done: the next try waits a step.
	p = newPeriodicPolicy(time.Hour, t0)
	for m := 0; m < 60; m += 6 {
		p.due(at(m), 50, 0)
	}
	if got := p.due(at(60), 50, 49); got != 0 {
		t.Fatalf("compact to %d with revision 50 already the oldest readable, want nothing", got)
	}
	if got := p.due(at(66), 80, 49); got != 0 {
		t.Fatalf("compact to %d six minutes after a check found nothing to drop, want nothing until an hour later", got)
	}

	if got := newPeriodicPolicy(time.Second, t0).interval(); got != 100*time.Millisecond {
		t.Fatalf("interval for 1s: %v, want 100ms", got)
	}
	if got := newPeriodicPolicy(5*time.Nanosecond, t0).interval(); got != time.Millisecond {
		t.Fatalf("interval for 5ns: %v, want the 1ms floor", got)
	}
}

func TestRevisionPolicy(t *testing.T) {
	p := &revisionPolicy{keep: 10, every: time.Minute}
	for _, tc := range []struct{ rev, compacted, want int64 }{
		{5, 0, 0},   // not 10 revisions yet
		{11, 0, 0},  // compacting to 1 drops nothing
		{20, 0, 10}, // keep 10..20
		{20, 8, 10},
		{20, 9, 0}, // 10 is already the oldest readable
		{20, 15, 0},
	} {
		if got := p.due(time.Time{}, tc.rev, tc.compacted); got != tc.want {
			t.Errorf("revision %d, compacted %d: compact to %d, want %d", tc.rev, tc.compacted, got, tc.want)
		}
	}
}

func TestAutoCompactionConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		ac   AutoCompaction
		want string
	}{
		{AutoCompaction{Period: -time.Second}, "Period is -1s"},
		{AutoCompaction{Revisions: -1}, "Revisions is -1"},
		{AutoCompaction{Period: time.Hour, Revisions: 10}, "both Period and Revisions"},
		{AutoCompaction{Revisions: 10, RevisionInterval: -time.Second}, "RevisionInterval is -1s"},
	} {
		cfg := testConfig(1, dir, map[uint64]string{1: "127.0.0.1:0"})
		cfg.AutoCompaction = tc.ac
		if s, err := New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			if s != nil {
				s.Stop()
			}
			t.Errorf("%+v: New gave %v, want an error containing %q", tc.ac, err, tc.want)
		}
	}
	cfg, err := testConfig(1, dir, map[uint64]string{1: "127.0.0.1:0"}).withDefaults()
	if err != nil || cfg.AutoCompaction.RevisionInterval != 5*time.Minute {
		t.Fatalf("defaults: %v, revision interval %v; want 5m", err, cfg.AutoCompaction.RevisionInterval)
	}
	if cfg.AutoCompaction.policy(time.Now()) != nil {
		t.Fatal("auto-compaction is on by default, want off")
	}
}

// proposers counts, per member, the auto-compactions the loop handed to
// raft.
type proposers struct {
	mu sync.Mutex
	n  map[uint64]int
}

func (p *proposers) hook(cfg *Config) {
	id := cfg.ID
	cfg.leaderOnlyProposed = func() {
		p.mu.Lock()
		p.n[id]++
		p.mu.Unlock()
	}
}

func (p *proposers) count(id uint64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[id]
}

// waitCompacted waits until every running member's oldest readable
// revision is oldest.
func (c *testCluster) waitCompacted(oldest int64) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for id, s := range c.servers {
		for s.KV().CompactedRevision() != oldest-1 {
			if time.Now().After(deadline) {
				c.t.Fatalf("member %x: oldest readable revision %d, want %d", id, s.KV().CompactedRevision()+1, oldest)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// checkOldest checks on every member that oldest is readable and the
// revision before it is compacted.
func (c *testCluster) checkOldest(key string, oldest int64) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for id, s := range c.servers {
		if _, err := s.Range(ctx, &pb.RangeRequest{Key: []byte(key), Revision: oldest, Serializable: true}); err != nil {
			c.t.Fatalf("member %x: read at %d: %v", id, oldest, err)
		}
		_, err := s.Range(ctx, &pb.RangeRequest{Key: []byte(key), Revision: oldest - 1, Serializable: true})
		if !errors.Is(err, kv.ErrCompacted) {
			c.t.Fatalf("member %x: read at %d: %v, want ErrCompacted", id, oldest-1, err)
		}
	}
}

func TestAutoCompactionRevisionMode(t *testing.T) {
	props := &proposers{n: map[uint64]int{}}
	c := newTunedCluster(t, 3, func(cfg *Config) {
		cfg.AutoCompaction = AutoCompaction{Revisions: 5, RevisionInterval: 20 * time.Millisecond}
		props.hook(cfg)
		steadyLeader(cfg)
	})
	// writeThenCheck writes puts through lead, waits for the history to be
	// compacted to 5 revisions, and checks that of the running members
	// only lead proposed compactions.
	writeThenCheck := func(stage string, lead uint64, puts int) {
		t.Helper()
		var rev int64
		for i := range puts {
			rev = put(t, c.servers[lead], "k", key(i)).Header.Revision
		}
		c.waitCompacted(rev - 5)
		c.checkOldest("k", rev-5)
		for id := range c.servers {
			if n := props.count(id); (id == lead) != (n > 0) {
				t.Fatalf("%s: member %x (leader %x) proposed %d auto-compactions; only the leader may, and it must", stage, id, lead, n)
			}
		}
	}
	lead := c.waitLeader()
	writeThenCheck("first leader", lead, 20)

	// A new leader carries on.
	c.stop(lead)
	writeThenCheck("after the change", c.waitLeader(), 10)
}

func TestAutoCompactionPeriodicMode(t *testing.T) {
	c := newTunedCluster(t, 3, func(cfg *Config) {
		cfg.AutoCompaction = AutoCompaction{Period: 300 * time.Millisecond}
	})
	lead := c.waitLeader()
	var rev int64
	for i := range 10 {
		rev = put(t, c.servers[lead], "k", key(i)).Header.Revision
	}
	// Once the writes are a period old, everything before the last is
	// dropped.
	c.waitCompacted(rev)
	c.checkOldest("k", rev)
	if got := get(t, c.servers[lead], "k", false); got != key(9) {
		t.Fatalf("k = %q after compaction, want %q", got, key(9))
	}
}

// steadyLeader makes an unwanted election unlikely on a loaded machine
// (a 500 ms election timeout): the tests below check which member
// proposed, or call the leader's own path, so they need the leader they
// found to stay leader.
func steadyLeader(cfg *Config) { cfg.ElectionTicks = 50 }

func TestAutoCompactOutcomes(t *testing.T) {
	c := newTunedCluster(t, 3, steadyLeader)
	lead := c.waitLeader()
	var rev int64
	for i := range 10 {
		rev = put(t, c.servers[lead], "k", key(i)).Header.Revision
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := c.servers[lead]
	if !s.autoCompact(ctx, "revision", rev-5) {
		t.Fatal("compacting on the leader: not done")
	}
	if !s.autoCompact(ctx, "revision", rev-7) {
		t.Fatal("compacting below the compacted revision: not done, want done (already compacted)")
	}
	if s.autoCompact(ctx, "revision", rev+100) {
		t.Fatal("compacting to a future revision: done")
	}
	for id, f := range c.servers {
		if id != lead && f.autoCompact(ctx, "revision", rev-2) {
			t.Fatalf("follower %x: compaction done, want refused", id)
		}
	}
	c.waitCompacted(rev - 5)
}
