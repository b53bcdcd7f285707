package watch

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// store is a kv.KV fed with commands as if they were committed entries,
// notifying a hub after each commit as the apply path does.
type store struct {
	t     testing.TB
	mu    sync.Mutex
	kv    *kv.KV
	index uint64
	hub   *Hub
}

func newStore(t testing.TB, history int64) *store {
	t.Helper()
	s, err := kv.Open(filepath.Join(t.TempDir(), "kv.db"), kv.Options{NoSync: true, HistoryRevisions: history})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &store{t: t, kv: s}
}

// newHub returns a hub on st that is not started: tests call poll to run
// the hub's work where they need it, so what they see is deterministic.
func newHub(st *store, o Options) *Hub {
	h := New(st.kv, o)
	st.hub = h
	return h
}

func (h *Hub) poll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.step()
}

func (st *store) apply(cmd *kv.Command) {
	st.t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	data, err := cmd.Encode()
	if err != nil {
		st.t.Fatal(err)
	}
	st.index++
	res, err := st.kv.Apply([]raftpb.Entry{{Term: 1, Index: st.index, Data: data}})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		panic(fmt.Sprintf("apply: %v %v", err, res))
	}
	if st.hub != nil {
		st.hub.Notify()
	}
}

func (st *store) put(k, v string) {
	st.apply(&kv.Command{Put: &pb.PutRequest{Key: []byte(k), Value: []byte(v)}})
}

func (st *store) del(k, end string) {
	r := &pb.DeleteRangeRequest{Key: []byte(k)}
	if end != "" {
		r.RangeEnd = []byte(end)
	}
	st.apply(&kv.Command{DeleteRange: r})
}

// txnPuts writes all pairs (k1, v1, k2, v2, ...) in one revision.
func (st *store) txnPuts(kvs ...string) {
	var ops []*pb.RequestOp
	for i := 0; i < len(kvs); i += 2 {
		ops = append(ops, &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte(kvs[i]), Value: []byte(kvs[i+1])}}})
	}
	st.apply(&kv.Command{Txn: &pb.TxnRequest{Success: ops}})
}

// take returns what is queued on s right now, without waiting.
func take(t testing.TB, s *Stream) []*pb.WatchResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	resps, err := s.Next(ctx)
	if err != nil && err != context.DeadlineExceeded {
		t.Fatal(err)
	}
	return resps
}

// describe renders responses as lines a test can compare: the watch id,
// the header revision, flags, then each event as TYPE key@rev[=value]
// [prev=value].
func describe(resps []*pb.WatchResponse) []string {
	var out []string
	for _, r := range resps {
		line := fmt.Sprintf("id=%d rev=%d", r.WatchId, r.Header.GetRevision())
		if r.Created {
			line += " created"
		}
		if r.Canceled {
			line += " canceled"
		}
		if r.Fragment {
			line += " fragment"
		}
		if r.CompactRevision != 0 {
			line += fmt.Sprintf(" compact=%d", r.CompactRevision)
		}
		if r.CancelReason != "" {
			line += " reason=" + r.CancelReason
		}
		for _, ev := range r.Events {
			line += " " + describeEvent(ev)
		}
		out = append(out, line)
	}
	return out
}

func describeEvent(ev *mvccpb.Event) string {
	s := fmt.Sprintf("%s %s@%d", ev.Type, ev.Kv.Key, ev.Kv.ModRevision)
	if ev.Type == mvccpb.PUT {
		s += "=" + string(ev.Kv.Value)
	}
	if ev.PrevKv != nil {
		s += " prev=" + string(ev.PrevKv.Value)
	}
	return s
}

func check(t *testing.T, got []*pb.WatchResponse, want ...string) {
	t.Helper()
	g := describe(got)
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("responses:\n got  %q\n want %q", g, want)
	}
}

func create(key, end string, start int64) *pb.WatchCreateRequest {
	r := &pb.WatchCreateRequest{Key: []byte(key), StartRevision: start}
	if end != "" {
		r.RangeEnd = []byte(end)
	}
	return r
}
