package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestLessorDeadlines(t *testing.T) {
	l := newLessor()
	t0 := time.Unix(1000, 0)
	l.reload([]kv.Lease{{ID: 1, TTL: 5}, {ID: 2, TTL: 60}}, t0)
	if _, err := l.renew(1, t0); !errors.Is(err, ErrNotPrimary) {
		t.Fatalf("renew on a follower: %v, want ErrNotPrimary", err)
	}
	if ids := l.expired(t0.Add(time.Hour), 10, time.Second); len(ids) != 0 {
		t.Fatalf("a follower expired %v", ids)
	}
	// Becoming leader 100 s later restarts every deadline from then.
	t1 := t0.Add(100 * time.Second)
	l.setPrimary(true, t1)
	if left, err := l.remaining(1, t1); err != nil || left != 5*time.Second {
		t.Fatalf("lease 1 after promotion: %v left, %v; want 5s", left, err)
	}
	if ids := l.expired(t1.Add(4*time.Second), 10, time.Second); len(ids) != 0 {
		t.Fatalf("expired %v before the TTL", ids)
	}
	// A keepalive at +4 s moves lease 1's deadline to +9 s.
	if ttl, err := l.renew(1, t1.Add(4*time.Second)); err != nil || ttl != 5*time.Second {
		t.Fatalf("renew: %v %v, want 5s", ttl, err)
	}
	if ids := l.expired(t1.Add(8*time.Second), 10, time.Second); len(ids) != 0 {
		t.Fatalf("expired %v before the renewed deadline", ids)
	}
	ids := l.expired(t1.Add(9*time.Second), 10, time.Second)
	if len(ids) != 1 || ids[0] != 1 {
		t.Fatalf("expired %v at the renewed deadline, want [1]", ids)
	}
	// In flight: not proposed again until the retry interval passed.
	if ids := l.expired(t1.Add(9*time.Second+500*time.Millisecond), 10, time.Second); len(ids) != 0 {
		t.Fatalf("re-proposed %v within the retry interval", ids)
	}
	if ids := l.expired(t1.Add(10*time.Second), 10, time.Second); len(ids) != 1 {
		t.Fatalf("retry after the interval gave %v, want [1]", ids)
	}
	l.applied(&kv.LeaseResult{Revoked: 1}, t1)
	if _, err := l.renew(1, t1); !errors.Is(err, kv.ErrLeaseNotFound) {
		t.Fatalf("renew of a revoked lease: %v, want ErrLeaseNotFound", err)
	}
}

func TestLessorExpiresInBatches(t *testing.T) {
	l := newLessor()
	t0 := time.Unix(1000, 0)
	var ls []kv.Lease
	for i := range 150 {
		ls = append(ls, kv.Lease{ID: int64(i + 1), TTL: 1})
	}
	l.reload(ls, t0)
	l.setPrimary(true, t0)
	later := t0.Add(2 * time.Second)
	seen := map[int64]bool{}
	for _, want := range []int{64, 64, 22, 0} {
		ids := l.expired(later, 64, time.Minute)
		if len(ids) != want {
			t.Fatalf("batch of %d, want %d", len(ids), want)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("lease %d expired twice", id)
			}
			seen[id] = true
		}
	}
}

func grantLease(t *testing.T, s *Server, ttl int64) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := s.LeaseGrant(ctx, &pb.LeaseGrantRequest{TTL: ttl})
	if err != nil {
		t.Fatalf("grant on %x: %v", s.ID(), err)
	}
	if resp.TTL != ttl || resp.ID <= 0 {
		t.Fatalf("grant gave %v, want ttl %d and a positive id", resp, ttl)
	}
	return resp.ID
}

func putLeased(t *testing.T, s *Server, k string, lease int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Put(ctx, &pb.PutRequest{Key: []byte(k), Value: []byte("v"), Lease: lease}); err != nil {
		t.Fatalf("put %s with lease %d: %v", k, lease, err)
	}
}

// waitGone polls the members' local state until k is gone from all of
// them and returns when that was seen; it fails after limit.
func waitGone(t *testing.T, c *testCluster, k string, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		gone := true
		for _, s := range c.servers {
			if get(t, s, k, true) != "" {
				gone = false
			}
		}
		if gone {
			return time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s still present after %v", k, limit)
	return time.Time{}
}

// sameRevision checks that every member reached the same revision.
func sameRevision(t *testing.T, c *testCluster) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		revs := map[int64]bool{}
		for _, s := range c.servers {
			revs[s.KV().Revision()] = true
		}
		if len(revs) == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("members did not converge on one revision")
}

