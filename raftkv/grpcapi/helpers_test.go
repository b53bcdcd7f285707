package grpcapi

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// errFakeNotLeader stands for the node's own "not leader" error, mapped
// through Config.Errors as the node's errors will be.
var errFakeNotLeader = errors.New("fake backend: not the leader")

// testEnv is a gRPC server on 127.0.0.1:0 serving a fake backend, with an
// etcd client and a raw connection (no client-side retries) to it.
type testEnv struct {
	backend *fakeBackend
	addr    string
	client  *clientv3.Client
	conn    *grpc.ClientConn
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvOn(t, newFakeBackend(t))
}

// serveGRPC serves cfg on a loopback port until the test ends and returns
// the address.
func serveGRPC(t *testing.T, cfg Config) string {
	t.Helper()
	_, _, addr := startGRPC(t, cfg)
	return addr
}

// startGRPC is serveGRPC for tests that also drive the API server or the
// gRPC server themselves.
func startGRPC(t *testing.T, cfg Config) (*Server, *grpc.Server, string) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(srv.ServerOptions()...)
	srv.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	return srv, g, lis.Addr().String()
}

// newTestEnvOn serves b, which the caller may have configured further.
func newTestEnvOn(t *testing.T, b *fakeBackend) *testEnv {
	t.Helper()
	env := &testEnv{backend: b, addr: serveGRPC(t, Config{
		Backend:         b,
		MaxRequestBytes: testLimits.MaxRequestBytes,
		Errors: []ErrorStatus{
			{errFakeNotLeader, rpctypes.ErrGRPCNotLeader},
			{errFakeMemberNotFound, rpctypes.ErrGRPCMemberNotFound},
		},
	})}
	var err error
	env.client, err = clientv3.New(clientv3.Config{
		Endpoints:   []string{env.addr},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.client.Close() })
	env.conn, err = grpc.NewClient(env.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.conn.Close() })
	return env
}

func (e *testEnv) kv() pb.KVClient { return pb.NewKVClient(e.conn) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
