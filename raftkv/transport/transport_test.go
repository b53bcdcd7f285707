package transport

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftpb"
)

// TestDeliveryInOrder sends interleaved batches to two peers and checks
// each receives all of its messages, intact and in order.
func TestDeliveryInOrder(t *testing.T) {
	checkNoLeaks(t)
	ms := cluster(t, []uint64{1, 2, 3}, nil)
	const n = 600
	for i := 0; i < n; i += 30 {
		var batch []raftpb.Message
		for j := i; j < i+30; j++ {
			batch = append(batch, testMsg(raftpb.MsgApp, 1, 2+uint64(j%2), uint64(j)))
		}
		ms[1].Send(batch)
	}
	for _, to := range []uint64{2, 3} {
		waitFor(t, fmt.Sprintf("%d messages at %d", n/2, to), func() bool { return len(ms[to].h.messages()) >= n/2 })
		got := ms[to].h.messages()
		if len(got) != n/2 {
			t.Fatalf("member %d got %d messages, want %d", to, len(got), n/2)
		}
		for k, m := range got {
			want := testMsg(raftpb.MsgApp, 1, to, uint64(2*k)+to-2)
			if m.Index != want.Index || m.From != 1 || m.To != to || string(m.Entries[0].Data) != "payload" {
				t.Fatalf("member %d message %d = %v, want index %d", to, k, m, want.Index)
			}
		}
		// The writer counts a frame as sent after its write returns, which
		// can be after the receiver has already delivered it.
		waitFor(t, fmt.Sprintf("%d sent to %d", n/2, to), func() bool { st, _ := ms[1].Stats(to); return st.Sent >= n/2 })
		if st, _ := ms[1].Stats(to); st.Sent != n/2 || st.Dropped != 0 {
			t.Fatalf("stats for %d = %+v, want %d sent and none dropped", to, st, n/2)
		}
	}
	if c := ms[1].h.unreachableCount(2) + ms[1].h.unreachableCount(3); c != 0 {
		t.Fatalf("%d unreachable reports on a healthy cluster", c)
	}
}

// silentPeer listens but never accepts, so a dial's handshake hangs and the
// writer never drains its queue.
func silentPeer(t *testing.T) string {
	ln := listen(t)
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestFullQueueDropsAndReportsUnreachable(t *testing.T) {
	checkNoLeaks(t)
	h := newRecorder()
	tr, err := New(Config{ID: 1, ClusterID: testCluster, Listener: listen(t), Handler: h,
		Peers: map[uint64]string{2: silentPeer(t)}, QueueSize: 4, DialTimeout: time.Minute,
		Logger: (&logBuffer{}).logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var msgs []raftpb.Message
	for i := range 10 {
		msgs = append(msgs, testMsg(raftpb.MsgApp, 1, 2, uint64(i)))
	}
	tr.Send(msgs)
	// The writer is stuck dialling: 4 messages fit, 6 are dropped, each
	// drop reported.
	if st, _ := tr.Stats(2); st.Dropped != 6 {
		t.Fatalf("dropped %d, want 6", st.Dropped)
	}
	if c := h.unreachableCount(2); c != 6 {
		t.Fatalf("unreachable reported %d times, want 6", c)
	}
	// A message for an unknown member is dropped and reported too.
	tr.Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 9, 0)})
	if c := h.unreachableCount(9); c != 1 {
		t.Fatalf("unknown member reported unreachable %d times, want 1", c)
	}
	// Close must interrupt the hanging dial.
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDeadPeerReportedThenReconnects(t *testing.T) {
	checkNoLeaks(t)
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close() // nobody listens at addr for now
	ms := cluster(t, []uint64{1}, func(c *Config) { c.Peers = map[uint64]string{2: addr} })
	a := ms[1]
	a.Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 0)})
	waitFor(t, "an unreachable report", func() bool { return a.h.unreachableCount(2) >= 2 })
	if !strings.Contains(a.log.String(), "peer unreachable") {
		t.Fatalf("no log line for the dead peer:\n%s", a.log)
	}

	// Member 2 comes up at the address; the writer's redial finds it.
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("re-listening on %s: %v", addr, err)
	}
	h2 := newRecorder()
	b, err := New(Config{ID: 2, ClusterID: testCluster, Listener: ln2, Handler: h2, Logger: (&logBuffer{}).logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Messages sent while disconnected are dropped, so keep sending until
	// one arrives; then everything after it arrives in order.
	next := uint64(1)
	waitFor(t, "delivery after reconnect", func() bool {
		a.Send([]raftpb.Message{testMsg(raftpb.MsgHeartbeat, 1, 2, next)})
		next++
		time.Sleep(5 * time.Millisecond)
		return len(h2.messages()) > 0
	})
	// next-1 heartbeats plus the first MsgApp went to the queue.
	waitFor(t, "the backlog", func() bool { st, _ := a.Stats(2); return st.Sent+st.Dropped == next })
	first := h2.messages()[0].Index
	a.Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 1000), testMsg(raftpb.MsgApp, 1, 2, 1001)})
	waitFor(t, "the last two messages", func() bool {
		got := h2.messages()
		return len(got) > 0 && got[len(got)-1].Index == 1001
	})
	got := h2.messages()
	for i := 1; i < len(got); i++ {
		if got[i].Index <= got[i-1].Index {
			t.Fatalf("out of order after reconnect: %d then %d", got[i-1].Index, got[i].Index)
		}
	}
	if got[0].Index != first || got[len(got)-2].Index != 1000 {
		t.Fatalf("unexpected delivery %v", got)
	}
}

