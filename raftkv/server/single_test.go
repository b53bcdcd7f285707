package server

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestSingleMemberPutGetRestart(t *testing.T) {
	c := newTestCluster(t, 1)
	s := c.servers[1]
	if lead := c.waitLeader(); lead != 1 {
		t.Fatalf("leader %d, want 1", lead)
	}
	// A fresh store is at revision 1, so the first write makes revision 2.
	if r := put(t, s, "a", "1"); r.Header.Revision != 2 || r.Header.MemberId != 1 {
		t.Fatalf("first put header %+v, want revision 2 from member 1", r.Header)
	}
	put(t, s, "b", "2")
	if v := get(t, s, "a", false); v != "1" {
		t.Fatalf("a = %q, want 1", v)
	}
	ctx := context.Background()
	if _, err := s.Put(ctx, &pb.PutRequest{}); !errors.Is(err, kv.ErrInvalidRequest) {
		t.Fatalf("put with empty key: %v, want ErrInvalidRequest", err)
	}
	dr, err := s.DeleteRange(ctx, &pb.DeleteRangeRequest{Key: []byte("b")})
	if err != nil || dr.Deleted != 1 {
		t.Fatalf("delete b: %v, %+v", err, dr)
	}
	c.stop(1)
	c.start(1, false)
	s = c.servers[1]
	c.waitLeader()
	if v := get(t, s, "a", false); v != "1" {
		t.Fatalf("after restart a = %q, want 1", v)
	}
	if v := get(t, s, "b", false); v != "" {
		t.Fatalf("after restart b = %q, want deleted", v)
	}
	// The revision went 2 (a), 3 (b), 4 (delete b); the next put is 5.
	if r := put(t, s, "c", "3"); r.Header.Revision != 5 {
		t.Fatalf("put after restart at revision %d, want 5", r.Header.Revision)
	}
}

// TestNoGoroutinesLeftAfterStop: a member's goroutines (loop, workers,
// transport, snapshot streams) all end in Stop.
func TestNoGoroutinesLeftAfterStop(t *testing.T) {
	before := runtime.NumGoroutine()
	c := newTestCluster(t, 3)
	lead := c.waitLeader()
	put(t, c.servers[lead], "a", "1")
	get(t, c.servers[lead%3+1], "a", false)
	c.stopAll()
	var after int
	for range 200 {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines before, %d after Stop:\n%s", before, after, buf[:runtime.Stack(buf, true)])
}
