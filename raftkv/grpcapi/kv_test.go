package grpcapi

import (
	"testing"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// keys lists the keys of kvs in order, as "key=value".
func pairs(kvs []*mvccpb.KeyValue) []string {
	out := make([]string, len(kvs))
	for i, kv := range kvs {
		out[i] = string(kv.Key) + "=" + string(kv.Value)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkHeader(t *testing.T, what string, h *pb.ResponseHeader, rev int64) {
	t.Helper()
	if h == nil {
		t.Fatalf("%s: no header", what)
	}
	if h.ClusterId != fakeClusterID || h.MemberId != fakeMemberID || h.RaftTerm != fakeTerm || h.Revision != rev {
		t.Fatalf("%s: header cluster %x member %x term %d rev %d, want %x %x %d %d",
			what, h.ClusterId, h.MemberId, h.RaftTerm, h.Revision, fakeClusterID, fakeMemberID, fakeTerm, rev)
	}
}

func TestPutGetDelete(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	c := env.client

	// A fresh store is at revision 1; each write that changes something
	// takes the next one.
	put, err := c.Put(ctx, "a", "1")
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "put a", put.Header, 2)
	if put.PrevKv != nil {
		t.Fatalf("put without prev_kv returned %v", put.PrevKv)
	}
	put, err = c.Put(ctx, "a", "2", clientv3.WithPrevKV())
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "second put a", put.Header, 3)
	if p := put.PrevKv; p == nil || string(p.Value) != "1" || p.ModRevision != 2 || p.Version != 1 {
		t.Fatalf("prev kv %v, want a=1 at mod revision 2, version 1", p)
	}

	get, err := c.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "get a", get.Header, 3)
	if len(get.Kvs) != 1 || get.Count != 1 {
		t.Fatalf("get a: %v, count %d", pairs(get.Kvs), get.Count)
	}
	if kv := get.Kvs[0]; string(kv.Value) != "2" || kv.CreateRevision != 2 || kv.ModRevision != 3 || kv.Version != 2 {
		t.Fatalf("get a: %v, want value 2, created 2, modified 3, version 2", kv)
	}

	miss, err := c.Get(ctx, "nope")
	if err != nil || len(miss.Kvs) != 0 || miss.Count != 0 {
		t.Fatalf("get of a missing key: %v, %v", miss, err)
	}

	del, err := c.Delete(ctx, "a", clientv3.WithPrevKV())
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "delete a", del.Header, 4)
	if del.Deleted != 1 || !equal(pairs(del.PrevKvs), []string{"a=2"}) {
		t.Fatalf("delete a: deleted %d, prev %v", del.Deleted, pairs(del.PrevKvs))
	}
	// Deleting nothing does not advance the revision.
	del, err = c.Delete(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "delete a again", del.Header, 4)
	if del.Deleted != 0 {
		t.Fatalf("second delete removed %d keys", del.Deleted)
	}
}

func TestRangesAndPrefixes(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	c := env.client
	for _, k := range []string{"b", "foo", "foo/1", "foo/2", "foo/3", "fop", "z"} {
		if _, err := c.Put(ctx, k, "v"+k); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		key   string
		opts  []clientv3.OpOption
		want  []string
		count int64
		more  bool
	}{
		{"prefix", "foo/", []clientv3.OpOption{clientv3.WithPrefix()}, []string{"foo/1=vfoo/1", "foo/2=vfoo/2", "foo/3=vfoo/3"}, 3, false},
		{"prefix limit", "foo/", []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithLimit(2)}, []string{"foo/1=vfoo/1", "foo/2=vfoo/2"}, 3, true},
		{"half-open range", "foo", []clientv3.OpOption{clientv3.WithRange("fop")}, []string{"foo=vfoo", "foo/1=vfoo/1", "foo/2=vfoo/2", "foo/3=vfoo/3"}, 4, false},
		{"from key", "fop", []clientv3.OpOption{clientv3.WithFromKey()}, []string{"fop=vfop", "z=vz"}, 2, false},
		{"count only", "f", []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCountOnly()}, nil, 5, false},
		{"keys only", "z", []clientv3.OpOption{clientv3.WithKeysOnly()}, []string{"z="}, 1, false},
		{"descending", "foo/", []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend), clientv3.WithLimit(1)}, []string{"foo/3=vfoo/3"}, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Get(ctx, tc.key, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := pairs(resp.Kvs); !equal(got, tc.want) || resp.Count != tc.count || resp.More != tc.more {
				t.Fatalf("got %v count %d more %v, want %v count %d more %v", got, resp.Count, resp.More, tc.want, tc.count, tc.more)
			}
			checkHeader(t, tc.name, resp.Header, 8)
		})
	}

	del, err := c.Delete(ctx, "foo/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if del.Deleted != 3 {
		t.Fatalf("prefix delete removed %d keys, want 3", del.Deleted)
	}
	rest, err := c.Get(ctx, "\x00", clientv3.WithFromKey())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pairs(rest.Kvs), []string{"b=vb", "foo=vfoo", "fop=vfop", "z=vz"}; !equal(got, want) {
		t.Fatalf("after prefix delete: %v, want %v", got, want)
	}
}

func TestTxn(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	c := env.client
	if _, err := c.Put(ctx, "k", "v1"); err != nil { // revision 2
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "k", "v2"); err != nil { // revision 3, version 2
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cmp  clientv3.Cmp
		ok   bool
	}{
		{"value equal", clientv3.Compare(clientv3.Value("k"), "=", "v2"), true},
		{"value greater", clientv3.Compare(clientv3.Value("k"), ">", "v3"), false},
		{"version", clientv3.Compare(clientv3.Version("k"), "=", 2), true},
		{"version of missing key", clientv3.Compare(clientv3.Version("missing"), "=", 0), true},
		{"mod revision", clientv3.Compare(clientv3.ModRevision("k"), "<", 3), false},
		{"create revision", clientv3.Compare(clientv3.CreateRevision("k"), "=", 2), true},
	}
	rev := int64(3)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Txn(ctx).If(tc.cmp).
				Then(clientv3.OpPut("then", tc.name), clientv3.OpGet("k")).
				Else(clientv3.OpPut("else", tc.name), clientv3.OpDelete("nothing")).
				Commit()
			if err != nil {
				t.Fatal(err)
			}
			if resp.Succeeded != tc.ok {
				t.Fatalf("succeeded %v, want %v", resp.Succeeded, tc.ok)
			}
			rev++ // either branch puts a key
			checkHeader(t, "txn", resp.Header, rev)
			if len(resp.Responses) != 2 {
				t.Fatalf("%d responses, want 2", len(resp.Responses))
			}
			for _, op := range resp.Responses {
				var h *pb.ResponseHeader
				switch r := op.Response.(type) {
				case *pb.ResponseOp_ResponsePut:
					h = r.ResponsePut.Header
				case *pb.ResponseOp_ResponseRange:
					h = r.ResponseRange.Header
					if got := pairs(r.ResponseRange.Kvs); !equal(got, []string{"k=v2"}) {
						t.Fatalf("get inside txn: %v", got)
					}
				case *pb.ResponseOp_ResponseDeleteRange:
					h = r.ResponseDeleteRange.Header
				}
				checkHeader(t, "txn op", h, rev)
			}
			branchKey := "else"
			if tc.ok {
				branchKey = "then"
			}
			got, err := c.Get(ctx, branchKey)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(pairs(got.Kvs), []string{branchKey + "=" + tc.name}) {
				t.Fatalf("%s after txn: %v", branchKey, pairs(got.Kvs))
			}
		})
	}
}
