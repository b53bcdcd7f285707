package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// testCluster runs members in this process over loopback.
type testCluster struct {
	t       *testing.T
	addrs   map[uint64]string
	dirs    map[uint64]string
	servers map[uint64]*Server
	tune    func(*Config) // optional, applied to every member's config
}

func testConfig(id uint64, dir string, peers map[uint64]string) Config {
	return Config{
		ID: id, Dir: dir, Peers: peers,
		TickInterval: 10 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1,
		RequestTimeout: 5 * time.Second,
		// A small map: the race detector makes a 1 GiB one slow to set up.
		KV:     kv.Options{MmapBytes: 16 << 20},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// freeAddrs reserves n loopback ports by listening and closing.
func freeAddrs(t testing.TB, n int) []string {
	// Every listener stays open until all n are chosen, so the n
	// addresses differ.
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().String())
	}
	return out
}

func newTestCluster(t *testing.T, n int) *testCluster { return newTunedCluster(t, n, nil) }

func newTunedCluster(t *testing.T, n int, tune func(*Config)) *testCluster {
	c := &testCluster{t: t, addrs: map[uint64]string{}, dirs: map[uint64]string{}, servers: map[uint64]*Server{}, tune: tune}
	for i, a := range freeAddrs(t, n) {
		id := uint64(i + 1)
		c.addrs[id] = a
		c.dirs[id] = t.TempDir()
	}
	for id := range c.addrs {
		c.start(id, false)
	}
	t.Cleanup(c.stopAll)
	return c
}

func (c *testCluster) start(id uint64, join bool) {
	c.t.Helper()
	cfg := testConfig(id, c.dirs[id], c.addrs)
	cfg.Join = join
	if c.tune != nil {
		c.tune(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		c.t.Fatalf("starting member %d: %v", id, err)
	}
	c.servers[id] = s
}

func (c *testCluster) stop(id uint64) {
	c.t.Helper()
	if err := c.servers[id].Stop(); err != nil {
		c.t.Errorf("stopping member %d: %v", id, err)
	}
	delete(c.servers, id)
}

func (c *testCluster) stopAll() {
	for id := range c.servers {
		c.stop(id)
	}
}

// waitLeader waits until every running member agrees on one leader.
func (c *testCluster) waitLeader() uint64 {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var lead uint64
		agree := true
		for _, s := range c.servers {
			l := s.Status().Leader
			if l == 0 || (lead != 0 && l != lead) {
				agree = false
				break
			}
			lead = l
		}
		if agree && lead != 0 {
			if _, ok := c.servers[lead]; ok {
				return lead
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader agreed on within 10s")
	return 0
}

func put(t *testing.T, s *Server, k, v string) *pb.PutResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := s.Put(ctx, &pb.PutRequest{Key: []byte(k), Value: []byte(v)})
	if err != nil {
		t.Fatalf("put %s on %x: %v", k, s.ID(), err)
	}
	return resp
}

// get reads k linearizably and returns its value, or "" if missing.
func get(t *testing.T, s *Server, k string, serializable bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := s.Range(ctx, &pb.RangeRequest{Key: []byte(k), Serializable: serializable})
	if err != nil {
		t.Fatalf("get %s on %x: %v", k, s.ID(), err)
	}
	if len(resp.Kvs) == 0 {
		return ""
	}
	return string(resp.Kvs[0].Value)
}

func key(i int) string { return fmt.Sprintf("k%04d", i) }
