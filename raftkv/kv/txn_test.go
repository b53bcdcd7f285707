package kv

import (
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestCompare runs compares against this state (revisions by hand):
//
//	a=10  create 2 mod 4 version 2   (put a=1 at 2, put a=10 at 4)
//	b=5   create 3 mod 3 version 1
//	c     missing
func TestCompare(t *testing.T) {
	s := openTest(t, Options{})
	applyOne(t, s, putCmd("a", "1"))
	applyOne(t, s, putCmd("b", "5"))
	applyOne(t, s, putCmd("a", "10"))

	const (
		eq  = etcdserverpb.Compare_EQUAL
		gt  = etcdserverpb.Compare_GREATER
		lt  = etcdserverpb.Compare_LESS
		ne  = etcdserverpb.Compare_NOT_EQUAL
		val = etcdserverpb.Compare_VALUE
		ver = etcdserverpb.Compare_VERSION
		cre = etcdserverpb.Compare_CREATE
		mod = etcdserverpb.Compare_MOD
		lea = etcdserverpb.Compare_LEASE
	)
	union := func(target etcdserverpb.Compare_CompareTarget, n int64, v string) etcdserverpb.Compare {
		c := etcdserverpb.Compare{Target: target}
		switch target {
		case val:
			c.TargetUnion = &etcdserverpb.Compare_Value{Value: []byte(v)}
		case ver:
			c.TargetUnion = &etcdserverpb.Compare_Version{Version: n}
		case cre:
			c.TargetUnion = &etcdserverpb.Compare_CreateRevision{CreateRevision: n}
		case mod:
			c.TargetUnion = &etcdserverpb.Compare_ModRevision{ModRevision: n}
		case lea:
			c.TargetUnion = &etcdserverpb.Compare_Lease{Lease: n}
		}
		return c
	}
	cases := []struct {
		key, end string
		target   etcdserverpb.Compare_CompareTarget
		result   etcdserverpb.Compare_CompareResult
		n        int64
		v        string
		want     bool
	}{
		{"a", "", val, eq, 0, "10", true},
		{"a", "", val, eq, 0, "1", false},
		{"a", "", val, gt, 0, "1", true}, // "10" > "1" bytewise
		{"a", "", val, lt, 0, "2", true}, // "10" < "2" bytewise
		{"a", "", val, ne, 0, "10", false},
		{"a", "", ver, eq, 2, "", true},
		{"a", "", ver, gt, 1, "", true},
		{"a", "", ver, lt, 2, "", false},
		{"a", "", cre, eq, 2, "", true},
		{"a", "", cre, lt, 3, "", true},
		{"a", "", mod, eq, 4, "", true},
		{"a", "", mod, gt, 4, "", false},
		{"a", "", mod, ne, 2, "", true},
		{"a", "", lea, eq, 0, "", true},
		{"b", "", mod, eq, 3, "", true},
		// A missing key has version, revisions and lease 0; its value
		// compare always fails, even against the empty value.
		{"c", "", ver, eq, 0, "", true},
		{"c", "", cre, eq, 0, "", true},
		{"c", "", mod, lt, 1, "", true},
		{"c", "", val, eq, 0, "", false},
		{"c", "", val, ne, 0, "x", false},
		// Over a range every key must pass.
		{"a", "c", cre, gt, 1, "", true},  // 2 and 3
		{"a", "c", cre, gt, 2, "", false}, // a's 2 fails
		{"a", "c", ver, lt, 3, "", true},  // 2 and 1
		{"a", "c", mod, eq, 4, "", false}, // b's 3 fails
		{"a", "\x00", val, ne, 0, "x", true},
		{"c", "d", ver, eq, 0, "", true}, // empty range compares zero
		{"c", "d", val, eq, 0, "", false},
	}
	for _, tc := range cases {
		c := union(tc.target, tc.n, tc.v)
		c.Key, c.RangeEnd, c.Result = []byte(tc.key), []byte(tc.end), tc.result
		before := s.Revision()
		r := applyOne(t, s, &Command{Txn: &etcdserverpb.TxnRequest{
			Compare: []*etcdserverpb.Compare{&c},
			Success: []*etcdserverpb.RequestOp{opRange("a", "")},
			Failure: []*etcdserverpb.RequestOp{opRange("b", "")},
		}})
		if r.Err != nil {
			t.Fatalf("%+v: %v", tc, r.Err)
		}
		tr := r.Response.GetResponseTxn()
		if tr.Succeeded != tc.want {
			t.Errorf("[%s,%s) %v %v %d %q: succeeded %v, want %v", tc.key, tc.end, tc.target, tc.result, tc.n, tc.v, tr.Succeeded, tc.want)
		}
		wantKey := "b"
		if tc.want {
			wantKey = "a"
		}
		if got := tr.Responses[0].GetResponseRange().Kvs[0].Key; string(got) != wantKey {
			t.Errorf("%+v: branch read %q, want %q", tc, got, wantKey)
		}
		if s.Revision() != before {
			t.Fatalf("read-only txn moved the revision from %d to %d", before, s.Revision())
		}
	}
}

// TestTxnSemantics checks how compares, nested txns and reads interact with
// the writes of the same txn.
func TestTxnSemantics(t *testing.T) {
	s := openTest(t, Options{})
	applyOne(t, s, putCmd("k", "v")) // rev 2
	modIs := func(k string, rev int64) *etcdserverpb.Compare {
		return &etcdserverpb.Compare{Key: []byte(k), Target: etcdserverpb.Compare_MOD,
			Result: etcdserverpb.Compare_EQUAL, TargetUnion: &etcdserverpb.Compare_ModRevision{ModRevision: rev}}
	}
	nested := &etcdserverpb.RequestOp{Request: &etcdserverpb.RequestOp_RequestTxn{RequestTxn: &etcdserverpb.TxnRequest{
		// Evaluated before the outer txn writes k, so k's mod revision is
		// still 2 here.
		Compare: []*etcdserverpb.Compare{modIs("k", 2)},
		Success: []*etcdserverpb.RequestOp{opPut("n", "yes")},
		Failure: []*etcdserverpb.RequestOp{opPut("n", "no")},
	}}}
	r := applyOne(t, s, &Command{Txn: &etcdserverpb.TxnRequest{
		Compare: []*etcdserverpb.Compare{modIs("k", 2)},
		Success: []*etcdserverpb.RequestOp{opPut("k", "w"), opRange("k", ""), nested},
	}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	tr := r.Response.GetResponseTxn()
	if !tr.Succeeded || len(tr.Responses) != 3 {
		t.Fatalf("txn response %v", tr)
	}
	// The read after the put sees it.
	kv := tr.Responses[1].GetResponseRange().Kvs[0]
	if string(kv.Value) != "w" || kv.ModRevision != 3 || kv.Version != 2 {
		t.Fatalf("read inside txn saw %v, want k=w mod 3 version 2", kv)
	}
	inner := tr.Responses[2].GetResponseTxn()
	if !inner.Succeeded || inner.Header.Revision != 3 || tr.Header.Revision != 3 {
		t.Fatalf("nested txn %v, outer header %v", inner, tr.Header)
	}
	want := []string{kvLine("k", "w", 2, 3, 2), kvLine("n", "yes", 3, 3, 1)}
	if got := liveKeys(t, s); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("keys %q, want %q", got, want)
	}
}
