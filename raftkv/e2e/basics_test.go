package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestClient drives a 3-member cluster through etcd's Go client: writes on
// one member are read linearizably on another, a txn takes the branch its
// compare picks, deletes remove keys, and member list names everyone.
func TestClient(t *testing.T) {
	c := newCluster(t, 3)
	ctx := ctx(t, 20*time.Second)
	one, two := c.client(1), c.client(2)

	put, err := one.Put(ctx, "fruit/apple", "red")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := one.Put(ctx, "fruit/kiwi", "green"); err != nil {
		t.Fatal(err)
	}
	got, err := two.Get(ctx, "fruit/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if s := kvString(got); s != "fruit/apple=red fruit/kiwi=green" || got.Header.Revision != put.Header.Revision+1 {
		t.Fatalf("get on member 2: %s at revision %d, want both fruits at %d", s, got.Header.Revision, put.Header.Revision+1)
	}

	txn := func(want string) *clientv3.TxnResponse {
		resp, err := two.Txn(ctx).
			If(clientv3.Compare(clientv3.Value("fruit/apple"), "=", want)).
			Then(clientv3.OpPut("fruit/apple", "green")).
			Else(clientv3.OpGet("fruit/apple")).Commit()
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := txn("red"); !r.Succeeded {
		t.Fatal("txn comparing apple to its value red failed")
	}
	r := txn("red")
	if r.Succeeded || len(r.Responses) != 1 || string(r.Responses[0].GetResponseRange().Kvs[0].Value) != "green" {
		t.Fatalf("second txn: succeeded %v, responses %v; want the else branch reading green", r.Succeeded, r.Responses)
	}

	del, err := c.client(3).Delete(ctx, "fruit/", clientv3.WithPrefix())
	if err != nil || del.Deleted != 2 {
		t.Fatalf("delete fruit/: %v deleted, err %v", del, err)
	}
	got, err = one.Get(ctx, "fruit/", clientv3.WithPrefix())
	if err != nil || len(got.Kvs) != 0 {
		t.Fatalf("get after delete: %v, %v", got, err)
	}

	list, err := one.MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Members) != 3 {
		t.Fatalf("member list has %d members, want 3", len(list.Members))
	}
	for i, m := range list.Members {
		if m.ID != uint64(i+1) || len(m.PeerURLs) != 1 || m.PeerURLs[0] != "http://"+c.members[m.ID].peer {
			t.Fatalf("member %d: %v", i, m)
		}
	}
}

func kvString(r *clientv3.GetResponse) string {
	var parts []string
	for _, kv := range r.Kvs {
		parts = append(parts, string(kv.Key)+"="+string(kv.Value))
	}
	return strings.Join(parts, " ")
}

// TestEtcdctl runs etcd's own command-line client against the cluster.
func TestEtcdctl(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	c := newCluster(t, 3)
	eps := strings.Join(c.endpoints(c.ids()...), ",")
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(etcdctl, append([]string{"--endpoints=" + eps, "--command-timeout=5s"}, args...)...)
		// etcdctl 3.4 and later speak the v3 API by default; 3.6 warns if
		// ETCDCTL_API is set at all.
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("etcdctl %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	check := func(got, want string, args ...string) {
		t.Helper()
		if got != want {
			t.Fatalf("etcdctl %v printed %q, want %q", args, got, want)
		}
	}
	check(run("", "put", "city", "Lyon"), "OK", "put")
	check(run("", "put", "river", "Rhone"), "OK", "put")
	check(run("", "get", "city"), "city\nLyon", "get city")
	check(run("", "get", "--prefix", "--keys-only", ""), "city\n\nriver", "get --prefix --keys-only")
	// A txn read from stdin: compares, then the success ops, then the
	// failure ops, each block ended by an empty line.
	check(run("value(\"city\") = \"Lyon\"\n\nput city Paris\n\nput city Nowhere\n\n", "txn"), "SUCCESS\n\nOK", "txn")
	check(run("", "get", "--print-value-only", "city"), "Paris", "get after txn")
	check(run("value(\"city\") = \"Lyon\"\n\nput city Lyon\n\nget river\n\n", "txn"), "FAILURE\n\nriver\nRhone", "failing txn")
	check(run("", "del", "city"), "1", "del")
	check(run("", "get", "city"), "", "get after del")
	if out := run("", "endpoint", "status"); strings.Count(out, "\n") != 2 || strings.Count(out, ", true, ") != 1 {
		t.Fatalf("endpoint status: want 3 lines, one leader (true):\n%s", out)
	}
	if out := run("", "member", "list"); strings.Count(out, "started") != 3 {
		t.Fatalf("member list: want 3 started members:\n%s", out)
	}
}