// rawConn dials member to of the cluster as if it were member from, for
// the given cluster, and returns the connection and the status byte.
func rawConn(t *testing.T, addr string, h hello) (net.Conn, handshakeStatus) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(h.marshal()); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(b[:]); err != nil {
		t.Fatalf("reading handshake status: %v", err)
	}
	return c, handshakeStatus(b[0])
}

// expectClosed fails unless the peer closes c.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := bufio.NewReader(c).ReadByte(); err == nil {
		t.Fatalf("connection still open: read %d", n)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection not closed by the receiver")
	}
}

func TestMalformedFramesCloseConnection(t *testing.T) {
	checkNoLeaks(t)
	good := mustMarshal(t, testMsg(raftpb.MsgApp, 1, 2, 1))
	second := mustMarshal(t, testMsg(raftpb.MsgApp, 1, 2, 2))
	crcOK := func(p []byte) []byte { return rawFrame(p, crc32c(p)) }
	bad := map[string][]byte{
		// The header claims 2 GiB; only the header is checked.
		"length beyond maximum": append([]byte{0x7f, 0, 0, 0, 0, 0, 0, 0}, second...),
		"crc mismatch":          rawFrame(rawPayload(second), crc32c(rawPayload(second))+1),
		"undecodable message":   crcOK(rawPayload(second, []byte{0x0a, 0xff})),
		"from mismatch":         crcOK(rawPayload(second, mustMarshal(t, testMsg(raftpb.MsgApp, 3, 2, 3)))),
	}
	for name, frame := range bad {
		t.Run(name, func(t *testing.T) {
			ms := cluster(t, []uint64{1, 2, 3}, func(c *Config) { c.MaxFrameSize = 4096 })
			addr := ms[2].Addr().String()
			c, status := rawConn(t, addr, hello{kind: streamMessages, cluster: testCluster, from: 1, to: 2})
			if status != statusOK {
				t.Fatalf("handshake %v", status)
			}
			// A good frame first, then the bad one.
			if _, err := c.Write(append(crcOK(rawPayload(good)), frame...)); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, c)
			got := ms[2].h.messages()
			if len(got) != 1 || got[0].Index != 1 {
				t.Fatalf("delivered %v, want only the good frame's message", got)
			}
			if !strings.Contains(ms[2].log.String(), "closing connection") {
				t.Fatalf("no log line for the bad frame:\n%s", ms[2].log)
			}
			// Member 2 still serves member 3.
			ms[3].Send([]raftpb.Message{testMsg(raftpb.MsgHeartbeat, 3, 2, 77)})
			waitFor(t, "member 3's message", func() bool { return len(ms[2].h.messages()) == 2 })
			if m := ms[2].h.messages()[1]; m.From != 3 || m.Index != 77 {
				t.Fatalf("got %v from member 3", m)
			}
		})
	}
}

func TestHandshakeRefusals(t *testing.T) {
	checkNoLeaks(t)
	ms := cluster(t, []uint64{1, 2}, nil)
	addr := ms[2].Addr().String()
	tests := []struct {
		name string
		h    hello
		want handshakeStatus
		log  string
	}{
		{"other cluster", hello{kind: streamMessages, cluster: 0xdead, from: 1, to: 2}, statusWrongCluster, "belongs to cluster dead"},
		{"stale receiver id", hello{kind: streamMessages, cluster: testCluster, from: 1, to: 5}, statusWrongReceiver, "dialled member 5, this is member 2"},
		{"own id as sender", hello{kind: streamMessages, cluster: testCluster, from: 2, to: 2}, statusWrongReceiver, "claims member id 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, status := rawConn(t, addr, tt.h)
			if status != tt.want {
				t.Fatalf("status %v, want %v", status, tt.want)
			}
			expectClosed(t, c)
			if !strings.Contains(ms[2].log.String(), tt.log) {
				t.Fatalf("log lacks %q:\n%s", tt.log, ms[2].log)
			}
		})
	}
	// A bad magic gets a refusal too.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"))
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil || handshakeStatus(b[0]) != statusBadProtocol {
		t.Fatalf("bad magic answered %v, %v", b[0], err)
	}
}

