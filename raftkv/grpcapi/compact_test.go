package grpcapi

import (
	"errors"
	"testing"

	"github.com/tickraft/raft/raftkv/watch"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
)

// TestCompact: k=1..5 at revisions 2..6, then Compact(4) through the etcd
// client: 4 stays readable and watchable, 3 is gone for reads and watches.
func TestCompact(t *testing.T) {
	env := newWatchEnv(t, 0, watch.Options{})
	c := env.client
	ctx := testCtx(t)
	for _, v := range []string{"1", "2", "3", "4", "5"} {
		if _, err := c.Put(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Compact(ctx, 7); !errors.Is(err, rpctypes.ErrFutureRev) {
		t.Fatalf("compact 7 at revision 6: %v, want %v", err, rpctypes.ErrFutureRev)
	}
	resp, err := c.Compact(ctx, 4, clientv3.WithCompactPhysical())
	if err != nil || resp.Header.Revision != 6 || resp.Header.MemberId != fakeMemberID {
		t.Fatalf("compact 4: %v, %v; want header revision 6 from member %x", resp, err, fakeMemberID)
	}
	if _, err := c.Compact(ctx, 4); !errors.Is(err, rpctypes.ErrCompacted) {
		t.Fatalf("compact 4 again: %v, want %v", err, rpctypes.ErrCompacted)
	}
	if _, err := c.Get(ctx, "k", clientv3.WithRev(3)); !errors.Is(err, rpctypes.ErrCompacted) {
		t.Fatalf("read at 3: %v, want %v", err, rpctypes.ErrCompacted)
	}
	got, err := c.Get(ctx, "k", clientv3.WithRev(4))
	if err != nil || !equal(pairs(got.Kvs), []string{"k=3"}) || got.Header.Revision != 6 {
		t.Fatalf("read at 4: %v, %v; want k=3 with header revision 6", got, err)
	}
	w := <-c.Watch(ctx, "k", clientv3.WithRev(3))
	if !w.Canceled || w.CompactRevision != 4 || !errors.Is(w.Err(), rpctypes.ErrCompacted) {
		t.Fatalf("watch from 3: canceled %v compact %d err %v; want canceled at 4 with ErrCompacted",
			w.Canceled, w.CompactRevision, w.Err())
	}
	wantEvents(t, "watch from 4", events(t, c.Watch(ctx, "k", clientv3.WithRev(4)), 3), "PUT k@4=3", "PUT k@5=4", "PUT k@6=5")
}

// bareBackend hides the fake backend's optional methods (Compact,
// DatabaseSnapshot), leaving only Backend's.
type bareBackend struct{ Backend }

func TestCompactUnsupportedBackend(t *testing.T) {
	k := kvService{s: &Server{backend: bareBackend{newFakeBackend(t)}}}
	_, err := k.Compact(testCtx(t), &pb.CompactionRequest{Revision: 1})
	wantStatus(t, "compact", err, codes.Unimplemented, "compaction")
}
