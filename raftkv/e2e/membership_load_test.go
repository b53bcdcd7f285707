package e2e

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestMembershipChangesUnderLoad changes the membership of a running
// cluster while clients write: a fourth member joins with
// --initial-cluster-state existing and catches up through a snapshot (the
// log was compacted past its start), then a follower and finally the
// leader are removed. Every acknowledged write must be on both remaining
// members, and no write may have applied twice.
func TestMembershipChangesUnderLoad(t *testing.T) {
	c := newCluster(t, 3, "--snapshot-count", "100", "--snapshot-catchup-entries", "20")
	loadClient := c.client(1, 2, 3)
	l := startLoad(loadClient, 3, "load/")
	admin := c.client(1, 2, 3)
	for i := range 300 {
		if _, err := admin.Put(ctx(t, 10*time.Second), fmt.Sprintf("pre/%03d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}

	peer := freeAddr(t)
	added, err := admin.MemberAdd(ctx(t, 10*time.Second), []string{"http://" + peer})
	if err != nil {
		t.Fatalf("adding a member: %v", err)
	}
	id := added.Member.ID
	m := c.addMember(id)
	m.peer = peer
	c.start(id, "existing")
	loadClient.SetEndpoints(c.endpoints(c.ids()...)...)
	rev, err := admin.Get(ctx(t, 10*time.Second), "pre/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || rev.Count != 300 {
		t.Fatalf("count of pre/ keys: %v, %v", rev, err)
	}
	c.waitCaughtUp(id, rev.Header.Revision)
	if snaps, _ := filepath.Glob(filepath.Join(m.dir, "snap", "*.snap")); len(snaps) == 0 {
		t.Fatal("the new member caught up without receiving a snapshot")
	}
	c.waitClientURLs(c.ids()...)

	lead := c.waitLeader(c.ids()...)
	var follower uint64
	for _, fid := range []uint64{1, 2, 3} {
		if fid != lead {
			follower = fid
			break
		}
	}
	c.removeMember(lead, follower)
	c.removeMember(lead, lead)
	rest := c.ids()
	next := c.waitLeader(rest...)
	t.Logf("removed follower %x and leader %x; %x leads %v", follower, lead, next, rest)
	time.Sleep(300 * time.Millisecond) // some writes under the new leader
	acked, tried := l.finish()
	t.Logf("%d writes tried, %d acknowledged", tried, len(acked))
	if len(acked) < 50 {
		t.Fatalf("only %d writes acknowledged: the cluster barely served", len(acked))
	}
	final, err := c.client(rest...).Get(ctx(t, 10*time.Second), "load/", clientv3.WithCountOnly(), clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	for _, rid := range rest {
		c.waitCaughtUp(rid, final.Header.Revision)
		c.checkWrites(rid, "load/", acked)
		if got := c.serializableGet(rid, "pre/", clientv3.WithPrefix(), clientv3.WithCountOnly()); got.Count != 300 {
			t.Fatalf("member %x has %d of 300 pre/ keys", rid, got.Count)
		}
	}
	list, err := c.client(rest...).MemberList(ctx(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, lm := range list.Members {
		ids = append(ids, lm.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, rest) {
		t.Fatalf("member list after the changes: %v, want %v", ids, rest)
	}
}

// removeMember removes member id through member via's endpoint (a
// leader holds a member call until its log is applied, so calls to it
// are not refused), then makes sure the removed process is gone. A leader
// removing itself may exit before its answer leaves, so retries go
// through the other members; a retry whose first attempt was applied
// finds the member already gone.
func (c *cluster) removeMember(via, id uint64) {
	c.t.Helper()
	var others []uint64
	for _, o := range c.ids() {
		if o != id {
			others = append(others, o)
		}
	}
	cl := c.client(via)
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		_, err = cl.MemberRemove(ctx(c.t, 10*time.Second), id)
		if err == nil || (attempt > 0 && errors.Is(err, rpctypes.ErrMemberNotFound)) {
			err = nil
			break
		}
		c.t.Logf("removing member %x, attempt %d: %v", id, attempt, err)
		cl = c.client(others...)
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatalf("removing member %x: %v", id, err)
	}
	if c.running(id) {
		c.kill9(id)
	}
	delete(c.members, id)
}

// clientScheme is how members list client URLs.
func (c *cluster) clientScheme() string {
	if c.tls != nil {
		return "https://"
	}
	return "http://"
}

// waitClientURLs waits until every named member lists every named member
// with the client URL it serves on.
func (c *cluster) waitClientURLs(ids ...uint64) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		missing := ""
		for _, id := range ids {
			list, err := c.client(id).MemberList(ctx(c.t, 2*time.Second))
			if err != nil {
				missing = fmt.Sprintf("member %x: %v", id, err)
				break
			}
			for _, lm := range list.Members {
				if want := c.clientScheme() + c.members[lm.ID].client; !slices.Equal(lm.ClientURLs, []string{want}) {
					missing = fmt.Sprintf("member %x lists %x with client URLs %v, want [%s]", id, lm.ID, lm.ClientURLs, want)
				}
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatal(missing)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
