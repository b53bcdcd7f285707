package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestReplaceWipedMember loses a member's disk under load: the member is
// removed, its data wiped, and it is added back under a new id (MemberAdd
// picks one) with --initial-cluster-state existing. The log was compacted
// past where it starts, so it is rebuilt from a snapshot, and it then
// holds every acknowledged write.
func TestReplaceWipedMember(t *testing.T) {
	c := newCluster(t, 3, "--snapshot-count", "100", "--snapshot-catchup-entries", "20")
	l := startLoad(c.client(1, 2), 2, "load/")
	cl := c.client(1, 2)
	// Enough entries for snapshots and compaction to happen.
	for i := range 300 {
		if _, err := cl.Put(ctx(t, 5*time.Second), fmt.Sprintf("pre/%03d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	c.kill9(3)
	if err := os.RemoveAll(c.members[3].dir); err != nil {
		t.Fatal(err)
	}
	c.waitLeader(1, 2)
	if _, err := cl.MemberRemove(ctx(t, 10*time.Second), 3); err != nil {
		t.Fatalf("removing member 3: %v", err)
	}
	delete(c.members, 3)
	peer := freeAddr(t)
	added, err := cl.MemberAdd(ctx(t, 10*time.Second), []string{"http://" + peer})
	if err != nil {
		t.Fatalf("adding a member: %v", err)
	}
	id := added.Member.ID
	m := c.addMember(id)
	m.peer = peer
	c.start(id, "existing")
	time.Sleep(300 * time.Millisecond)
	acked, _ := l.finish()

	list, err := cl.MemberList(ctx(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, lm := range list.Members {
		found = found || lm.ID == id
	}
	if len(list.Members) != 3 || !found {
		t.Fatalf("member list after the replacement: %v, want 1, 2 and %x", list.Members, id)
	}
	rev, err := cl.Get(ctx(t, 5*time.Second), "pre/", clientv3.WithCountOnly(), clientv3.WithPrefix())
	if err != nil || rev.Count != 300 {
		t.Fatalf("count of pre/ keys: %v, %v", rev, err)
	}
	c.waitCaughtUp(id, rev.Header.Revision)
	if got := c.serializableGet(id, "pre/", clientv3.WithPrefix(), clientv3.WithCountOnly()); got.Count != 300 {
		t.Fatalf("the new member has %d of 300 pre/ keys", got.Count)
	}
	c.checkWrites(id, "load/", acked)
	// The snapshot's data is kept in snap/ once received.
	if snaps, _ := filepath.Glob(filepath.Join(m.dir, "snap", "*.snap")); len(snaps) == 0 {
		t.Fatal("the new member caught up without receiving a snapshot")
	}
}
