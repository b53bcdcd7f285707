package server

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/grpcapi"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// apiBackend adds the two calls grpcapi needs that Server spells
// differently (the command's backend does the same).
type apiBackend struct{ *Server }

func (b apiBackend) Status(context.Context) (*pb.StatusResponse, error) {
	return &pb.StatusResponse{}, nil
}

func (b apiBackend) Header() grpcapi.Header {
	return grpcapi.Header{ClusterID: b.ClusterID(), MemberID: b.ID(), Revision: b.KV().Revision()}
}

// serveAPI serves s's client API on lis until the test ends, with TLS if
// tlsCfg is not nil.
func serveAPI(t *testing.T, s *Server, lis net.Listener, tlsCfg *tls.Config) {
	t.Helper()
	api, err := grpcapi.New(grpcapi.Config{Backend: apiBackend{s}, TLS: tlsCfg, Errors: []grpcapi.ErrorStatus{
		{Err: ErrNotPrimary, Status: rpctypes.ErrGRPCNotLeader},
		{Err: ErrNotLeader, Status: rpctypes.ErrGRPCNoLeader},
		{Err: ErrConfChangePending, Status: status.Error(codes.Unavailable, "etcdserver: "+ErrConfChangePending.Error())},
	}})
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(api.ServerOptions()...)
	api.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
}

// TestKeepAliveThroughFollower: an etcd client that knows only a
// follower's endpoint keeps a lease alive well past its TTL; the
// follower forwards each keepalive, and TimeToLive, to the leader's
// published client address. Once the keepalives stop, the lease expires
// and takes its key with it, so it was the keepalives that kept it.
func TestKeepAliveThroughFollower(t *testing.T) {
	lis := map[uint64]net.Listener{}
	for id := uint64(1); id <= 3; id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[id] = l
	}
	c := newTunedCluster(t, 3, func(cfg *Config) { cfg.ClientAddr = lis[cfg.ID].Addr().String() })
	for id, s := range c.servers {
		serveAPI(t, s, lis[id], nil)
	}
	lead := c.waitLeader()
	f := c.followerOf(lead)
	deadline := time.Now().Add(20 * time.Second)
	for f.members.get(lead).Client != lis[lead].Addr().String() {
		if time.Now().After(deadline) {
			t.Fatal("the follower never learned the leader's client address")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: []string{lis[f.ID()].Addr().String()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const ttl = 2
	grant, err := cli.Grant(ctx, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "leased", "1", clientv3.WithLease(grant.ID)); err != nil {
		t.Fatal(err)
	}
	kaCtx, kaCancel := context.WithCancel(ctx)
	ka, err := cli.KeepAlive(kaCtx, grant.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The client sends a keepalive every TTL/3: ten answers span five
	// TTLs, long past the deadline of a lease nobody renews.
	for n := 0; n < 10; n++ {
		resp, ok := <-ka
		if !ok {
			t.Fatalf("keepalive channel closed after %d answers: the lease was lost", n)
		}
		if resp.TTL != ttl {
			t.Fatalf("keepalive answer %d: TTL %d, want %d", n, resp.TTL, ttl)
		}
	}
	ttlResp, err := cli.TimeToLive(ctx, grant.ID)
	if err != nil {
		t.Fatalf("time-to-live through the follower: %v", err)
	}
	if ttlResp.TTL <= 0 || ttlResp.GrantedTTL != ttl {
		t.Fatalf("time-to-live through the follower: TTL %d of %d, want a live lease of %d", ttlResp.TTL, ttlResp.GrantedTTL, ttl)
	}
	if get(t, f, "leased", false) != "1" {
		t.Fatal("the kept-alive lease's key is gone")
	}
	kaCancel()
	for get(t, f, "leased", false) != "" {
		if ctx.Err() != nil {
			t.Fatal("the lease never expired once keepalives stopped")
		}
		time.Sleep(100 * time.Millisecond)
	}
	ttlResp, err = cli.TimeToLive(ctx, grant.ID)
	if err != nil || ttlResp.TTL != -1 {
		t.Fatalf("time-to-live of the expired lease: %v, %v; want TTL -1", ttlResp, err)
	}
}
