package kv

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// openTest opens a KV in a temp dir. Durability is not what these tests
// check, so commits skip fsync unless sync is asked for.
func openTest(t testing.TB, opts Options) *KV {
	t.Helper()
	opts.NoSync = true
	return openAt(t, filepath.Join(t.TempDir(), "kv.db"), opts)
}

func openAt(t testing.TB, path string, opts Options) *KV {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// log builds entries for the raft log, numbering them from first.
type log struct {
	next uint64
	ents []raftpb.Entry
}

func (l *log) cmd(t testing.TB, c *Command) *log {
	t.Helper()
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return l.raw(raftpb.EntryNormal, data)
}

func (l *log) raw(typ raftpb.EntryType, data []byte) *log {
	if l.next == 0 {
		l.next = 1
	}
	l.ents = append(l.ents, raftpb.Entry{Index: l.next, Term: 1, Type: typ, Data: data})
	l.next++
	return l
}

func (l *log) take() []raftpb.Entry {
	e := l.ents
	l.ents = nil
	return e
}

func putCmd(k, v string) *Command {
	return &Command{Put: &etcdserverpb.PutRequest{Key: []byte(k), Value: []byte(v)}}
}

func delCmd(k, end string) *Command {
	return &Command{DeleteRange: &etcdserverpb.DeleteRangeRequest{Key: []byte(k), RangeEnd: []byte(end)}}
}

func opPut(k, v string) *etcdserverpb.RequestOp {
	return &etcdserverpb.RequestOp{Request: &etcdserverpb.RequestOp_RequestPut{
		RequestPut: &etcdserverpb.PutRequest{Key: []byte(k), Value: []byte(v)}}}
}

func opDel(k, end string) *etcdserverpb.RequestOp {
	return &etcdserverpb.RequestOp{Request: &etcdserverpb.RequestOp_RequestDeleteRange{
		RequestDeleteRange: &etcdserverpb.DeleteRangeRequest{Key: []byte(k), RangeEnd: []byte(end)}}}
}

func opRange(k, end string) *etcdserverpb.RequestOp {
	return &etcdserverpb.RequestOp{Request: &etcdserverpb.RequestOp_RequestRange{
		RequestRange: &etcdserverpb.RangeRequest{Key: []byte(k), RangeEnd: []byte(end)}}}
}

// mustApply applies entries and fails the test on a storage error.
func mustApply(t testing.TB, s *KV, ents []raftpb.Entry) []Result {
	t.Helper()
	res, err := s.Apply(ents)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// applyOne applies one command as the next entry and returns its result.
func applyOne(t testing.TB, s *KV, c *Command) Result {
	t.Helper()
	l := &log{next: s.Applied().Index + 1}
	res := mustApply(t, s, l.cmd(t, c).take())
	if len(res) != 1 {
		t.Fatalf("got %d results, want 1", len(res))
	}
	return res[0]
}

// kvLine renders a key the way the tests spell expectations.
func kvLine(key, val string, create, mod, ver int64) string {
	return fmt.Sprintf("%s=%s c%d m%d v%d", key, val, create, mod, ver)
}

// liveKeys renders every stored key as kvLine does, in key order.
func liveKeys(t testing.TB, s *KV) []string {
	t.Helper()
	resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte{0}, RangeEnd: []byte{0}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, kv := range resp.Kvs {
		out = append(out, kvLine(string(kv.Key), string(kv.Value), kv.CreateRevision, kv.ModRevision, kv.Version))
	}
	return out
}

// dump renders every bucket's raw content and the committed key index,
// so two stores with equal dumps hold identical state.
func dump(t testing.TB, s *KV) string {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(renderIndex(s.cur.Load().idx))
	err := s.view(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			fmt.Fprintf(&buf, "[%s]\n", name)
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				fmt.Fprintf(&buf, "%x=%x\n", k, v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// renderIndex renders every entry of an index, in key order.
func renderIndex(idx *keyIndex) string {
	var buf bytes.Buffer
	buf.WriteString("[index]\n")
	idx.Ascend(func(e indexEntry) bool {
		fmt.Fprintf(&buf, "%q c%d m%d.%d v%d l%d\n", e.key, e.create, e.mod, e.sub, e.version, e.lease)
		return true
	})
	return buf.String()
}
