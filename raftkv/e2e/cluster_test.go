package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
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
	"go.uber.org/zap"
)

// Fast raft timing keeps failovers short; loopback round trips are far
// below the heartbeat.
const (
	heartbeat       = "20ms"
	electionTimeout = "200ms"
)

// member is one raftkv process and where it lives.
type member struct {
	id           uint64
	dir, logPath string
	client, peer string
	cmd          *exec.Cmd
	exited       chan struct{}
	err          error // the process's exit, once exited is closed
}

// cluster runs members of one raftkv cluster as processes.
type cluster struct {
	t       *testing.T
	root    string
	members map[uint64]*member
	extra   []string    // flags for every member
	tls     *tls.Config // the test's clients use it when set
}

// handedOut holds every address freeAddr returned in this process: the
// kernel may offer a port again once its listener is closed, and two
// members given one port cannot both start.
var handedOut sync.Map

// freeAddr returns a loopback address free now and never returned before.
func freeAddr(t *testing.T) string {
	t.Helper()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, dup := handedOut.LoadOrStore(addr, true); !dup {
			return addr
		}
	}
}

// newCluster starts n members (ids 1..n) of a new cluster and waits for a
// leader.
func newCluster(t *testing.T, n int, extra ...string) *cluster {
	return newClusterTLS(t, n, nil, extra...)
}

// newClusterTLS is newCluster whose test clients dial with clientTLS.
func newClusterTLS(t *testing.T, n int, clientTLS *tls.Config, extra ...string) *cluster {
	c := &cluster{t: t, root: t.TempDir(), members: map[uint64]*member{}, extra: extra, tls: clientTLS}
	for id := uint64(1); id <= uint64(n); id++ {
		c.addMember(id)
	}
	t.Cleanup(c.killAll)
	for id := range c.members {
		c.start(id, "new")
	}
	c.waitLeader(c.ids()...)
	return c
}

// addMember reserves addresses and a directory for member id.
func (c *cluster) addMember(id uint64) *member {
	m := &member{
		id: id, dir: filepath.Join(c.root, fmt.Sprintf("m%x", id)),
		logPath: filepath.Join(c.root, fmt.Sprintf("m%x.log", id)),
		client:  freeAddr(c.t), peer: freeAddr(c.t),
	}
	c.members[id] = m
	return m
}

