package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestFollowerServesWatches: a watch on a follower sees a write made on
// the leader, from the follower's own applied state, and a watch started
// afterwards at an older revision replays it from the follower's history.
func TestFollowerServesWatches(t *testing.T) {
	c := newTestCluster(t, 3)
	lead := c.waitLeader()
	follower := c.servers[lead%3+1]
	ws := follower.WatchHub().NewStream()
	defer ws.Close()
	ws.Create(&pb.WatchCreateRequest{Key: []byte("w"), RangeEnd: []byte("x")})
	resp := put(t, c.servers[lead], "w1", "v")
	rev := resp.Header.Revision
	want := fmt.Sprintf("PUT w1@%d=v", rev)
	if got := nextEvent(t, ws); got != want {
		t.Fatalf("follower watch got %s, want %s", got, want)
	}
	replay := follower.WatchHub().NewStream()
	defer replay.Close()
	replay.Create(&pb.WatchCreateRequest{Key: []byte("w1"), StartRevision: rev})
	if got := nextEvent(t, replay); got != want {
		t.Fatalf("follower replay got %s, want %s", got, want)
	}
}

func nextEvent(t *testing.T, ws interface {
	Next(context.Context) ([]*pb.WatchResponse, error)
}) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		resps, err := ws.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resps {
			if r.Canceled {
				t.Fatalf("watch canceled: %q", r.CancelReason)
			}
			if len(r.Events) > 0 {
				ev := r.Events[0]
				return fmt.Sprintf("%s %s@%d=%s", ev.Type, ev.Kv.Key, ev.Kv.ModRevision, ev.Kv.Value)
			}
		}
	}
}
