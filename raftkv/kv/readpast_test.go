package kv

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestRangeAtPastRevisions replays random writes against the naive model,
// keeping the model's whole state at every revision, and reads every
// revision back with random options. With HistoryRevisions 6 the early
// revisions are compacted as the log grows and must be refused.
func TestRangeAtPastRevisions(t *testing.T) {
	for seed := range uint64(6) {
		keep := []int64{0, 6}[seed%2]
		t.Run(fmt.Sprintf("seed%d-keep%d", seed, keep), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			s := openTest(t, Options{HistoryRevisions: keep})
			m := newModel()
			states := map[int64]map[string]modelKV{1: {}}
			for range 12 {
				for range 1 + r.IntN(6) {
					c := randCommand(r)
					rev := m.apply(c)
					states[rev] = maps.Clone(m.keys)
					applyOne(t, s, c)
				}
				compacted := int64(0)
				if keep > 0 {
					compacted = max(0, m.rev-keep)
				}
				for rev := int64(1); rev <= m.rev; rev++ {
					for range 3 {
						checkPastRange(t, r, s, rev, m.rev, compacted, states[rev])
					}
				}
			}
		})
	}
}

// checkPastRange compares one random read at rev with the naive answer
// worked out from the model's state at rev.
func checkPastRange(t *testing.T, r *rand.Rand, s *KV, rev, current, compacted int64, state map[string]modelKV) {
	t.Helper()
	req := randRangeRequest(r)
	req.Revision = rev
	resp, err := s.Range(req)
	if rev <= compacted {
		if !errors.Is(err, ErrCompacted) {
			t.Fatalf("range at %d, compacted through %d: %v, want ErrCompacted", rev, compacted, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("range at %d: %v", rev, err)
	}
	got := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		got = append(got, kvLine(string(kv.Key), string(kv.Value), kv.CreateRevision, kv.ModRevision, kv.Version))
	}
	want, count, more := naiveRange(req, state)
	if !slices.Equal(got, want) || resp.Count != count || resp.More != more || resp.Header.Revision != current {
		t.Fatalf("range %v:\n got %q count %d more %v header %d\nwant %q count %d more %v header %d",
			req, got, resp.Count, resp.More, resp.Header.Revision, want, count, more, current)
	}
}

func randRangeRequest(r *rand.Rand) *etcdserverpb.RangeRequest {
	req := &etcdserverpb.RangeRequest{Key: []byte(randKey(r)), RangeEnd: []byte(randEnd(r))}
	if r.IntN(3) == 0 {
		req.Key, req.RangeEnd = []byte{0}, []byte{0}
	}
	req.Limit = int64(r.IntN(4))
	req.CountOnly = r.IntN(8) == 0
	req.KeysOnly = r.IntN(4) == 0
	req.SortOrder = etcdserverpb.RangeRequest_SortOrder(r.IntN(3))
	req.SortTarget = etcdserverpb.RangeRequest_SortTarget(r.IntN(5))
	if r.IntN(3) == 0 {
		req.MinModRevision = int64(r.IntN(20))
		req.MaxCreateRevision = int64(r.IntN(40))
	}
	if r.IntN(3) == 0 {
		req.MaxModRevision = int64(r.IntN(40))
		req.MinCreateRevision = int64(r.IntN(20))
	}
	return req
}

// naiveRange states etcd's range rules directly: count every key in the
// range, drop those failing a filter, sort (ties by key), cut to the limit.
func naiveRange(req *etcdserverpb.RangeRequest, state map[string]modelKV) (lines []string, count int64, more bool) {
	m := &model{}
	type row struct {
		key string
		kv  modelKV
	}
	var rows []row
	for k, v := range state {
		if !m.inRange(k, string(req.Key), string(req.RangeEnd)) {
			continue
		}
		count++
		ok := (req.MinModRevision == 0 || v.mod >= req.MinModRevision) &&
			(req.MaxModRevision == 0 || v.mod <= req.MaxModRevision) &&
			(req.MinCreateRevision == 0 || v.create >= req.MinCreateRevision) &&
			(req.MaxCreateRevision == 0 || v.create <= req.MaxCreateRevision)
		if ok {
			rows = append(rows, row{k, v})
		}
	}
	if req.CountOnly {
		return nil, count, false
	}
	target := func(x row) string {
		switch req.SortTarget {
		case etcdserverpb.RangeRequest_VERSION:
			return fmt.Sprintf("%020d", x.kv.ver)
		case etcdserverpb.RangeRequest_CREATE:
			return fmt.Sprintf("%020d", x.kv.create)
		case etcdserverpb.RangeRequest_MOD:
			return fmt.Sprintf("%020d", x.kv.mod)
		case etcdserverpb.RangeRequest_VALUE:
			return x.kv.val
		}
		return x.key
	}
	desc := req.SortOrder == etcdserverpb.RangeRequest_DESCEND
	slices.SortFunc(rows, func(a, b row) int {
		if c := strings.Compare(target(a), target(b)); c != 0 {
			if desc {
				return -c
			}
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	if req.Limit > 0 && int64(len(rows)) > req.Limit {
		rows, more = rows[:req.Limit], true
	}
	for _, x := range rows {
		val := x.kv.val
		if req.KeysOnly {
			val = ""
		}
		lines = append(lines, kvLine(x.key, val, x.kv.create, x.kv.mod, x.kv.ver))
	}
	return lines, count, more
}

// TestRangeAtCompactionBoundary writes rangeFixture's keys with three
// revisions of history kept, then deletes c at 8: the history then holds
// revisions 6 to 8 (compacted through 5), so 6 is the oldest readable.
func TestRangeAtCompactionBoundary(t *testing.T) {
	s := openTest(t, Options{HistoryRevisions: 3})
	for _, kv := range [][2]string{{"a", "3"}, {"b", "0"}, {"ba", "5"}, {"c", "2"}, {"d", "4"}, {"b", "1"}} {
		applyOne(t, s, putCmd(kv[0], kv[1]))
	}
	applyOne(t, s, delCmd("c", ""))
	all := etcdserverpb.RangeRequest{Key: []byte{0}, RangeEnd: []byte{0}}
	cases := []struct {
		rev  int64
		want []string
	}{
		{6, []string{"a=3 c2 m2 v1", "b=0 c3 m3 v1", "ba=5 c4 m4 v1", "c=2 c5 m5 v1", "d=4 c6 m6 v1"}},
		{7, []string{"a=3 c2 m2 v1", "b=1 c3 m7 v2", "ba=5 c4 m4 v1", "c=2 c5 m5 v1", "d=4 c6 m6 v1"}},
		{8, []string{"a=3 c2 m2 v1", "b=1 c3 m7 v2", "ba=5 c4 m4 v1", "d=4 c6 m6 v1"}},
		{0, []string{"a=3 c2 m2 v1", "b=1 c3 m7 v2", "ba=5 c4 m4 v1", "d=4 c6 m6 v1"}},
	}
	for _, tc := range cases {
		req := all
		req.Revision = tc.rev
		resp, err := s.Range(&req)
		if err != nil {
			t.Fatalf("range at %d: %v", tc.rev, err)
		}
		var got []string
		for _, kv := range resp.Kvs {
			got = append(got, kvLine(string(kv.Key), string(kv.Value), kv.CreateRevision, kv.ModRevision, kv.Version))
		}
		if !slices.Equal(got, tc.want) || resp.Header.Revision != 8 {
			t.Errorf("range at %d: %q header %d, want %q header 8", tc.rev, got, resp.Header.Revision, tc.want)
		}
	}
	for _, rev := range []int64{1, 5} {
		req := all
		req.Revision = rev
		_, err := s.Range(&req)
		if !errors.Is(err, ErrCompacted) || !strings.Contains(err.Error(), "compacted through 5") {
			t.Errorf("range at %d: %v, want ErrCompacted naming revision 5", rev, err)
		}
	}
}

// BenchmarkRangePast reads one key at a revision back behind 10 and 1,000
// revisions of writes to 100 keys: the cost is the walk over the history
// after the revision read.
func BenchmarkRangePast(b *testing.B) {
	s := openAt(b, b.TempDir()+"/kv.db", Options{NoSync: true})
	l := &log{}
	for i := range 1000 {
		l.cmd(b, putCmd(fmt.Sprintf("k%02d", i%100), fmt.Sprint(i)))
	}
	mustApply(b, s, l.take())
	for _, back := range []int64{0, 10, 1000} {
		b.Run(fmt.Sprint("back", back), func(b *testing.B) {
			req := &etcdserverpb.RangeRequest{Key: []byte("k42"), Revision: s.Revision() - back}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Range(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
