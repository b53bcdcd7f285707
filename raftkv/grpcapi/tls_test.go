package grpcapi

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/internal/testpki"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// serveTLS serves a fake backend with the given TLS and returns its
// address.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	return serveGRPC(t, Config{Backend: newFakeBackend(t), TLS: cfg})
}

// rangeWith makes one Range call over a fresh connection with creds.
func rangeWith(t *testing.T, addr string, creds credentials.TransportCredentials) error {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = pb.NewKVClient(conn).Range(testCtx(t), &pb.RangeRequest{Key: []byte("k")})
	return err
}

// TestTLS: a TLS client API refuses plaintext clients and clients that do
// not trust its CA, and serves one that does.
func TestTLS(t *testing.T) {
	ca := testpki.NewCA(t, "client API CA")
	addr := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, "server")}})

	if err := rangeWith(t, addr, insecure.NewCredentials()); status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext client: %v, want Unavailable", err)
	}
	other := testpki.NewCA(t, "another CA")
	err := rangeWith(t, addr, credentials.NewTLS(&tls.Config{RootCAs: other.Pool}))
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("client trusting another CA: %v, want Unavailable naming the certificate", err)
	}
	if err := rangeWith(t, addr, credentials.NewTLS(&tls.Config{RootCAs: ca.Pool})); err != nil {
		t.Errorf("client trusting the CA: %v", err)
	}

	// etcd's client, configured as etcdctl --cacert does.
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: []string{addr}, DialTimeout: 5 * time.Second, Logger: zap.NewNop(),
		TLS: &tls.Config{RootCAs: ca.Pool},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Put(testCtx(t), "k", "v"); err != nil {
		t.Errorf("etcd client over TLS: %v", err)
	}
}

// TestTLSClientCertAuth: with client certificates required, a client
// without one is refused, as is one whose certificate another CA signed;
// a client presenting a certificate from the trusted CA is served.
func TestTLSClientCertAuth(t *testing.T) {
	ca := testpki.NewCA(t, "client API CA")
	addr := serveTLS(t, &tls.Config{
		Certificates: []tls.Certificate{ca.Issue(t, "server")},
		ClientCAs:    ca.Pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})
	if err := rangeWith(t, addr, credentials.NewTLS(&tls.Config{RootCAs: ca.Pool})); status.Code(err) != codes.Unavailable {
		t.Errorf("client without a certificate: %v, want Unavailable", err)
	}
	other := testpki.NewCA(t, "another CA")
	foreign := credentials.NewTLS(&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{other.Issue(t, "stranger")}})
	if err := rangeWith(t, addr, foreign); status.Code(err) != codes.Unavailable {
		t.Errorf("client with another CA's certificate: %v, want Unavailable", err)
	}
	own := credentials.NewTLS(&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Issue(t, "client")}})
	if err := rangeWith(t, addr, own); err != nil {
		t.Errorf("client with a certificate from the CA: %v", err)
	}
}

// TestTLSConfigWithoutCertificate: a TLS configuration without a server
// certificate is refused when the server is built.
func TestTLSConfigWithoutCertificate(t *testing.T) {
	_, err := New(Config{Backend: newFakeBackend(t), TLS: &tls.Config{}})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("New with an empty TLS config: %v, want an error naming the certificate", err)
	}
}
