package transport

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// recorder is a Handler that records everything it is given.
type recorder struct {
	mu          sync.Mutex
	msgs        []raftpb.Message
	unreachable map[uint64]int
	snaps       map[uint64][]raft.SnapshotStatus
	// onSnapshot, if set, handles incoming snapshots; by default the data
	// is read to its end and kept in snapData.
	onSnapshot func(m raftpb.Message, data io.Reader) error
	snapData   [][]byte
}

func newRecorder() *recorder {
	return &recorder{unreachable: map[uint64]int{}, snaps: map[uint64][]raft.SnapshotStatus{}}
}

func (r *recorder) Process(_ context.Context, m raftpb.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recorder) ProcessSnapshot(_ context.Context, m raftpb.Message, data io.Reader) error {
	r.mu.Lock()
	f := r.onSnapshot
	r.mu.Unlock()
	if f != nil {
		return f(m, data)
	}
	b, err := io.ReadAll(data)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	r.snapData = append(r.snapData, b)
	return nil
}

func (r *recorder) setOnSnapshot(f func(m raftpb.Message, data io.Reader) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onSnapshot = f
}

func (r *recorder) ReportUnreachable(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unreachable[id]++
}

func (r *recorder) ReportSnapshot(id uint64, s raft.SnapshotStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snaps[id] = append(r.snaps[id], s)
}

func (r *recorder) messages() []raftpb.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]raftpb.Message(nil), r.msgs...)
}

func (r *recorder) unreachableCount(id uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unreachable[id]
}

func (r *recorder) snapReports(id uint64) []raft.SnapshotStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]raft.SnapshotStatus(nil), r.snaps[id]...)
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// member is one Transport under test with its handler and log.
type member struct {
	*Transport
	h   *recorder
	log *logBuffer
}

const testCluster = 0xc1

// cluster starts one Transport per id, each knowing all others, with
// test-friendly timings; mod adjusts each Config.
func cluster(t testing.TB, ids []uint64, mod func(*Config)) map[uint64]*member {
	t.Helper()
	lns := map[uint64]net.Listener{}
	addrs := map[uint64]string{}
	for _, id := range ids {
		lns[id] = listen(t)
		addrs[id] = lns[id].Addr().String()
	}
	ms := map[uint64]*member{}
	for _, id := range ids {
		peers := map[uint64]string{}
		for pid, a := range addrs {
			if pid != id {
				peers[pid] = a
			}
		}
		m := &member{h: newRecorder(), log: &logBuffer{}}
		cfg := Config{ID: id, ClusterID: testCluster, Listener: lns[id], Peers: peers,
			Handler: m.h, Logger: m.log.logger(), MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
		if mod != nil {
			mod(&cfg)
		}
		tr, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		m.Transport = tr
		t.Cleanup(func() { tr.Close() })
		ms[id] = m
	}
	return ms
}

// checkNoLeaks fails the test if a goroutine of the package's
// Transport is still running once the test's cleanups are done. Call it
// first, so that its cleanup runs last.
func checkNoLeaks(t *testing.T) {
	t.Cleanup(func() {
		var stacks string
		for range 200 {
			buf := make([]byte, 1<<20)
			stacks = string(buf[:runtime.Stack(buf, true)])
			if !strings.Contains(stacks, "transport.(*Transport)") && !strings.Contains(stacks, "transport.(*peer)") {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("goroutines left after Close:\n%s", stacks)
	})
}
