package transport

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/internal/testpki"
	"github.com/tickraft/raft/raftpb"
)

func TestMutualTLS(t *testing.T) {
	checkNoLeaks(t)
	ca := testpki.NewCA(t, "cluster CA")
	ms := cluster(t, []uint64{1, 2}, func(c *Config) {
		c.TLS = MutualTLS(ca.Pool, ca.Issue(t, "member"))
	})
	ms[1].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 3)})
	waitFor(t, "delivery over TLS", func() bool { return len(ms[2].h.messages()) == 1 })
	addr := ms[2].Addr().String()

	// A hello to the TLS port without TLS gets no handshake answer.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Write(hello{kind: streamMessages, cluster: testCluster, from: 1, to: 2}.marshal())
		expectClosed(t, c)
		c.Close()
	}

	foreign := testpki.NewCA(t, "someone else's CA")
	for name, cfg := range map[string]*tls.Config{
		"foreign CA":            {RootCAs: ca.Pool, Certificates: []tls.Certificate{foreign.Issue(t, "member")}},
		"no client certificate": {RootCAs: ca.Pool},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := tls.Dial("tcp", addr, cfg)
			if err == nil {
				// TLS 1.3 reports a refused client certificate on the
				// first read, not in Dial.
				c.Write(hello{kind: streamMessages, cluster: testCluster, from: 1, to: 2}.marshal())
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				var b [1]byte
				_, err = c.Read(b[:])
				c.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("connection not refused for its certificate: %v", err)
			}
		})
	}

	// A whole member with a foreign certificate cannot reach the cluster.
	rogue := cluster(t, []uint64{3}, func(c *Config) {
		c.ID = 1
		c.Peers = map[uint64]string{2: addr}
		c.TLS = MutualTLS(ca.Pool, foreign.Issue(t, "member"))
	})
	rogue[3].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 4)})
	waitFor(t, "rogue reported unreachable", func() bool { return rogue[3].h.unreachableCount(2) > 0 })
	if n := len(ms[2].h.messages()); n != 1 {
		t.Fatalf("member 2 accepted %d messages, want only the first", n)
	}
}

func TestTLSConfigMustVerifyClients(t *testing.T) {
	ca := testpki.NewCA(t, "cluster CA")
	cfg := MutualTLS(ca.Pool, ca.Issue(t, "member"))
	cfg.ClientAuth = tls.RequestClientCert
	_, err := New(Config{ID: 1, ClusterID: 1, ListenAddr: "127.0.0.1:0", Handler: newRecorder(), TLS: cfg})
	if err == nil {
		t.Fatal("New accepted a TLS config that does not verify client certificates")
	}
}
