package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAutoCompactionRevision runs a cluster with
// --auto-compaction-mode revision --auto-compaction-retention 10 and checks
// with etcdctl that every member keeps the 10 revisions before the current
// one and refuses reads below them as etcd does. The five-minute check is
// shortened through the test-only environment variable.
func TestAutoCompactionRevision(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	t.Setenv("RAFTKV_TEST_REVISION_COMPACTION_INTERVAL", "100ms")
	c := newCluster(t, 3, "--auto-compaction-mode", "revision", "--auto-compaction-retention", "10")
	cl := c.client()
	ctx := ctx(t, 20*time.Second)
	var first, last int64
	for i := range 30 {
		resp, err := cl.Put(ctx, "k", fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = resp.Header.Revision
		}
		last = resp.Header.Revision
	}
	ctl := func(member uint64, args ...string) (string, error) {
		cmd := exec.Command(etcdctl, append([]string{"--endpoints=" + c.endpoints(member)[0], "--command-timeout=5s"}, args...)...)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	oldest := last - 10
	for _, m := range c.ids() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := ctl(m, "get", "--consistency=s", fmt.Sprint("--rev=", oldest-1), "k")
			if err != nil && strings.Contains(out, "required revision has been compacted") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("member %d get --rev=%d: %q, %v; want etcd's compacted error", m, oldest-1, out, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if out, err := ctl(m, "get", fmt.Sprint("--rev=", first), "k"); err == nil || !strings.Contains(out, "required revision has been compacted") {
			t.Fatalf("member %d get --rev=%d (the first put): %q, %v; want etcd's compacted error", m, first, out, err)
		}
		want := fmt.Sprint("k\n", oldest-first)
		if out, err := ctl(m, "get", fmt.Sprint("--rev=", oldest), "k"); err != nil || out != want {
			t.Fatalf("member %d get --rev=%d: %q, %v; want %q", m, oldest, out, err, want)
		}
	}
	if log := c.log(c.waitLeader(c.ids()...)); !strings.Contains(log, "auto-compacted the key history") {
		t.Fatalf("the leader's log has no auto-compaction line:\n%s", log)
	}
}
