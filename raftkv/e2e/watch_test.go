package e2e

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestEtcdctlWatchOnAFollower runs `etcdctl watch` against a follower
// while another member takes the writes: the watch replays a write made
// before it started (--rev), then streams the later ones, skipping keys
// outside its prefix, from the follower's own applied state.
func TestEtcdctlWatchOnAFollower(t *testing.T) {
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Fatal("etcdctl is not on PATH: run the tests with `make test`, which builds the pinned etcdctl into bin/ and puts it on PATH")
	}
	c := newCluster(t, 3)
	lead := c.waitLeader(c.ids()...)
	follower := lead%3 + 1
	writer := c.client(lead)
	ctx := ctx(t, 30*time.Second)
	first, err := writer.Put(ctx, "job/a", "1")
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(etcdctl, "--endpoints="+c.members[follower].client,
		"watch", "--prefix", "--rev="+fmt.Sprint(first.Header.Revision), "job/")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	for _, kv := range [][2]string{{"job/b", "2"}, {"other", "x"}} {
		if _, err := writer.Put(ctx, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := writer.Delete(ctx, "job/a"); err != nil {
		t.Fatal(err)
	}
	// etcdctl prints each event as its type, the key and the value (empty
	// for a delete), one per line.
	want := []string{"PUT", "job/a", "1", "PUT", "job/b", "2", "DELETE", "job/a", ""}
	var got []string
	timeout := time.After(15 * time.Second)
	for len(got) < len(want) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("etcdctl watch exited after %q", got)
			}
			got = append(got, l)
		case <-timeout:
			t.Fatalf("etcdctl watch printed %q, want %q", got, want)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("etcdctl watch printed %q, want %q", got, want)
	}
}
