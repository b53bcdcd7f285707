package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftpb"
)

// testCA is a throwaway certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue makes a certificate for 127.0.0.1 usable as server and client.
func (ca *testCA) issue(t *testing.T, serial int64) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "member"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestMutualTLS(t *testing.T) {
	checkNoLeaks(t)
	ca := newCA(t, "cluster CA")
	serial := int64(10)
	ms := cluster(t, []uint64{1, 2}, func(c *Config) {
		serial++
		c.TLS = MutualTLS(ca.pool, ca.issue(t, serial))
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

	foreign := newCA(t, "someone else's CA")
	for name, cfg := range map[string]*tls.Config{
		"foreign CA":            {RootCAs: ca.pool, Certificates: []tls.Certificate{foreign.issue(t, 2)}},
		"no client certificate": {RootCAs: ca.pool},
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
		c.TLS = MutualTLS(ca.pool, foreign.issue(t, 3))
	})
	rogue[3].Send([]raftpb.Message{testMsg(raftpb.MsgApp, 1, 2, 4)})
	waitFor(t, "rogue reported unreachable", func() bool { return rogue[3].h.unreachableCount(2) > 0 })
	if n := len(ms[2].h.messages()); n != 1 {
		t.Fatalf("member 2 accepted %d messages, want only the first", n)
	}
}

func TestTLSConfigMustVerifyClients(t *testing.T) {
	ca := newCA(t, "cluster CA")
	cfg := MutualTLS(ca.pool, ca.issue(t, 2))
	cfg.ClientAuth = tls.RequestClientCert
	_, err := New(Config{ID: 1, ClusterID: 1, ListenAddr: "127.0.0.1:0", Handler: newRecorder(), TLS: cfg})
	if err == nil {
		t.Fatal("New accepted a TLS config that does not verify client certificates")
	}
}
