package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// load writes unique keys from several goroutines until stopped. Each key
// is written once, so a key whose version is above 1 was applied twice.
type load struct {
	mu    sync.Mutex
	acked map[string]bool
	tried int
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startLoad(cl *clientv3.Client, writers int, prefix string) *load {
	l := &load{acked: map[string]bool{}, stop: make(chan struct{})}
	for w := range writers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				key := fmt.Sprintf("%s%d-%06d", prefix, w, n)
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err := cl.Put(ctx, key, "v")
				cancel()
				l.mu.Lock()
				l.tried++
				if err == nil {
					l.acked[key] = true
				}
				l.mu.Unlock()
				if err != nil {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	return l
}

func (l *load) finish() (acked map[string]bool, tried int) {
	close(l.stop)
	l.wg.Wait()
	return l.acked, l.tried
}

// checkWrites checks member id's local state against the load: every
// acknowledged key is there, and no key was applied twice.
func (c *cluster) checkWrites(id uint64, prefix string, acked map[string]bool) {
	c.t.Helper()
	resp := c.serializableGet(id, prefix, clientv3.WithPrefix())
	seen := map[string]bool{}
	for _, kv := range resp.Kvs {
		seen[string(kv.Key)] = true
		if kv.Version != 1 {
			c.t.Errorf("member %x: key %s has version %d: a write was applied twice", id, kv.Key, kv.Version)
		}
	}
	var lost []string
	for k := range acked {
		if !seen[k] {
			lost = append(lost, k)
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		c.t.Fatalf("member %x lost %d acknowledged writes, first %s", id, len(lost), lost[0])
	}
}

// TestKillLeaderUnderLoad kills the leader with SIGKILL several times
// while clients write, restarting it each time from its WAL. Every
// acknowledged write must survive on every member, and none may apply
// twice.
func TestKillLeaderUnderLoad(t *testing.T) {
	c := newCluster(t, 3)
	l := startLoad(c.client(), 4, "load/")
	for cycle := range 3 {
		time.Sleep(300 * time.Millisecond)
		lead := c.waitLeader(c.ids()...)
		c.kill9(lead)
		var rest []uint64
		for _, id := range c.ids() {
			if id != lead {
				rest = append(rest, id)
			}
		}
		next := c.waitLeader(rest...)
		t.Logf("cycle %d: killed leader %x, %x took over", cycle, lead, next)
		time.Sleep(200 * time.Millisecond)
		c.start(lead, "new")
	}
	time.Sleep(300 * time.Millisecond)
	acked, tried := l.finish()
	t.Logf("%d writes tried, %d acknowledged", tried, len(acked))
	if len(acked) < 100 {
		t.Fatalf("only %d writes acknowledged: the cluster barely served", len(acked))
	}
	rev, err := c.client().Get(ctx(t, 5*time.Second), "load/", clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range c.ids() {
		c.waitCaughtUp(id, rev.Header.Revision)
		c.checkWrites(id, "load/", acked)
	}
}

// TestRestartFromWAL stops the whole cluster and starts it again: the data
// comes back from each member's WAL and state machine.
func TestRestartFromWAL(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client()
	for i := range 20 {
		if _, err := cl.Put(ctx(t, 5*time.Second), fmt.Sprintf("k%02d", i), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range c.ids() {
		c.stop(id)
	}
	for _, id := range c.ids() {
		c.start(id, "new")
	}
	c.waitLeader(c.ids()...)
	got, err := c.client().Get(ctx(t, 5*time.Second), "k", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Kvs) != 20 || string(got.Kvs[7].Value) != "7" {
		t.Fatalf("after restarting every member: %s", kvString(got))
	}
}

// lastSegment returns the path of member id's newest WAL segment and the
// offset just past its last non-zero byte (segments are preallocated with
// zeros, so that is the end of what was written).
func (c *cluster) lastSegment(id uint64) (string, []byte, int) {
	c.t.Helper()
	segs, err := filepath.Glob(filepath.Join(c.members[id].dir, "wal", "*"))
	if err != nil || len(segs) == 0 {
		c.t.Fatalf("member %x has no WAL segments (%v)", id, err)
	}
	sort.Strings(segs)
	path := segs[len(segs)-1]
	b, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	end := len(b)
	for end > 0 && b[end-1] == 0 {
		end--
	}
	return path, b, end
}

// TestTornWALTail cuts the end off a stopped member's last WAL segment,
// as a crash in the middle of a write would: the member restarts, drops
// the torn write and catches up from the others.
func TestTornWALTail(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client()
	var last int64
	for i := range 10 {
		resp, err := cl.Put(ctx(t, 5*time.Second), fmt.Sprintf("k%02d", i), "v")
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Header.Revision
	}
	// A real torn write is one that was never synced, so never
	// acknowledged. Once member 3 has applied every put, its last batch
	// only records the commit index; cutting that one loses nothing it
	// acknowledged. (Cutting a batch of entries it had acknowledged would
	// break Raft's assumption that acknowledged entries stay durable.)
	c.waitCaughtUp(3, last)
	c.kill9(3)
	path, _, end := c.lastSegment(3)
	if err := os.Truncate(path, int64(end-5)); err != nil {
		t.Fatal(err)
	}
	// A write forwarded to a dead leader is lost with it: wait for the
	// survivors to agree on one first.
	c.waitLeader(1, 2)
	resp, err := c.client(1, 2).Put(ctx(t, 5*time.Second), "after", "v")
	if err != nil {
		t.Fatal(err)
	}
	c.start(3, "new")
	c.waitCaughtUp(3, resp.Header.Revision)
	if got := c.serializableGet(3, "k", clientv3.WithPrefix()); len(got.Kvs) != 10 {
		t.Fatalf("member 3 after a torn tail has %d of 10 keys", len(got.Kvs))
	}
}

// TestCorruptWAL flips a byte in the middle of a stopped member's log: the
// member must refuse to start, say why on stderr, and exit non-zero.
func TestCorruptWAL(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client()
	for i := range 30 {
		if _, err := cl.Put(ctx(t, 5*time.Second), fmt.Sprintf("k%02d", i), "some value"); err != nil {
			t.Fatal(err)
		}
	}
	c.stop(3)
	path, b, end := c.lastSegment(3)
	b[end/2] ^= 0x40
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	m := c.members[3]
	os.Truncate(m.logPath, 0)
	m.cmd = nil
	c.startExpectingExit(3)
	if m.err == nil {
		t.Fatal("member 3 started on a corrupt WAL")
	}
	if log := c.log(3); !strings.Contains(log, "corrupt") || !strings.Contains(log, filepath.Base(path)) {
		t.Fatalf("member 3 exited (%v) without naming the corrupt segment:\n%s", m.err, log)
	}
}

// startExpectingExit starts member id and waits for it to exit by itself.
func (c *cluster) startExpectingExit(id uint64) {
	c.t.Helper()
	m := c.members[id]
	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	defer logf.Close()
	args := []string{"--id", fmt.Sprint(id), "--data-dir", m.dir, "--initial-cluster", c.initialCluster(),
		"--listen-client-addr", m.client, "--metrics-addr", ""}
	cmd := exec.Command(raftkvBin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	m.err = runWithin(cmd, 15*time.Second)
}

// TestPartitionedLeader stops the two followers (SIGSTOP: they neither
// answer nor send). The isolated leader must stop serving linearizable
// reads, though serializable reads of its own state go on; once the
// followers resume, linearizable reads work again.
func TestPartitionedLeader(t *testing.T) {
	c := newCluster(t, 3)
	lead := c.waitLeader(c.ids()...)
	cl := c.client(lead)
	if _, err := cl.Put(ctx(t, 5*time.Second), "k", "v"); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.ids() {
		if id != lead {
			c.pause(id)
		}
	}
	// A linearizable read needs a quorum to confirm the leader: it fails
	// (no leader, or a timeout) rather than answer from a stale view.
	rctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	got, err := cl.Get(rctx, "k")
	cancel()
	if err == nil {
		t.Fatalf("isolated leader served a linearizable read: %s", kvString(got))
	}
	t.Logf("linearizable read on the isolated leader: %v", err)
	if got := c.serializableGet(lead, "k"); kvString(got) != "k=v" {
		t.Fatalf("serializable read on the isolated leader: %s", kvString(got))
	}
	for _, id := range c.ids() {
		if id != lead {
			c.signal(id, syscall.SIGCONT)
		}
	}
	c.waitLeader(c.ids()...)
	got, err = c.client(lead).Get(ctx(t, 5*time.Second), "k")
	if err != nil || kvString(got) != "k=v" {
		t.Fatalf("linearizable read after the partition healed: %v, %v", got, err)
	}
}
