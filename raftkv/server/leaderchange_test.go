package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft/raftpb"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// slowElections gives followers a second before they campaign, so that a
// test can act between a leader's stop and the next election even on a
// loaded machine.
func slowElections(cfg *Config) { cfg.ElectionTicks = 100 }

// followerOf returns a running member other than lead.
func (c *testCluster) followerOf(lead uint64) *Server {
	for id, s := range c.servers {
		if id != lead {
			return s
		}
	}
	c.t.Fatal("no follower")
	return nil
}

// TestWriteLostWithLeaderEndsAtOnce: a follower forwards a write to a
// leader that has just stopped. The write is lost; once the next leader's
// first entry is applied the follower knows it can never apply, and ends
// it with ErrLeaderChanged instead of waiting out the 30 s deadline.
func TestWriteLostWithLeaderEndsAtOnce(t *testing.T) {
	c := newTunedCluster(t, 3, slowElections)
	lead := c.waitLeader()
	f := c.followerOf(lead)
	put(t, f, "warm", "1")
	c.stop(lead)
	if got := f.Status().Leader; got != lead {
		t.Fatalf("follower already sees leader %x before the write; the stop took too long", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := f.Put(ctx, &pb.PutRequest{Key: []byte("lost"), Value: []byte("1")})
	if !errors.Is(err, ErrLeaderChanged) {
		t.Fatalf("write forwarded to a stopped leader: %v, want ErrLeaderChanged", err)
	}
	c.waitLeader()
	if v := get(t, f, "lost", false); v != "" {
		t.Fatalf("the write reported lost was applied: lost = %q", v)
	}
}

// TestWritesAcrossLeaderStop: both followers write distinct keys while
// the leader stops, until each has had 10 writes acknowledged by the next
// leader. Every write ends with a result or an error saying it was not
// applied (none waits out its 30 s deadline), and afterwards each
// acknowledged key is there exactly once (version 1) and every other key
// is absent.
func TestWritesAcrossLeaderStop(t *testing.T) {
	c := newTunedCluster(t, 3, slowElections)
	lead := c.waitLeader()
	var followers []*Server
	for id, s := range c.servers {
		if id != lead {
			followers = append(followers, s)
		}
	}
	type result struct {
		key string
		err error
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	stopped := make(chan struct{})
	for _, f := range followers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			after := 0
			for i := 0; after < 10; i++ {
				var isAfter bool
				select {
				case <-stopped:
					isAfter = true
				default:
				}
				k := fmt.Sprintf("w%x-%03d", f.ID(), i)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := f.Put(ctx, &pb.PutRequest{Key: []byte(k), Value: []byte("1")})
				cancel()
				mu.Lock()
				results = append(results, result{k, err})
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond) // no leader yet: do not spin
				} else if isAfter {
					after++
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	c.stop(lead)
	close(stopped)
	wg.Wait()
	c.waitLeader()
	s := followers[0]
	outcomes := map[string]int{}
	for _, r := range results {
		outcomes[fmt.Sprint(r.err)]++
	}
	t.Logf("outcomes: %v", outcomes)
	for _, r := range results {
		resp, err := s.Range(context.Background(), &pb.RangeRequest{Key: []byte(r.key)})
		if err != nil {
			t.Fatalf("reading %s: %v", r.key, err)
		}
		switch {
		case r.err == nil:
			if len(resp.Kvs) != 1 || resp.Kvs[0].Version != 1 {
				t.Errorf("acknowledged %s: got %v, want it once (version 1)", r.key, resp.Kvs)
			}
		case errors.Is(r.err, ErrLeaderChanged), errors.Is(r.err, ErrNotLeader), errors.Is(r.err, ErrProposalDropped):
			if len(resp.Kvs) != 0 {
				t.Errorf("%s ended with %v but was applied", r.key, r.err)
			}
		default:
			t.Errorf("%s ended with %v, want a result or a not-applied error", r.key, r.err)
		}
	}
}

// TestProposalStampChecked: a forwarded proposal stamped with another
// term than the receiver's is dropped; one stamped with its term reaches
// raft without the stamp, which raft would refuse.
func TestProposalStampChecked(t *testing.T) {
	const term = 7
	m := raftpb.Message{Type: raftpb.MsgProp, From: 2, Entries: []raftpb.Entry{{Data: []byte("x")}}}
	for _, stamp := range []uint64{term - 1, term + 1} {
		m.Term = stamp
		if acceptProposal(&m, term) {
			t.Fatalf("a proposal stamped %d was accepted in term %d", stamp, term)
		}
	}
	m.Term = term
	if !acceptProposal(&m, term) || m.Term != 0 {
		t.Fatalf("a proposal stamped with the current term: refused, or stamp left (%d)", m.Term)
	}
	if !acceptProposal(&m, term) {
		t.Fatal("an unstamped proposal (older member) was refused")
	}
	app := raftpb.Message{Type: raftpb.MsgApp, Term: term + 1}
	if !acceptProposal(&app, term) || app.Term != term+1 {
		t.Fatal("a message other than MsgProp was touched")
	}
}
