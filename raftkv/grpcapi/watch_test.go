package grpcapi

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftkv/watch"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// newWatchEnv serves a fake backend whose store keeps history revisions
// (0: all) and whose hub runs with opts.
func newWatchEnv(t *testing.T, history int64, opts watch.Options) *testEnv {
	t.Helper()
	b := newFakeBackend(t)
	store, err := kv.Open(filepath.Join(t.TempDir(), "watch.db"), kv.Options{Limits: testLimits, NoSync: true, HistoryRevisions: history})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b.store = store
	b.hub = watch.New(store, opts)
	b.hub.Start()
	t.Cleanup(b.hub.Stop)
	return newTestEnvOn(t, b)
}

// events reads wch until it has n events, failing on a cancel.
func events(t *testing.T, wch clientv3.WatchChan, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case resp, ok := <-wch:
			if !ok || resp.Canceled {
				t.Fatalf("watch ended after %q: %v", got, resp.Err())
			}
			if resp.Header.ClusterId != fakeClusterID || resp.Header.MemberId != fakeMemberID {
				t.Fatalf("response header %v lacks the cluster and member", resp.Header)
			}
			for _, ev := range resp.Events {
				got = append(got, eventString(ev))
			}
		case <-timeout:
			t.Fatalf("timed out with %q, want %d events", got, n)
		}
	}
	return got
}

func eventString(ev *clientv3.Event) string {
	s := fmt.Sprintf("%s %s@%d", ev.Type, ev.Kv.Key, ev.Kv.ModRevision)
	if ev.Type == mvccpb.PUT {
		s += "=" + string(ev.Kv.Value)
	}
	if ev.PrevKv != nil {
		s += " prev=" + string(ev.PrevKv.Value)
	}
	return s
}

