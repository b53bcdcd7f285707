package e2e

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestHistoryWithEtcdctl reads past revisions with `etcdctl get --rev` on
// every member (linearizable and serializable), compacts with `etcdctl
// compact`, and checks that reads and watches below the compaction
// revision then fail as etcd's.
func TestHistoryWithEtcdctl(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	c := newCluster(t, 3)
	ctx := ctx(t, 20*time.Second)
	var revs []int64 // revs[i] is the revision at which step holds value i+1
	for _, v := range []string{"1", "2", "3"} {
		resp, err := c.client(1).Put(ctx, "step", v)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, resp.Header.Revision)
	}
	if _, err := c.client(1).Delete(ctx, "step"); err != nil {
		t.Fatal(err)
	}
	ctl := func(member uint64, args ...string) (string, error) {
		cmd := exec.Command(etcdctl, append([]string{"--endpoints=" + c.endpoints(member)[0], "--command-timeout=5s"}, args...)...)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, m := range c.ids() {
		for i, rev := range revs {
			for _, consistency := range []string{"l", "s"} {
				out, err := ctl(m, "get", "--consistency="+consistency, fmt.Sprint("--rev=", rev), "step")
				if want := fmt.Sprint("step\n", i+1); err != nil || out != want {
					t.Fatalf("member %d get --rev=%d --consistency=%s: %q, %v; want %q", m, rev, consistency, out, err, want)
				}
			}
		}
		if out, err := ctl(m, "get", fmt.Sprint("--rev=", revs[0]-1), "step"); err != nil || out != "" {
			t.Fatalf("member %d get before the first put: %q, %v; want nothing", m, out, err)
		}
	}

	if out, err := ctl(2, "compact", "--physical", fmt.Sprint(revs[1])); err != nil || out != fmt.Sprint("compacted revision ", revs[1]) {
		t.Fatalf("etcdctl compact %d: %q, %v", revs[1], out, err)
	}
	for _, m := range c.ids() {
		// Compaction is a replicated command: wait until m has applied it.
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := ctl(m, "get", "--consistency=s", fmt.Sprint("--rev=", revs[0]), "step")
			if err != nil && strings.Contains(out, "required revision has been compacted") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("member %d get --rev=%d after compacting to %d: %q, %v; want a compacted error", m, revs[0], revs[1], out, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if out, err := ctl(m, "get", fmt.Sprint("--rev=", revs[1]), "step"); err != nil || out != "step\n2" {
			t.Fatalf("member %d get at the compaction revision: %q, %v", m, out, err)
		}
	}
	if out, err := ctl(1, "compact", fmt.Sprint(revs[1])); err == nil || !strings.Contains(out, "required revision has been compacted") {
		t.Fatalf("compacting to %d again: %q, %v; want a compacted error", revs[1], out, err)
	}
	w := <-c.client(3).Watch(ctx, "step", clientv3.WithRev(revs[0]))
	if !w.Canceled || w.CompactRevision != revs[1] || !errors.Is(w.Err(), rpctypes.ErrCompacted) {
		t.Fatalf("watch from %d: canceled %v compact %d err %v; want canceled at %d", revs[0], w.Canceled, w.CompactRevision, w.Err(), revs[1])
	}
}
