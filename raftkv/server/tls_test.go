package server

import (
	"context"
	"crypto/tls"
	"slices"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/internal/testpki"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// TestForwardingOverTLS: the client API requires client certificates
// from its CA. A client of a follower keeps a lease alive, reads its time
// to live and adds a member, each forwarded to the leader. Only the
// leader can answer the lease calls, and it refuses plaintext and clients
// without a certificate, so the follower dialed it with TLS, trusting the
// CA and presenting its own certificate.
func TestForwardingOverTLS(t *testing.T) {
	ca := testpki.NewCA(t, "client API CA")
	apiTLS := &tls.Config{
		Certificates: []tls.Certificate{ca.Issue(t, "member")},
		ClientCAs:    ca.Pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}
	memberCert := ca.Issue(t, "member")
	c, lead := newAPICluster(t, 3, apiTLS, func(cfg *Config) {
		cfg.ClientTLS = &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{memberCert}}
	})
	f := c.followerOf(lead)
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: []string{f.members.get(f.ID()).Client}, DialTimeout: 5 * time.Second, Logger: zap.NewNop(),
		TLS: &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Issue(t, "client")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	grant, err := cli.Grant(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	ka, err := cli.KeepAliveOnce(ctx, grant.ID)
	if err != nil || ka.TTL != 30 {
		t.Fatalf("keepalive through the follower: %v, %v; want TTL 30", ka, err)
	}
	ttl, err := cli.TimeToLive(ctx, grant.ID)
	if err != nil || ttl.TTL <= 0 || ttl.GrantedTTL != 30 {
		t.Fatalf("time-to-live through the follower: %v, %v; want a live lease of 30 s", ttl, err)
	}
	added, err := cli.MemberAdd(ctx, []string{"http://" + freeAddrs(t, 1)[0]})
	if err != nil {
		t.Fatalf("member add through the follower: %v", err)
	}
	if !isMember(c.servers[lead].confState(), added.Member.ID) || !isMember(f.confState(), added.Member.ID) {
		t.Fatalf("member %x added through the follower is missing on the leader or the follower", added.Member.ID)
	}
	list, err := cli.MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Members {
		if m.ID == lead && !slices.Equal(m.ClientURLs, []string{"https://" + c.servers[lead].members.get(lead).Client}) {
			t.Fatalf("the leader's client URLs %v, want its address with https", m.ClientURLs)
		}
	}
}
