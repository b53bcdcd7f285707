package kv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// model is a deliberately naive in-memory statement of etcd's rules: a map
// of keys and a revision counter.
type model struct {
	rev  int64
	keys map[string]modelKV
}

type modelKV struct {
	val              string
	create, mod, ver int64
}

func newModel() *model { return &model{rev: 1, keys: map[string]modelKV{}} }

func (m *model) inRange(k, key, end string) bool {
	switch {
	case end == "":
		return k == key
	case end == "\x00":
		return k >= key
	}
	return k >= key && k < end
}

// apply runs a command the model supports (puts, deletes and txns with
// version compares) and returns the revision the response header carries.
func (m *model) apply(c *Command) int64 {
	next := m.rev + 1
	changed := false
	var run func(ops []*etcdserverpb.RequestOp)
	put := func(k, v string) {
		old, ok := m.keys[k]
		if ok {
			m.keys[k] = modelKV{v, old.create, next, old.ver + 1}
		} else {
			m.keys[k] = modelKV{v, next, next, 1}
		}
		changed = true
	}
	del := func(key, end string) {
		for k := range m.keys {
			if m.inRange(k, key, end) {
				delete(m.keys, k)
				changed = true
			}
		}
	}
	run = func(ops []*etcdserverpb.RequestOp) {
		for _, op := range ops {
			if p := op.GetRequestPut(); p != nil {
				put(string(p.Key), string(p.Value))
			}
			if d := op.GetRequestDeleteRange(); d != nil {
				del(string(d.Key), string(d.RangeEnd))
			}
		}
	}
	switch {
	case c.Put != nil:
		put(string(c.Put.Key), string(c.Put.Value))
	case c.DeleteRange != nil:
		del(string(c.DeleteRange.Key), string(c.DeleteRange.RangeEnd))
	case c.Txn != nil:
		ok := true
		for _, cmp := range c.Txn.Compare {
			ok = ok && m.keys[string(cmp.Key)].ver == cmp.GetVersion()
		}
		if ok {
			run(c.Txn.Success)
		} else {
			run(c.Txn.Failure)
		}
	}
	if changed {
		m.rev = next
	}
	return m.rev
}

func (m *model) lines() []string {
	var out []string
	for k, v := range m.keys {
		out = append(out, kvLine(k, v.val, v.create, v.mod, v.ver))
	}
	sort.Strings(out)
	return out
}

var modelKeys = []string{"a", "b", "ba", "bb", "c", "d", "e"}

func randKey(r *rand.Rand) string { return modelKeys[r.IntN(len(modelKeys))] }

// randEnd returns a range end: none, any key (possibly before the start,
// giving an empty range), or "\x00".
func randEnd(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return "\x00"
	case 1:
		return randKey(r)
	}
	return ""
}

func randOps(r *rand.Rand) []*etcdserverpb.RequestOp {
	var ops []*etcdserverpb.RequestOp
	for range r.IntN(3) {
		if r.IntN(3) == 0 {
			k := randKey(r)
			ops = append(ops, opDel(k, randEnd(r)))
		} else {
			ops = append(ops, opPut(randKey(r), fmt.Sprint(r.IntN(100))))
		}
	}
	return ops
}

// randCommand draws a write the model understands. A txn branch may write a
// key twice or delete what it wrote: writes run in order (etcd's API layer
// refuses such txns; the state machine does not rely on that).
func randCommand(r *rand.Rand) *Command {
	switch r.IntN(5) {
	case 0, 1:
		return putCmd(randKey(r), fmt.Sprint(r.IntN(100)))
	case 2:
		k := randKey(r)
		return delCmd(k, randEnd(r))
	}
	t := &etcdserverpb.TxnRequest{Success: randOps(r), Failure: randOps(r)}
	for range r.IntN(3) {
		t.Compare = append(t.Compare, &etcdserverpb.Compare{Key: []byte(randKey(r)), Target: etcdserverpb.Compare_VERSION,
			TargetUnion: &etcdserverpb.Compare_Version{Version: int64(r.IntN(3))}})
	}
	return &Command{Txn: t}
}

func TestRandomAgainstModel(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 1))
			s := openTest(t, Options{})
			m := newModel()
			l := &log{}
			var wantRevs []int64
			for range 20 {
				for range 1 + r.IntN(10) {
					c := randCommand(r)
					wantRevs = append(wantRevs, m.apply(c))
					l.cmd(t, c)
				}
				for i, res := range mustApply(t, s, l.take()) {
					if res.Err != nil {
						t.Fatalf("entry %d: %v", res.Index, res.Err)
					}
					if got, want := headerRevision(res.Response), wantRevs[i]; got != want {
						t.Fatalf("entry %d: header revision %d, model says %d", res.Index, got, want)
					}
				}
				wantRevs = wantRevs[:0]
				if got, want := liveKeys(t, s), m.lines(); !slices.Equal(got, want) {
					t.Fatalf("state\n%q\nmodel\n%q", got, want)
				}
				checkRandomRange(t, r, s, m)
				// Compaction and reopening (which rebuilds the key index
				// from the history) must not change what is read.
				if r.IntN(3) == 0 && m.rev > s.CompactedRevision()+1 {
					if res := mustApply(t, s, l.cmd(t, compactCmd(m.rev)).take()); res[0].Err != nil {
						t.Fatalf("compact %d: %v", m.rev, res[0].Err)
					}
				}
				if r.IntN(3) == 0 {
					if err := s.Close(); err != nil {
						t.Fatal(err)
					}
					s = openAt(t, s.path, Options{NoSync: true})
				}
				if got, want := liveKeys(t, s), m.lines(); !slices.Equal(got, want) {
					t.Fatalf("after compacting or reopening: state\n%q\nmodel\n%q", got, want)
				}
			}
		})
	}
}

// checkRandomRange compares one random limited range read with the model.
func checkRandomRange(t *testing.T, r *rand.Rand, s *KV, m *model) {
	key := randKey(r)
	end := randEnd(r)
	limit := int64(r.IntN(3))
	resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte(key), RangeEnd: []byte(end), Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for k := range m.keys {
		if m.inRange(k, key, end) {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	count := int64(len(want))
	more := limit > 0 && count > limit
	if more {
		want = want[:limit]
	}
	var got []string
	for _, kv := range resp.Kvs {
		got = append(got, string(kv.Key))
	}
	if !slices.Equal(got, want) || resp.Count != count || resp.More != more || resp.Header.Revision != m.rev {
		t.Fatalf("range [%q,%q) limit %d: %q count %d more %v rev %d; model %q %d %v %d",
			key, end, limit, got, resp.Count, resp.More, resp.Header.Revision, want, count, more, m.rev)
	}
}
