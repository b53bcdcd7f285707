package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestEtcdctlLeases grants, uses, keeps alive and revokes a lease with
// etcd's command-line client. Keepalives and time-to-live go to a
// follower's endpoint only: it forwards them to the leader.
func TestEtcdctlLeases(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	c := newCluster(t, 3)
	all := strings.Join(c.endpoints(c.ids()...), ",")
	lead := c.waitLeader(c.ids()...)
	follower := c.endpoints(lead%3 + 1)[0]
	c.waitClientURLs(c.ids()...) // followers forward to the leader's published address
	run := func(eps string, args ...string) string {
		t.Helper()
		cmd := exec.Command(etcdctl, append([]string{"--endpoints=" + eps, "--command-timeout=5s"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("etcdctl %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	out := run(all, "lease", "grant", "60")
	var id string
	if _, err := fmt.Sscanf(out, "lease %s granted with TTL(60s)", &id); err != nil {
		t.Fatalf("lease grant printed %q: %v", out, err)
	}
	if got := run(all, "put", "--lease="+id, "session", "alive"); got != "OK" {
		t.Fatalf("put --lease printed %q", got)
	}
	if got, want := run(follower, "lease", "keep-alive", "--once", id), fmt.Sprintf("lease %s keepalived with TTL(60)", id); got != want {
		t.Fatalf("keep-alive printed %q, want %q", got, want)
	}
	if got := run(follower, "lease", "timetolive", "--keys", id); !strings.Contains(got, "granted with TTL(60s)") || !strings.Contains(got, "attached keys([session])") {
		t.Fatalf("timetolive printed %q", got)
	}
	if got := run(all, "lease", "list"); !strings.Contains(got, id) {
		t.Fatalf("lease list printed %q, want %s in it", got, id)
	}
	if got, want := run(all, "lease", "revoke", id), fmt.Sprintf("lease %s revoked", id); got != want {
		t.Fatalf("revoke printed %q, want %q", got, want)
	}
	if got := run(all, "get", "session"); got != "" {
		t.Fatalf("get after revoke printed %q, want nothing", got)
	}
}
