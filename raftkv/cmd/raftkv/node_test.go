package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/server"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// memberConfig is a member of the given peers with fast raft timing.
func memberConfig(t *testing.T, id uint64, peers map[uint64]string) config {
	return config{
		id: id, name: "m", dataDir: t.TempDir(), peers: peers, peerAddr: peers[id],
		clientAddr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0", clusterState: "new",
		heartbeat: 10 * time.Millisecond, electionTimeout: 100 * time.Millisecond,
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runMember runs the real command on cfg until the test ends and returns
// a connection to its client address and its metrics address.
func runMember(t *testing.T, cfg config) (*grpc.ClientConn, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]net.Addr, 1)
	result := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		result <- run(ctx, cfg, log, startNode, func(c, m net.Addr) { addrs <- [2]net.Addr{c, m} })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-result; err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	})
	var a [2]net.Addr
	select {
	case a = <-addrs:
	case err := <-result:
		t.Fatalf("run ended before listening: %v", err)
	}
	conn, err := grpc.NewClient(a[0].String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, a[1].String()
}

func TestSingleMemberServes(t *testing.T) {
	cfg := memberConfig(t, 5, map[uint64]string{5: freePort(t)})
	conn, metricsAddr := runMember(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kvc, mc := pb.NewKVClient(conn), pb.NewMaintenanceClient(conn)

	// A lone member elects itself within a few election timeouts.
	var st *pb.StatusResponse
	for {
		var err error
		if st, err = mc.Status(ctx, &pb.StatusRequest{}); err != nil {
			t.Fatal(err)
		}
		if st.Leader != 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Leader != 5 || st.Header.MemberId != 5 || st.Version != apiVersion {
		t.Fatalf("status %v, want member 5 leading", st)
	}
	put, err := kvc.Put(ctx, &pb.PutRequest{Key: []byte("a"), Value: []byte("1")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := kvc.Range(ctx, &pb.RangeRequest{Key: []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Kvs) != 1 || string(got.Kvs[0].Value) != "1" || got.Header.Revision != put.Header.Revision {
		t.Fatalf("range after put: %v (put at revision %d)", got, put.Header.Revision)
	}
	if got.Header.MemberId != 5 || got.Header.RaftTerm == 0 {
		t.Fatalf("response header %v", got.Header)
	}
	list, err := pb.NewClusterClient(conn).MemberList(ctx, &pb.MemberListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Members) != 1 || list.Members[0].ID != 5 || list.Members[0].PeerURLs[0] != "http://"+cfg.peers[5] {
		t.Fatalf("member list %v", list.Members)
	}
	// Removing a member that does not exist is etcd's "member not found".
	_, err = pb.NewClusterClient(conn).MemberRemove(ctx, &pb.MemberRemoveRequest{ID: 99})
	if err == nil || err.Error() != rpctypes.ErrGRPCMemberNotFound.Error() {
		t.Fatalf("removing an unknown member: %v", err)
	}

	body := scrape(t, metricsAddr)
	// One election (none to 5), reported once by the server's loop; one
	// write, counted once with its latency.
	for _, want := range []string{"raftkv_is_leader 1", "raftkv_has_leader 1", "raftkv_leader_changes_total 1",
		`raftkv_proposals_total{outcome="applied"} 1`, "raftkv_proposal_commit_seconds_count 1"} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	// The bootstrap and the write each reached the WAL with an fdatasync.
	if n := metricValue(t, body, "raftkv_wal_fsync_seconds_count"); n < 2 {
		t.Errorf("raftkv_wal_fsync_seconds_count = %v after a put, want at least 2", n)
	}
}

// metricValue returns the value of the sample line named name in a
// Prometheus text scrape.
func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("scrape has no %s", name)
	return 0
}

// A member of a cluster whose other members never start knows no leader:
// writes and linearizable reads end at once with etcd's "no leader", and a
// serializable read is still served from local state.
func TestNoLeaderIsEtcdsNoLeader(t *testing.T) {
	peers := map[uint64]string{1: freePort(t), 2: freePort(t), 3: freePort(t)}
	conn, _ := runMember(t, memberConfig(t, 1, peers))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kvc := pb.NewKVClient(conn)
	_, err := kvc.Put(ctx, &pb.PutRequest{Key: []byte("a"), Value: []byte("1")})
	if err == nil || err.Error() != rpctypes.ErrGRPCNoLeader.Error() {
		t.Fatalf("put without a leader: %v, want %v", err, rpctypes.ErrGRPCNoLeader)
	}
	_, err = kvc.Range(ctx, &pb.RangeRequest{Key: []byte("a")})
	if err == nil || err.Error() != rpctypes.ErrGRPCNoLeader.Error() {
		t.Fatalf("linearizable read without a leader: %v, want %v", err, rpctypes.ErrGRPCNoLeader)
	}
	got, err := kvc.Range(ctx, &pb.RangeRequest{Key: []byte("a"), Serializable: true})
	if err != nil || len(got.Kvs) != 0 {
		t.Fatalf("serializable read without a leader: %v, %v", got, err)
	}
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServerErrors checks each mapping by matching the server's own
// errors, wrapped as the server wraps them, against the table.
func TestServerErrors(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{&server.NotLeaderError{Leader: 3}, rpctypes.ErrGRPCNoLeader},
		{&server.NotLeaderError{}, rpctypes.ErrGRPCNoLeader},
		{wrap(server.ErrProposalDropped, context.Canceled), rpctypes.ErrGRPCLeaderChanged},
		{server.ErrLeaderChanged, rpctypes.ErrGRPCLeaderChanged},
		{wrap(server.ErrTimeout, context.DeadlineExceeded), rpctypes.ErrGRPCTimeout},
		{server.ErrStopped, rpctypes.ErrGRPCStopped},
		{server.ErrRemoved, errRemovedStatus},
		{wrap(server.ErrUnknownMember, nil), rpctypes.ErrGRPCMemberNotFound},
		{wrap(server.ErrBadMember, nil), rpctypes.ErrGRPCMemberBadURLs},
	}
	for _, tc := range tests {
		if got := mapError(tc.err); got != tc.want {
			t.Errorf("%v: mapped to %v, want %v", tc.err, got, tc.want)
		}
	}
}

// mapError finds err's status the way grpcapi does: the first match wins.
func mapError(err error) error {
	for _, m := range serverErrors {
		if errors.Is(err, m.Err) {
			return m.Status
		}
	}
	return nil
}

// wrap wraps err (and cause) as the server does.
func wrap(err, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: detail", err)
	}
	return fmt.Errorf("%w: %w", err, cause)
}
