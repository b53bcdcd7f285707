package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestConcurrentPutsShareSaves holds one wal.Save while puts queue up
// behind it, one MsgStorageAppend each; once released, the append
// goroutine must write the queued ones together: fewer Saves than puts,
// and some Save carrying more than one message.
func TestConcurrentPutsShareSaves(t *testing.T) {
	const puts = 20
	var (
		armed   atomic.Bool
		saves   atomic.Int64
		maxMsgs atomic.Int64
		gate    = make(chan struct{})
		held    = make(chan struct{})
		once    sync.Once
	)
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	c := newTunedCluster(t, 1, func(cfg *Config) {
		cfg.beforeSave = func(msgs int) {
			saves.Add(1)
			if int64(msgs) > maxMsgs.Load() {
				maxMsgs.Store(int64(msgs))
			}
			if armed.CompareAndSwap(true, false) {
				close(held)
				<-gate
			}
		}
	})
	c.waitLeader()
	s := c.servers[1]
	put(t, s, "warm", "up")

	saves.Store(0)
	maxMsgs.Store(0)
	armed.Store(true)
	var wg sync.WaitGroup
	errs := make(chan error, puts)
	for i := range puts {
		before := len(s.appendc)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := s.Put(ctx, &pb.PutRequest{Key: []byte(key(i)), Value: []byte("v")}); err != nil {
				errs <- fmt.Errorf("put %d: %w", i, err)
			}
		}()
		if i == 0 {
			select {
			case <-held:
			case <-time.After(10 * time.Second):
				t.Fatal("no Save started after the first put")
			}
			continue
		}
		// Put i is proposed on its own and queues its own append.
		waitQueued(t, s, before+1)
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := saves.Load(); n >= puts {
		t.Fatalf("%d wal.Saves for %d concurrent puts, want fewer", n, puts)
	}
	if maxMsgs.Load() < 2 {
		t.Fatalf("no Save merged queued appends (largest carried %d)", maxMsgs.Load())
	}
}

// waitQueued waits until at least n appends wait behind the held Save.
func waitQueued(t *testing.T, s *Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(s.appendc) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d appends queued, waited for %d", len(s.appendc), n)
		}
		time.Sleep(time.Millisecond)
	}
}
