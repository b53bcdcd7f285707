package e2e

import (
	"crypto/tls"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/internal/testpki"
)

// TestEtcdctlTLS runs a cluster whose client API requires certificates
// from its CA. etcdctl with --cacert, --cert and --key is served; without
// a client certificate, or without TLS, it is refused. Through a follower,
// a lease keepalive and a member addition and removal work: the follower
// forwards them to the leader over TLS with its own certificate. raftkv
// ctl takes the same client flags.
func TestEtcdctlTLS(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	ca := testpki.NewCA(t, "client API CA")
	dir := t.TempDir()
	member := ca.WriteFiles(t, dir, "member")
	client := ca.WriteFiles(t, dir, "client")
	c := newClusterTLS(t, 3,
		&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Issue(t, "test")}},
		"--cert-file", member.Cert, "--key-file", member.Key,
		"--trusted-ca-file", member.CA, "--client-cert-auth")
	lead := c.waitLeader(c.ids()...)
	c.waitClientURLs(c.ids()...)
	all := strings.Join(c.endpoints(c.ids()...), ",")
	follower := c.endpoints(lead%3 + 1)[0]

	tlsFlags := []string{"--cacert=" + client.CA, "--cert=" + client.Cert, "--key=" + client.Key}
	etcdctlOut := func(eps string, flags []string, args ...string) (string, error) {
		cmd := exec.Command(etcdctl, append(append([]string{"--endpoints=" + eps, "--dial-timeout=2s", "--command-timeout=5s"}, flags...), args...)...)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	run := func(eps string, args ...string) string {
		t.Helper()
		out, err := etcdctlOut(eps, tlsFlags, args...)
		if err != nil {
			t.Fatalf("etcdctl %v: %v\n%s", args, err, out)
		}
		return out
	}

	if got := run(all, "put", "secure", "yes"); got != "OK" {
		t.Fatalf("put printed %q", got)
	}
	if got := run(follower, "get", "secure", "--print-value-only"); got != "yes" {
		t.Fatalf("get printed %q, want yes", got)
	}
	for _, bad := range []struct {
		name  string
		flags []string
	}{
		{"without a client certificate", []string{"--cacert=" + client.CA}},
		{"without TLS", nil},
	} {
		if out, err := etcdctlOut(follower, bad.flags, "get", "secure"); err == nil {
			t.Errorf("etcdctl %s was served: %s", bad.name, out)
		}
	}

	var lease string
	if _, err := fmt.Sscanf(run(all, "lease", "grant", "60"), "lease %s granted with TTL(60s)", &lease); err != nil {
		t.Fatalf("lease grant: %v", err)
	}
	if got, want := run(follower, "lease", "keep-alive", "--once", lease), fmt.Sprintf("lease %s keepalived with TTL(60)", lease); got != want {
		t.Fatalf("keep-alive through the follower printed %q, want %q", got, want)
	}
	var added string
	out := run(follower, "member", "add", "spare", "--peer-urls=http://"+freeAddr(t))
	if _, err := fmt.Sscanf(out, "Member %s added to cluster", &added); err != nil {
		t.Fatalf("member add through the follower printed %q: %v", out, err)
	}
	// etcdctl pads ids to 16 columns.
	if got := strings.Fields(run(follower, "member", "remove", added)); len(got) < 3 || got[1] != added || got[2] != "removed" {
		t.Fatalf("member remove through the follower printed %q", got)
	}

	ctl := exec.Command(raftkvBin, append([]string{"ctl", "--endpoints=" + all, "--timeout=5s"}, tlsFlags...)...)
	ctl.Args = append(ctl.Args, "get", "secure")
	var ctlOut strings.Builder
	ctl.Stdout, ctl.Stderr = &ctlOut, &ctlOut
	if err := runWithin(ctl, 10*time.Second); err != nil || !strings.Contains(ctlOut.String(), "yes") {
		t.Fatalf("raftkv ctl get over TLS: %v\n%s", err, ctlOut.String())
	}
}