func wantEvents(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func TestWatchWithTheEtcdClient(t *testing.T) {
	env := newWatchEnv(t, 0, watch.Options{})
	c := env.client
	ctx := testCtx(t)
	mustPut := func(k, v string) {
		if _, err := c.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	mustPut("a", "1") // 2
	mustPut("b", "1") // 3
	// Two watches on one stream: a prefix replayed from revision 2 with
	// previous values, and one key from now with puts filtered out.
	prefix := c.Watch(ctx, "a", clientv3.WithPrefix(), clientv3.WithRev(2), clientv3.WithPrevKV())
	delOnly := c.Watch(ctx, "a", clientv3.WithFilterPut())
	wantEvents(t, "replay", events(t, prefix, 1), "PUT a@2=1")
	mustPut("a", "2")                                                    // 4
	mustPut("ab", "1")                                                   // 5
	if _, err := c.Delete(ctx, "a", clientv3.WithPrefix()); err != nil { // 6
		t.Fatal(err)
	}
	wantEvents(t, "prefix", events(t, prefix, 4),
		"PUT a@4=2 prev=1", "PUT ab@5=1", "DELETE a@6 prev=2", "DELETE ab@6 prev=1")
	wantEvents(t, "deletes of a", events(t, delOnly, 1), "DELETE a@6")
}

func TestWatchCancelLeavesTheOthers(t *testing.T) {
	env := newWatchEnv(t, 0, watch.Options{})
	c := env.client
	ctx := testCtx(t)
	cctx, cancel := context.WithCancel(ctx)
	gone := c.Watch(cctx, "k")
	stays := c.Watch(ctx, "k")
	cancel()
	for range gone { // the client closes the channel once canceled
	}
	if _, err := c.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "remaining watch", events(t, stays, 1), "PUT k@2=v")
}

func TestWatchCompactedRevision(t *testing.T) {
	env := newWatchEnv(t, 2, watch.Options{})
	c := env.client
	ctx := testCtx(t)
	for i := 0; i < 5; i++ { // revisions 2..6; 6 - 2 = 4 compacted
		if _, err := c.Put(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		}
	}
	resp := <-c.Watch(ctx, "k", clientv3.WithRev(3))
	if !resp.Canceled || resp.CompactRevision != 5 || !errors.Is(resp.Err(), rpctypes.ErrCompacted) {
		t.Fatalf("watch from a compacted revision: canceled %v compact %d err %v; want canceled at 5 with ErrCompacted",
			resp.Canceled, resp.CompactRevision, resp.Err())
	}
	wantEvents(t, "watch from the compact revision", events(t, c.Watch(ctx, "k", clientv3.WithRev(5)), 2), "PUT k@5=v", "PUT k@6=v")
}

func TestWatchProgress(t *testing.T) {
	env := newWatchEnv(t, 0, watch.Options{ProgressInterval: 20 * time.Millisecond})
	c := env.client
	ctx := testCtx(t)
	if _, err := c.Put(ctx, "other", "v"); err != nil { // 2
		t.Fatal(err)
	}
	wch := c.Watch(ctx, "k", clientv3.WithProgressNotify())
	waitProgress := func(what string) {
		t.Helper()
		for resp := range wch {
			if resp.IsProgressNotify() {
				if resp.Header.Revision != 2 {
					t.Fatalf("%s at revision %d, want 2", what, resp.Header.Revision)
				}
				return
			}
		}
		t.Fatalf("watch ended before a %s", what)
	}
	waitProgress("periodic notification")
	if err := c.RequestProgress(ctx); err != nil {
		t.Fatal(err)
	}
	waitProgress("requested progress")
}

func TestWatchRawStream(t *testing.T) {
	env := newWatchEnv(t, 0, watch.Options{})
	ctx := testCtx(t)
	w, err := pb.NewWatchClient(env.conn).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send := func(r *pb.WatchRequest) {
		if err := w.Send(r); err != nil {
			t.Fatal(err)
		}
	}
	createReq := func(id int64, key string) *pb.WatchRequest {
		return &pb.WatchRequest{RequestUnion: &pb.WatchRequest_CreateRequest{
			CreateRequest: &pb.WatchCreateRequest{WatchId: id, Key: []byte(key)}}}
	}
	send(createReq(7, "x"))
	send(createReq(0, "y"))
	send(createReq(7, "z"))
	send(&pb.WatchRequest{RequestUnion: &pb.WatchRequest_CancelRequest{CancelRequest: &pb.WatchCancelRequest{WatchId: 7}}})
	want := []string{
		"id=7 created=true canceled=false reason=",
		"id=0 created=true canceled=false reason=",
		"id=-1 created=true canceled=true reason=mvcc: duplicate watch ID provided on the WatchStream",
		"id=7 created=false canceled=true reason=",
	}
	for _, line := range want {
		r, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("id=%d created=%v canceled=%v reason=%s", r.WatchId, r.Created, r.Canceled, r.CancelReason)
		if got != line || r.Header.Revision != 1 || r.Header.MemberId != fakeMemberID {
			t.Fatalf("got %s (header %v), want %s at revision 1", got, r.Header, line)
		}
	}
	// Closing the client's side ends no watch.
	if err := w.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.Put(ctx, "y", "1"); err != nil {
		t.Fatal(err)
	}
	r, err := w.Recv()
	if err != nil || r.WatchId != 0 || len(r.Events) != 1 || string(r.Events[0].Kv.Key) != "y" {
		t.Fatalf("after CloseSend: %v, %v; want the put of y on watch 0", r, err)
	}
}

func TestWatchFragmentsJoinedByTheClient(t *testing.T) {
	env := newWatchEnv(t, 0, watch.Options{MaxResponseBytes: 1500})
	c := env.client
	ctx := testCtx(t)
	wch := c.Watch(ctx, "f", clientv3.WithPrefix(), clientv3.WithFragment())
	raw, err := pb.NewWatchClient(env.conn).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Send(&pb.WatchRequest{RequestUnion: &pb.WatchRequest_CreateRequest{CreateRequest: &pb.WatchCreateRequest{
		Key: []byte("f"), RangeEnd: []byte("g"), Fragment: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := raw.Recv(); err != nil || !r.Created {
		t.Fatalf("raw watch: %v, %v; want created", r, err)
	}
	v := strings.Repeat("v", 1000)
	if _, err := c.Txn(ctx).Then(clientv3.OpPut("f1", v), clientv3.OpPut("f2", v), clientv3.OpPut("f3", v)).Commit(); err != nil {
		t.Fatal(err)
	}
	// The server sends one event per response, all but the last marked
	// as fragments; etcd's client joins them into one.
	for i := range 3 {
		r, err := raw.Recv()
		if err != nil || len(r.Events) != 1 || r.Fragment != (i < 2) {
			t.Fatalf("raw response %d: %v, %v; want one event, fragment %v", i, r, err, i < 2)
		}
	}
	resp := <-wch
	if err := resp.Err(); err != nil || len(resp.Events) != 3 {
		t.Fatalf("fragmented revision through the client: %d events, err %v; want 3 in one response", len(resp.Events), err)
	}
}

func TestEndWatchesLetsAGracefulStopFinish(t *testing.T) {
	b := newFakeBackend(t)
	b.hub = watch.New(b.store, watch.Options{})
	b.hub.Start()
	t.Cleanup(b.hub.Stop)
	srv, g, addr := startGRPC(t, Config{Backend: b})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := testCtx(t)
	w, err := pb.NewWatchClient(conn).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Send(&pb.WatchRequest{RequestUnion: &pb.WatchRequest_CreateRequest{CreateRequest: &pb.WatchCreateRequest{Key: []byte("k")}}}); err != nil {
		t.Fatal(err)
	}
	if r, err := w.Recv(); err != nil || !r.Created {
		t.Fatalf("create: %v, %v", r, err)
	}
	srv.EndWatches()
	stopped := make(chan struct{})
	go func() {
		g.GracefulStop()
		close(stopped)
	}()
	_, err = w.Recv()
	wantStatus(t, "watch after EndWatches", err, codes.Unavailable, "server stopped")
	select {
	case <-stopped:
	case <-ctx.Done():
		t.Fatal("GracefulStop still waits for the watch stream")
	}
}
