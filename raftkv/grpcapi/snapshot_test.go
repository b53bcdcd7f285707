package grpcapi

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc/codes"
)

// TestSnapshotStream checks etcd's framing on the raw stream: a first
// message with the header and the size, chunks of at most 32 KiB counting
// down the remaining bytes, then the sha256 of everything sent. The
// database it carries opens as a store holding the keys written.
func TestSnapshotStream(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	big := strings.Repeat("x", 900) // enough keys for a database of many chunks
	for i := range 200 {
		if _, err := env.client.Put(ctx, fmt.Sprintf("key%03d", i), big); err != nil {
			t.Fatal(err)
		}
	}
	stream, err := pb.NewMaintenanceClient(env.conn).Snapshot(ctx, &pb.SnapshotRequest{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if first.Header.GetRevision() != 201 || first.Header.MemberId != fakeMemberID || len(first.Blob) != 0 ||
		first.RemainingBytes == 0 || first.Version != "raftkv-test" {
		t.Fatalf("first message %v: want header at revision 201 from member %x, no blob, the size and the version", first, fakeMemberID)
	}
	var db, digest []byte
	remaining, chunks := first.RemainingBytes, 0
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if digest != nil {
			t.Fatalf("message after the digest: %d bytes", len(resp.Blob))
		}
		if remaining == 0 {
			digest = resp.Blob
			continue
		}
		if len(resp.Blob) == 0 || len(resp.Blob) > 32<<10 || resp.RemainingBytes != remaining-uint64(len(resp.Blob)) {
			t.Fatalf("chunk %d: %d bytes, %d remaining after %d; want 1..32768 bytes counted down", chunks, len(resp.Blob), resp.RemainingBytes, remaining)
		}
		db, remaining, chunks = append(db, resp.Blob...), resp.RemainingBytes, chunks+1
	}
	if sum := sha256.Sum256(db); !bytes.Equal(digest, sum[:]) {
		t.Fatalf("digest %x, want the sha256 of the %d bytes sent, %x", digest, len(db), sum)
	}
	if chunks < 2 || int64(len(db))%512 != 0 {
		t.Fatalf("%d chunks, %d bytes: want several chunks of a page-aligned database", chunks, len(db))
	}
	wantSnapshotKeys(t, db, 200, "key000", "key199")
}

// TestSnapshotClient saves a snapshot through etcd's Go client, as
// etcdctl does, and checks the size rule etcdctl applies (a multiple of
// 512 plus the 32-byte digest).
func TestSnapshotClient(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	for _, k := range []string{"a", "b"} {
		if _, err := env.client.Put(ctx, k, "v"+k); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := env.client.SnapshotWithVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Snapshot.Close()
	data, err := io.ReadAll(resp.Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if len(data)%512 != sha256.Size || resp.Version != "raftkv-test" || resp.Header.Revision != 3 {
		t.Fatalf("%d bytes, version %q, revision %d; want 512n+32 bytes, raftkv-test, 3", len(data), resp.Version, resp.Header.Revision)
	}
	db := data[:len(data)-sha256.Size]
	if sum := sha256.Sum256(db); !bytes.Equal(data[len(db):], sum[:]) {
		t.Fatal("the trailing 32 bytes are not the database's sha256")
	}
	wantSnapshotKeys(t, db, 2, "a", "b")
}

func TestSnapshotUnsupportedBackend(t *testing.T) {
	srv := &Server{backend: bareBackend{newFakeBackend(t)}}
	err := maintenanceService{s: srv}.Snapshot(&pb.SnapshotRequest{}, nil)
	wantStatus(t, "snapshot", err, codes.Unimplemented, "snapshot")
}

// wantSnapshotKeys opens db as a store and checks its key count and its
// first and last keys.
func wantSnapshotKeys(t *testing.T, db []byte, n int64, first, last string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snap.db")
	if err := os.WriteFile(path, db, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := kv.Open(path, kv.Options{NoSync: true})
	if err != nil {
		t.Fatalf("snapshot does not open as a store: %v", err)
	}
	defer s.Close()
	resp, err := s.Range(&pb.RangeRequest{Key: []byte{0}, RangeEnd: []byte{0}, KeysOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Count != n || string(resp.Kvs[0].Key) != first || string(resp.Kvs[len(resp.Kvs)-1].Key) != last {
		t.Fatalf("snapshot holds %d keys from %q to %q, want %d from %q to %q",
			resp.Count, resp.Kvs[0].Key, resp.Kvs[len(resp.Kvs)-1].Key, n, first, last)
	}
}
