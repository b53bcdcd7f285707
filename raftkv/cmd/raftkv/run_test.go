package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/grpcapi"
	"github.com/tickraft/raft/raftkv/metrics"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// statusOnly is a backend that answers Status and fails everything else
// with errDown, which the node maps to Unavailable.
type statusOnly struct{}

var errDown = errors.New("test node: down")

func (statusOnly) Range(context.Context, *pb.RangeRequest) (*pb.RangeResponse, error) {
	return nil, errDown
}
func (statusOnly) Put(context.Context, *pb.PutRequest) (*pb.PutResponse, error) { return nil, errDown }
func (statusOnly) DeleteRange(context.Context, *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	return nil, errDown
}
func (statusOnly) Txn(context.Context, *pb.TxnRequest) (*pb.TxnResponse, error) { return nil, errDown }
func (statusOnly) MemberList(context.Context, *pb.MemberListRequest) (*pb.MemberListResponse, error) {
	return nil, errDown
}
func (statusOnly) MemberAdd(context.Context, *pb.MemberAddRequest) (*pb.MemberAddResponse, error) {
	return nil, errDown
}
func (statusOnly) MemberRemove(context.Context, *pb.MemberRemoveRequest) (*pb.MemberRemoveResponse, error) {
	return nil, errDown
}
func (statusOnly) Status(context.Context) (*pb.StatusResponse, error) {
	return &pb.StatusResponse{Version: "test", Leader: 7}, nil
}
func (statusOnly) Header() grpcapi.Header { return grpcapi.Header{ClusterID: 9, MemberID: 7} }

type fakeNode struct {
	mu      sync.Mutex
	stopped int
	done    chan struct{}
}

func (f *fakeNode) start(config, *slog.Logger, metrics.Hooks) (*node, error) {
	return &node{
		backend: statusOnly{},
		errors:  []grpcapi.ErrorStatus{{Err: errDown, Status: status.Error(codes.Unavailable, "test node is down")}},
		stop: func() error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.stopped++
			return nil
		},
		done: f.done,
	}, nil
}

func testConfig() config {
	return config{id: 7, name: "seven", clientAddr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0", clusterState: "new"}
}

// startRun runs the command with a fake node and returns the addresses it
// listens on and the channel run's result arrives on.
func startRun(t *testing.T, ctx context.Context, f *fakeNode) (client, metricsAddr net.Addr, result chan error) {
	t.Helper()
	addrs := make(chan [2]net.Addr, 1)
	result = make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		result <- run(ctx, testConfig(), log, f.start, func(c, m net.Addr) { addrs <- [2]net.Addr{c, m} })
	}()
	select {
	case a := <-addrs:
		return a[0], a[1], result
	case err := <-result:
		t.Fatalf("run ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not start listening")
	}
	return nil, nil, nil
}

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeNode{done: make(chan struct{})}
	client, metricsAddr, result := startRun(t, ctx, f)

	conn, err := grpc.NewClient(client.String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st, err := pb.NewMaintenanceClient(conn).Status(ctx, &pb.StatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Leader != 7 || st.Header.ClusterId != 9 || st.Header.MemberId != 7 {
		t.Fatalf("status %v", st)
	}
	_, err = pb.NewKVClient(conn).Put(ctx, &pb.PutRequest{Key: []byte("k")})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "test node is down") {
		t.Fatalf("put on a down node: %v, want the node's mapped error", err)
	}

	resp, err := http.Get("http://" + metricsAddr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`raftkv_grpc_requests_total{code="OK",method="/etcdserverpb.Maintenance/Status"} 1`,
		`raftkv_grpc_requests_total{code="Unavailable",method="/etcdserverpb.KV/Put"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	cancel() // as SIGTERM does
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("run after a signal: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after its context ended")
	}
	if f.stopped != 1 {
		t.Fatalf("node stopped %d times, want once", f.stopped)
	}
	if _, err := net.DialTimeout("tcp", client.String(), time.Second); err == nil {
		t.Fatal("client port still accepts connections after shutdown")
	}
}

func TestRunEndsWhenNodeStops(t *testing.T) {
	f := &fakeNode{done: make(chan struct{})}
	_, _, result := startRun(t, context.Background(), f)
	close(f.done)
	select {
	case err := <-result:
		if err == nil || !strings.Contains(err.Error(), "stopped by itself") {
			t.Fatalf("run after the node stopped: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not end when the node stopped")
	}
}