func (c *cluster) ids() []uint64 {
	var ids []uint64
	for id := range c.members {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (c *cluster) initialCluster() string {
	var parts []string
	for _, id := range c.ids() {
		parts = append(parts, fmt.Sprintf("%d=%s", id, c.members[id].peer))
	}
	return strings.Join(parts, ",")
}

// start runs member id's process; state is "new" or "existing".
func (c *cluster) start(id uint64, state string) {
	c.t.Helper()
	m := c.members[id]
	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	args := append([]string{
		"--id", fmt.Sprint(id), "--data-dir", m.dir, "--initial-cluster", c.initialCluster(),
		"--initial-cluster-state", state, "--listen-client-addr", m.client, "--metrics-addr", "",
		"--heartbeat-interval", heartbeat, "--election-timeout", electionTimeout,
	}, c.extra...)
	m.cmd = exec.Command(raftkvBin, args...)
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	if err := m.cmd.Start(); err != nil {
		c.t.Fatalf("starting member %x: %v", id, err)
	}
	logf.Close()
	m.exited = make(chan struct{})
	go func(m *member, cmd *exec.Cmd, exited chan struct{}) {
		m.err = cmd.Wait()
		close(exited)
	}(m, m.cmd, m.exited)
	c.waitServing(m)
}

// waitServing waits until the member's client port accepts connections.
func (c *cluster) waitServing(m *member) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-m.exited:
			c.t.Fatalf("member %x exited at start: %v\n%s", m.id, m.err, c.log(m.id))
		default:
		}
		if conn, err := net.DialTimeout("tcp", m.client, 100*time.Millisecond); err == nil {
			conn.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("member %x does not serve on %s\n%s", m.id, m.client, c.log(m.id))
}

// signal sends sig to a running member.
func (c *cluster) signal(id uint64, sig syscall.Signal) {
	c.t.Helper()
	if err := c.members[id].cmd.Process.Signal(sig); err != nil {
		c.t.Fatalf("signal %v to member %x: %v", sig, id, err)
	}
}

// pause stops member id with SIGSTOP and waits until every thread of it has
// stopped. kill(2) returns before the stop takes hold: until the thread
// chosen for the signal runs, the others may still answer the network.
func (c *cluster) pause(id uint64) {
	c.t.Helper()
	c.signal(id, syscall.SIGSTOP)
	pid := c.members[id].cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for !allThreadsStopped(pid) {
		if time.Now().After(deadline) {
			c.t.Fatalf("member %x (pid %d) did not stop within 10s of SIGSTOP", id, pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// allThreadsStopped reports whether every thread of pid is in the stopped
// state, as /proc/PID/task/TID/stat shows it (the field after the name).
func allThreadsStopped(pid int) bool {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false
	}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			return false
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+2 >= len(s) || (s[i+2] != 'T' && s[i+2] != 't') {
			return false
		}
	}
	return true
}

// kill9 kills member id with SIGKILL and waits for it to go.
func (c *cluster) kill9(id uint64) {
	c.t.Helper()
	c.signal(id, syscall.SIGKILL)
	<-c.members[id].exited
}

// stop ends member id with SIGTERM and checks that it exits cleanly.
func (c *cluster) stop(id uint64) {
	c.t.Helper()
	m := c.members[id]
	c.signal(id, syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(15 * time.Second):
		c.t.Fatalf("member %x did not stop within 15s of SIGTERM", id)
	}
	if m.err != nil {
		c.t.Fatalf("member %x exited with %v after SIGTERM\n%s", id, m.err, c.log(id))
	}
}

func (c *cluster) running(id uint64) bool {
	m := c.members[id]
	if m.cmd == nil {
		return false
	}
	select {
	case <-m.exited:
		return false
	default:
		return true
	}
}

func (c *cluster) killAll() {
	for _, m := range c.members {
		if c.running(m.id) {
			m.cmd.Process.Signal(syscall.SIGCONT)
			m.cmd.Process.Kill()
			<-m.exited
		}
	}
	if c.t.Failed() {
		for _, id := range c.ids() {
			c.t.Logf("log of member %x:\n%s", id, c.log(id))
		}
	}
}

// log returns the tail of member id's log.
func (c *cluster) log(id uint64) string {
	b, _ := os.ReadFile(c.members[id].logPath)
	const tail = 4000
	if len(b) > tail {
		b = b[len(b)-tail:]
	}
	return string(b)
}

func (c *cluster) endpoints(ids ...uint64) []string {
	var eps []string
	for _, id := range ids {
		eps = append(eps, c.members[id].client)
	}
	return eps
}

// client connects to the given members (every member if none is named).
func (c *cluster) client(ids ...uint64) *clientv3.Client {
	c.t.Helper()
	if len(ids) == 0 {
		ids = c.ids()
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: c.endpoints(ids...), DialTimeout: 2 * time.Second, Logger: zap.NewNop(), TLS: c.tls})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// waitLeader waits until every named member reports the same leader, one
// of them, and returns it.
func (c *cluster) waitLeader(ids ...uint64) uint64 {
	c.t.Helper()
	cl := c.client(ids...)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if lead := agreedLeader(cl, c.endpoints(ids...)); lead != 0 {
			for _, id := range ids {
				if id == lead {
					return lead
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("members %v agreed on no leader within 15s", ids)
	return 0
}

func agreedLeader(cl *clientv3.Client, eps []string) uint64 {
	var lead uint64
	for _, ep := range eps {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		st, err := cl.Status(ctx, ep)
		cancel()
		if err != nil || st.Leader == 0 || (lead != 0 && st.Leader != lead) {
			return 0
		}
		lead = st.Leader
	}
	return lead
}

func ctx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// serializableGet reads key on one member from its local state.
func (c *cluster) serializableGet(id uint64, key string, opts ...clientv3.OpOption) *clientv3.GetResponse {
	c.t.Helper()
	cl := c.client(id)
	resp, err := cl.Get(ctx(c.t, 5*time.Second), key, append(opts, clientv3.WithSerializable())...)
	if err != nil {
		c.t.Fatalf("serializable get %q on member %x: %v", key, id, err)
	}
	return resp
}

// waitCaughtUp waits until member id's local state has revision rev.
func (c *cluster) waitCaughtUp(id uint64, rev int64) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		got = c.serializableGet(id, "\x00").Header.Revision
		if got >= rev {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("member %x is at revision %d, want %d", id, got, rev)
}
