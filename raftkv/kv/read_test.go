package kv

import (
	"errors"
	"slices"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// rangeFixture: keys written in this order, one revision each (2..6), then
// b rewritten at 7:
//
//	a=3 (c2 m2 v1)  b=1 (c3 m7 v2)  ba=5 (c4 m4 v1)  c=2 (c5 m5 v1)  d=4 (c6 m6 v1)
func rangeFixture(t *testing.T) *KV {
	s := openTest(t, Options{})
	for _, kv := range [][2]string{{"a", "3"}, {"b", "0"}, {"ba", "5"}, {"c", "2"}, {"d", "4"}, {"b", "1"}} {
		applyOne(t, s, putCmd(kv[0], kv[1]))
	}
	return s
}

func TestRange(t *testing.T) {
	s := rangeFixture(t)
	type req = etcdserverpb.RangeRequest
	cases := []struct {
		name  string
		req   req
		keys  []string
		count int64
		more  bool
	}{
		{"one key", req{Key: []byte("b")}, []string{"b"}, 1, false},
		{"missing key", req{Key: []byte("bb")}, nil, 0, false},
		{"prefix b", req{Key: []byte("b"), RangeEnd: []byte("c")}, []string{"b", "ba"}, 2, false},
		{"range", req{Key: []byte("a"), RangeEnd: []byte("c")}, []string{"a", "b", "ba"}, 3, false},
		{"from key", req{Key: []byte("c"), RangeEnd: []byte{0}}, []string{"c", "d"}, 2, false},
		{"all", req{Key: []byte{0}, RangeEnd: []byte{0}}, []string{"a", "b", "ba", "c", "d"}, 5, false},
		{"end before key", req{Key: []byte("c"), RangeEnd: []byte("a")}, nil, 0, false},
		{"limit", req{Key: []byte("a"), RangeEnd: []byte("z"), Limit: 2}, []string{"a", "b"}, 5, true},
		{"limit exact", req{Key: []byte("a"), RangeEnd: []byte("c"), Limit: 3}, []string{"a", "b", "ba"}, 3, false},
		{"count only", req{Key: []byte("a"), RangeEnd: []byte("z"), CountOnly: true}, nil, 5, false},
		{"descend by key", req{Key: []byte("a"), RangeEnd: []byte("z"), SortOrder: etcdserverpb.RangeRequest_DESCEND},
			[]string{"d", "c", "ba", "b", "a"}, 5, false},
		{"by value, order none means ascend", req{Key: []byte("a"), RangeEnd: []byte("z"), SortTarget: etcdserverpb.RangeRequest_VALUE},
			[]string{"b", "c", "a", "d", "ba"}, 5, false},
		{"by mod descending, limited", req{Key: []byte("a"), RangeEnd: []byte("z"), SortTarget: etcdserverpb.RangeRequest_MOD,
			SortOrder: etcdserverpb.RangeRequest_DESCEND, Limit: 2}, []string{"b", "d"}, 5, true},
		{"by version descending, ties in key order", req{Key: []byte("a"), RangeEnd: []byte("z"), SortTarget: etcdserverpb.RangeRequest_VERSION,
			SortOrder: etcdserverpb.RangeRequest_DESCEND}, []string{"b", "a", "ba", "c", "d"}, 5, false},
		{"by create ascending", req{Key: []byte("a"), RangeEnd: []byte("z"), SortTarget: etcdserverpb.RangeRequest_CREATE,
			SortOrder: etcdserverpb.RangeRequest_ASCEND}, []string{"a", "b", "ba", "c", "d"}, 5, false},
		{"min mod revision", req{Key: []byte("a"), RangeEnd: []byte("z"), MinModRevision: 5}, []string{"b", "c", "d"}, 5, false},
		{"max create revision, limited", req{Key: []byte("a"), RangeEnd: []byte("z"), MaxCreateRevision: 4, Limit: 2},
			[]string{"a", "b"}, 5, true},
		{"create window", req{Key: []byte("a"), RangeEnd: []byte("z"), MinCreateRevision: 3, MaxModRevision: 5},
			[]string{"ba", "c"}, 5, false},
		{"current revision asked explicitly", req{Key: []byte("a"), Revision: 7}, []string{"a"}, 1, false},
	}
	for _, tc := range cases {
		resp, err := s.Range(&tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var keys []string
		for _, kv := range resp.Kvs {
			keys = append(keys, string(kv.Key))
		}
		if !slices.Equal(keys, tc.keys) || resp.Count != tc.count || resp.More != tc.more {
			t.Errorf("%s: keys %q count %d more %v, want %q %d %v", tc.name, keys, resp.Count, resp.More, tc.keys, tc.count, tc.more)
		}
		if resp.Header.Revision != 7 {
			t.Errorf("%s: header revision %d, want 7", tc.name, resp.Header.Revision)
		}
	}
}

func TestRangeKeysOnlyAndFields(t *testing.T) {
	s := rangeFixture(t)
	resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte("b"), KeysOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	kv := resp.Kvs[0]
	if kv.Value != nil || kv.CreateRevision != 3 || kv.ModRevision != 7 || kv.Version != 2 {
		t.Fatalf("keys_only b = %v, want no value, c3 m7 v2", kv)
	}
}

func TestRangeErrors(t *testing.T) {
	s := rangeFixture(t)
	for _, tc := range []struct {
		req  etcdserverpb.RangeRequest
		want error
	}{
		{etcdserverpb.RangeRequest{Key: []byte("a"), Revision: 8}, ErrFutureRevision},
		{etcdserverpb.RangeRequest{}, ErrEmptyKey},
	} {
		if _, err := s.Range(&tc.req); !errors.Is(err, tc.want) {
			t.Errorf("range %v: err %v, want %v", &tc.req, err, tc.want)
		}
	}
}
