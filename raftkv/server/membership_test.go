package server

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestWipedMemberRejoinsThroughSnapshot: member 3 loses its disk. It is
// removed and comes back under a new id (raft never reuses one) with an
// empty directory; the leader has compacted its log meanwhile, so the new
// member can only catch up through a snapshot.
func TestWipedMemberRejoinsThroughSnapshot(t *testing.T) {
	c := newTunedCluster(t, 3, func(cfg *Config) {
		cfg.SnapshotEntries, cfg.CompactTail = 20, 5
	})
	c.waitLeader()
	c.stop(3)
	if err := os.RemoveAll(c.dirs[3]); err != nil {
		t.Fatal(err)
	}
	lead := c.waitLeader()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.servers[lead].MemberRemove(ctx, &pb.MemberRemoveRequest{ID: 3}); err != nil {
		t.Fatalf("removing member 3: %v", err)
	}
	for i := range 60 {
		put(t, c.servers[lead], key(i), "before")
	}
	first, _ := c.servers[lead].wal.Storage().FirstIndex()
	if first <= 1 {
		t.Fatalf("leader's log starts at %d after 60 writes: it was never compacted", first)
	}
	c.addrs[4] = freeAddrs(t, 1)[0]
	c.dirs[4] = t.TempDir()
	delete(c.addrs, 3)
	if err := c.servers[lead].AddMember(ctx, 4, c.addrs[4], false); err != nil {
		t.Fatalf("adding member 4: %v", err)
	}
	c.start(4, true)
	c.waitLeader() // the newcomer learns the leader from its first message
	// The newcomer forwards the write to the leader. A forwarded proposal
	// lost while the newcomer's connections come up ends in ErrTimeout
	// (outcome unknown), and the client retries, as a real one would.
	for attempt := 0; ; attempt++ {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		_, err := c.servers[4].Put(pctx, &pb.PutRequest{Key: []byte("after"), Value: []byte("1")})
		pcancel()
		if err == nil {
			break
		}
		if !errors.Is(err, ErrTimeout) || attempt == 5 {
			t.Fatalf("put on member 4: %v", err)
		}
	}
	// The linearizable read on the newcomer needs its state at the
	// leader's commit index, so it holds the snapshot's keys too.
	if v := get(t, c.servers[4], "after", false); v != "1" {
		t.Fatalf("member 4 reads after = %q, want 1", v)
	}
	for i := range 60 {
		if v := get(t, c.servers[4], key(i), true); v != "before" {
			t.Fatalf("member 4 has %s = %q, want before", key(i), v)
		}
	}
	if first, _ := c.servers[4].wal.Storage().FirstIndex(); first <= 1 {
		t.Fatalf("member 4's log starts at %d: it did not install a snapshot", first)
	}
	list, err := c.servers[4].MemberList(ctx, &pb.MemberListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, m := range list.Members {
		ids = append(ids, m.ID)
		if len(m.PeerURLs) != 1 || m.PeerURLs[0] != "http://"+c.addrs[m.ID] {
			t.Errorf("member %d has peer URLs %v, want [http://%s]", m.ID, m.PeerURLs, c.addrs[m.ID])
		}
	}
	if !slices.Equal(ids, []uint64{1, 2, 4}) {
		t.Fatalf("member 4 lists members %v, want [1 2 4]", ids)
	}
}

// TestStoppedMemberFailsRequestsClearly: a request to a stopped member is
// refused with ErrStopped; a write that raft took but could not commit
// (no quorum) ends as ErrTimeout when the member stops, never as a
// failure, because it might still commit.
func TestStoppedMemberFailsRequestsClearly(t *testing.T) {
	c := newTestCluster(t, 3)
	lead := c.waitLeader()
	put(t, c.servers[lead], "a", "1")
	for id := range c.addrs {
		if id != lead {
			c.stop(id)
		}
	}
	s := c.servers[lead]
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := s.Put(ctx, &pb.PutRequest{Key: []byte("b"), Value: []byte("2")})
		errc <- err
	}()
	waitProposed(t, s)
	c.stop(lead)
	if err := <-errc; !errors.Is(err, ErrTimeout) {
		t.Fatalf("pending put at stop: %v, want ErrTimeout", err)
	}
	ctx := context.Background()
	if _, err := s.Put(ctx, &pb.PutRequest{Key: []byte("c")}); !errors.Is(err, ErrStopped) {
		t.Fatalf("put on a stopped member: %v, want ErrStopped", err)
	}
	if _, err := s.Range(ctx, &pb.RangeRequest{Key: []byte("a")}); !errors.Is(err, ErrStopped) {
		t.Fatalf("range on a stopped member: %v, want ErrStopped", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestDeadlineWithoutQuorum: without a quorum a write times out with
// ErrTimeout and a linearizable read does not return stale data.
func TestDeadlineWithoutQuorum(t *testing.T) {
	c := newTestCluster(t, 3)
	lead := c.waitLeader()
	put(t, c.servers[lead], "a", "1")
	var survivor uint64
	for id := range c.addrs {
		if id != lead && survivor == 0 {
			survivor = id
		} else {
			c.stop(id)
		}
	}
	s := c.servers[survivor]
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := s.Put(ctx, &pb.PutRequest{Key: []byte("b")}); !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrNotLeader) {
		t.Fatalf("put without quorum: %v, want ErrTimeout or ErrNotLeader", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := s.Range(ctx2, &pb.RangeRequest{Key: []byte("a")}); err == nil {
		t.Fatal("linearizable read without quorum succeeded")
	}
	if v := get(t, s, "a", true); v != "1" {
		t.Fatalf("serializable read = %q, want 1", v)
	}
}

func waitProposed(t *testing.T, s *Server) {
	t.Helper()
	for range 500 {
		s.waiters.mu.Lock()
		n := 0
		for _, w := range s.waiters.m {
			if w.term != 0 {
				n++
			}
		}
		s.waiters.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the write was never proposed")
}