// TestDialerLogsRefusal runs a whole Transport against a member of
// another cluster and a member with another id: both sides log why.
func TestDialerLogsRefusal(t *testing.T) {
	checkNoLeaks(t)
	other := cluster(t, []uint64{2}, func(c *Config) { c.ClusterID = 0xbad })
	third := cluster(t, []uint64{3}, nil)
	ms := cluster(t, []uint64{1}, func(c *Config) {
		c.Peers = map[uint64]string{2: other[2].Addr().String(), 4: third[3].Addr().String()}
	})
	ms[1].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 0), testMsg(raftpb.MsgApp, 1, 4, 0)})
	waitFor(t, "unreachable reports", func() bool {
		return ms[1].h.unreachableCount(2) > 0 && ms[1].h.unreachableCount(4) > 0
	})
	for _, want := range []string{"member 2 at " + other[2].Addr().String() + " refused: different cluster id",
		"member 4 at " + third[3].Addr().String() + " refused: receiver has a different member id"} {
		waitFor(t, "log line "+want, func() bool { return strings.Contains(ms[1].log.String(), want) })
	}
	if len(other[2].h.messages())+len(third[3].h.messages()) != 0 {
		t.Fatal("a refused connection delivered messages")
	}
}

func TestRemovedPeerRefused(t *testing.T) {
	checkNoLeaks(t)
	ms := cluster(t, []uint64{1, 2}, nil)
	ms[1].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 1)})
	waitFor(t, "first message", func() bool { return len(ms[2].h.messages()) == 1 })
	ms[2].RemovePeer(1)
	if err := ms[2].AddPeer(1, ms[1].Addr().String()); err == nil {
		t.Fatal("AddPeer of a removed member succeeded")
	}
	if _, ok := ms[2].Stats(1); ok {
		t.Fatal("removed peer still has stats")
	}
	waitFor(t, "refusal of the removed member", func() bool {
		ms[1].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 2)})
		time.Sleep(5 * time.Millisecond)
		return strings.Contains(ms[1].log.String(), "refused: sender was removed")
	})
	if n := len(ms[2].h.messages()); n != 1 {
		t.Fatalf("removed member delivered %d messages, want 1 from before", n)
	}
}

func TestAddPeerMovesAddress(t *testing.T) {
	checkNoLeaks(t)
	ms := cluster(t, []uint64{1, 2}, func(c *Config) {
		if c.ID == 1 {
			c.Peers = nil
		}
	})
	if err := ms[1].AddPeer(2, "127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if err := ms[1].AddPeer(2, ms[2].Addr().String()); err != nil {
		t.Fatal(err)
	}
	ms[1].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 5)})
	waitFor(t, "delivery at the new address", func() bool { return len(ms[2].h.messages()) == 1 })
	for _, id := range []uint64{0, 1} {
		if err := ms[1].AddPeer(id, "127.0.0.1:1"); err == nil {
			t.Fatalf("AddPeer(%d) accepted", id)
		}
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	ms := cluster(t, []uint64{1, 2, 3}, nil)
	for _, m := range ms {
		for to := range ms {
			if to != m.Transport.cfg.ID {
				m.Send([]raftpb.Message{testMsg(raftpb.MsgHeartbeat, m.Transport.cfg.ID, to, 1)})
			}
		}
	}
	for _, m := range ms {
		waitFor(t, "two messages", func() bool { return len(m.h.messages()) == 2 })
	}
	if runtime.NumGoroutine() <= before {
		t.Fatal("the running cluster shows no goroutines; the check below would prove nothing")
	}
	for _, m := range ms {
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		m.Close() // a second Close is harmless
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := ms[1].AddPeer(5, "127.0.0.1:1"); err == nil {
		t.Fatal("AddPeer after Close succeeded")
	}
	ms[1].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 9)}) // must not block or panic
}

func TestConfigValidation(t *testing.T) {
	h := newRecorder()
	ok := Config{ID: 1, ClusterID: 1, ListenAddr: "127.0.0.1:0", Handler: h}
	for name, mod := range map[string]func(*Config){
		"zero id":          func(c *Config) { c.ID = 0 },
		"zero cluster":     func(c *Config) { c.ClusterID = 0 },
		"no handler":       func(c *Config) { c.Handler = nil },
		"no listener":      func(c *Config) { c.ListenAddr = "" },
		"self as peer":     func(c *Config) { c.Peers = map[uint64]string{1: "x:1"} },
		"negative queue":   func(c *Config) { c.QueueSize = -1 },
		"tiny frames":      func(c *Config) { c.MaxFrameSize = 10 },
		"inverted backoff": func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond },
	} {
		c := ok
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted the config", name)
		}
	}
	c := ok
	c.Peers = map[uint64]string{2: "127.0.0.1:1"}
	tr, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if c.QueueSize != 0 || tr.cfg.QueueSize != defaultQueueSize {
		t.Fatalf("defaults: caller's QueueSize %d, transport's %d", c.QueueSize, tr.cfg.QueueSize)
	}
	c.Peers[3] = "127.0.0.1:2"
	if _, ok := tr.Stats(3); ok {
		t.Fatal("the transport shares the caller's Peers map")
	}
}