// TestLeaseExpiryKeepAliveRevoke runs the lease life cycle on a cluster:
// one lease expires without keepalives, never before its TTL; one kept
// alive well past its TTL survives, then expires once left alone; one is
// revoked through a follower.
func TestLeaseExpiryKeepAliveRevoke(t *testing.T) {
	c := newTestCluster(t, 3)
	lead := c.servers[c.waitLeader()]
	var follower *Server
	for id, s := range c.servers {
		if id != lead.ID() {
			follower = s
		}
	}
	const ttl = 2
	start := time.Now()
	idle := grantLease(t, lead, ttl)
	kept := grantLease(t, follower, ttl)
	revoked := grantLease(t, follower, 60)
	putLeased(t, follower, "idle", idle)
	putLeased(t, lead, "kept", kept)
	putLeased(t, lead, "r1", revoked)
	putLeased(t, lead, "r2", revoked)

	// Keep "kept" alive for twice its TTL; "idle" expires meanwhile.
	var lastRenew time.Time
	for time.Since(start) < 2*ttl*time.Second {
		lastRenew = time.Now()
		got, err := lead.LeaseRenew(context.Background(), kept)
		if err != nil || got != ttl {
			t.Fatalf("keepalive: %d %v, want %d", got, err, ttl)
		}
		if _, err := follower.LeaseRenew(context.Background(), kept); !errors.Is(err, ErrNotPrimary) {
			t.Fatalf("keepalive on a follower: %v, want ErrNotPrimary", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	gone := waitGone(t, c, "idle", 30*time.Second)
	if gone.Sub(start) < ttl*time.Second {
		t.Fatalf("idle lease expired after %v, before its TTL of %ds", gone.Sub(start), ttl)
	}
	if v := get(t, lead, "kept", false); v != "v" {
		t.Fatalf("kept-alive key = %q, want v", v)
	}
	gone = waitGone(t, c, "kept", 30*time.Second)
	if gone.Sub(lastRenew) < ttl*time.Second {
		t.Fatalf("kept lease expired %v after the last keepalive, before its TTL", gone.Sub(lastRenew))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The revision before the revoke, read in the same bbolt transaction as
	// the data (KV().Revision() is refreshed just after a commit, so right
	// after the "kept" revoke it can still show the revision before it).
	// The leader's linearizable read has seen every write so far.
	cur, err := lead.Range(ctx, &pb.RangeRequest{Key: []byte("kept")})
	if err != nil {
		t.Fatal(err)
	}
	before := cur.Header.Revision
	resp, err := follower.LeaseRevoke(ctx, &pb.LeaseRevokeRequest{ID: revoked})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Revision != before+1 {
		t.Fatalf("revoke of two keys at revision %d, want one step from %d", resp.Header.Revision, before)
	}
	waitGone(t, c, "r1", 10*time.Second)
	waitGone(t, c, "r2", 10*time.Second)
	if _, err := follower.LeaseRevoke(ctx, &pb.LeaseRevokeRequest{ID: revoked}); !errors.Is(err, kv.ErrLeaseNotFound) {
		t.Fatalf("second revoke: %v, want ErrLeaseNotFound", err)
	}
	sameRevision(t, c)
	ls, err := follower.LeaseLeases(ctx, &pb.LeaseLeasesRequest{})
	if err != nil || len(ls.Leases) != 0 {
		t.Fatalf("leases left: %v %v, want none", ls, err)
	}
}

// TestLeaseFailoverDoesNotExpireEarly: a lease granted, then left for most
// of its TTL, then its leader stops. The new leader restarts the deadline,
// so the key must outlive the stop by a full TTL, and still expire.
func TestLeaseFailoverDoesNotExpireEarly(t *testing.T) {
	c := newTestCluster(t, 3)
	lead := c.servers[c.waitLeader()]
	const ttl = 3
	id := grantLease(t, lead, ttl)
	putLeased(t, lead, "f", id)
	sameRevision(t, c)
	time.Sleep(2 * time.Second)
	stopped := time.Now()
	c.stop(lead.ID())
	newLead := c.servers[c.waitLeader()]
	if v := get(t, newLead, "f", false); v != "v" {
		t.Fatalf("key lost at failover: %q", v)
	}
	gone := waitGone(t, c, "f", 60*time.Second)
	if gone.Sub(stopped) < ttl*time.Second {
		t.Fatalf("lease expired %v after the leader stopped, before a full TTL of %ds", gone.Sub(stopped), ttl)
	}
	sameRevision(t, c)
}
