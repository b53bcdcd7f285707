package raftkv

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestEmbeddedMember(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(Config{
		ID: 1, Dir: t.TempDir(), Listener: ln,
		Peers:        map[uint64]string{1: ln.Addr().String()},
		TickInterval: 10 * time.Millisecond, WALSegmentSize: 1 << 20,
		KV:     kv.Options{MmapBytes: 16 << 20},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rev int64
	for { // the single member elects itself within a few ticks
		if rev, err = m.Put(ctx, []byte("a"), []byte("1")); err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || rev != 2 {
		t.Fatalf("put: revision %d, %v; want 2", rev, err)
	}
	if v, ok, err := m.Get(ctx, []byte("a")); err != nil || !ok || string(v) != "1" {
		t.Fatalf("get a = %q, %v, %v; want 1", v, ok, err)
	}
	txn, err := m.Txn(ctx, &pb.TxnRequest{
		Compare: []*pb.Compare{{Key: []byte("a"), Target: pb.Compare_VALUE, Result: pb.Compare_EQUAL,
			TargetUnion: &pb.Compare_Value{Value: []byte("1")}}},
		Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte("b"), Value: []byte("2")}}}},
	})
	if err != nil || !txn.Succeeded {
		t.Fatalf("txn: %+v, %v; want it to succeed", txn, err)
	}
	if ok, err := m.Delete(ctx, []byte("a")); err != nil || !ok {
		t.Fatalf("delete a: %v, %v; want true", ok, err)
	}
	if _, ok, err := m.Get(ctx, []byte("a")); err != nil || ok {
		t.Fatalf("a still found after delete (%v)", err)
	}
	if v, _, _ := m.Get(ctx, []byte("b")); string(v) != "2" {
		t.Fatalf("b = %q, want 2 from the txn", v)
	}
	if m.Server().Status().Leader != 1 {
		t.Fatalf("status leader %d, want 1", m.Server().Status().Leader)
	}
}
