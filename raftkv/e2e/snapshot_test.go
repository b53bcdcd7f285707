package e2e

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestSnapshotSave runs `etcdctl snapshot save` against a follower and
// checks the file: a bbolt database followed by its sha256, holding every
// key written before the save.
func TestSnapshotSave(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	c := newCluster(t, 3)
	ctx := ctx(t, 20*time.Second)
	for _, k := range []string{"alpha", "beta", "gamma"} {
		if _, err := c.client(1).Put(ctx, k, "value of "+k); err != nil {
			t.Fatal(err)
		}
	}
	// A snapshot is of the member's own state, as in etcd: a linearizable
	// read there first makes sure it has applied the writes.
	if _, err := c.client(2).Get(ctx, "gamma"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	cmd := exec.Command(etcdctl, "--endpoints="+c.endpoints(2)[0], "--command-timeout=10s", "snapshot", "save", path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Snapshot saved at "+path) {
		t.Fatalf("etcdctl snapshot save: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data)%512 != sha256.Size {
		t.Fatalf("snapshot is %d bytes, want a page-aligned database plus a 32-byte digest", len(data))
	}
	db := data[:len(data)-sha256.Size]
	if sum := sha256.Sum256(db); !bytes.Equal(sum[:], data[len(db):]) {
		t.Fatal("the snapshot's trailing digest is not the sha256 of the database")
	}
	dbPath := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(dbPath, db, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := kv.Open(dbPath, kv.Options{NoSync: true})
	if err != nil {
		t.Fatalf("the saved database does not open: %v", err)
	}
	defer s.Close()
	resp, err := s.Range(&pb.RangeRequest{Key: []byte{0}, RangeEnd: []byte{0}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, kv := range resp.Kvs {
		got = append(got, string(kv.Key)+"="+string(kv.Value))
	}
	if want := "alpha=value of alpha beta=value of beta gamma=value of gamma"; strings.Join(got, " ") != want {
		t.Fatalf("saved database holds %q, want %q", got, want)
	}
}
