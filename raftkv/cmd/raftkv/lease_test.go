package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// TestLeasesThroughEtcdClient drives the whole lease API of a real member
// with etcd's Go client.
func TestLeasesThroughEtcdClient(t *testing.T) {
	cfg := memberConfig(t, 3, map[uint64]string{3: freePort(t)})
	conn, _ := runMember(t, cfg)
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{conn.Target()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	g, err := c.Grant(ctx, 60)
	if err != nil || g.TTL != 60 {
		t.Fatalf("grant: %v %v, want TTL 60", g, err)
	}
	if _, err := c.Lease.Grant(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "a", "1", clientv3.WithLease(g.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "b", "1", clientv3.WithLease(g.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "b", "2", clientv3.WithIgnoreLease()); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.TimeToLive(ctx, g.ID, clientv3.WithAttachedKeys())
	if err != nil || ttl.GrantedTTL != 60 || ttl.TTL < 1 || ttl.TTL > 60 || len(ttl.Keys) != 2 ||
		string(ttl.Keys[0]) != "a" || string(ttl.Keys[1]) != "b" {
		t.Fatalf("time to live: %+v %v, want granted 60, 1..60 left, keys a b", ttl, err)
	}
	ka, err := c.KeepAliveOnce(ctx, g.ID)
	if err != nil || ka.TTL != 60 || ka.ID != g.ID {
		t.Fatalf("keepalive once: %+v %v", ka, err)
	}
	kactx, kacancel := context.WithCancel(ctx)
	ch, err := c.KeepAlive(kactx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := <-ch; r == nil || r.TTL != 60 {
		t.Fatalf("keepalive stream answered %+v, want TTL 60", r)
	}
	kacancel()
	ls, err := c.Leases(ctx)
	if err != nil || len(ls.Leases) != 2 {
		t.Fatalf("leases: %+v %v, want two", ls, err)
	}
	if _, err := c.Revoke(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Get(ctx, "", clientv3.WithPrefix()); err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("keys after revoke: %v %v, want none", resp, err)
	}
	if ttl, err := c.TimeToLive(ctx, g.ID); err != nil || ttl.TTL != -1 {
		t.Fatalf("time to live of a revoked lease: %+v %v, want TTL -1", ttl, err)
	}
	if _, err := c.Revoke(ctx, g.ID); !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		t.Fatalf("second revoke: %v, want %v", err, rpctypes.ErrLeaseNotFound)
	}
	if _, err := c.KeepAliveOnce(ctx, g.ID); !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		t.Fatalf("keepalive of a revoked lease: %v, want %v", err, rpctypes.ErrLeaseNotFound)
	}
	if _, err := c.Grant(ctx, 9_000_000_001); !errors.Is(err, rpctypes.ErrLeaseTTLTooLarge) {
		t.Fatalf("huge TTL: %v, want %v", err, rpctypes.ErrLeaseTTLTooLarge)
	}

	// A short lease left alone expires, and not before its TTL.
	start := time.Now()
	short, err := c.Grant(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "s", "1", clientv3.WithLease(short.ID)); err != nil {
		t.Fatal(err)
	}
	for {
		resp, err := c.Get(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("a 1 s lease expired after %v", d)
	}
}
