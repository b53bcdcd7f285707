package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestHooksShowInScrape(t *testing.T) {
	m := New()
	var h Hooks = m
	h.ProposalDone(3*time.Millisecond, nil)
	h.ProposalDone(time.Millisecond, nil)
	h.ProposalDone(time.Second, errors.New("timeout"))
	h.WALSync(2 * time.Millisecond)
	h.LeaderChanged(2, false)
	h.LeaderChanged(1, true)
	h.SnapshotTaken()
	h.SnapshotSent()
	h.SnapshotSent()
	h.MessageDropped(3)

	intercept := m.UnaryInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: "/etcdserverpb.KV/Put"}
	ok := func(context.Context, any) (any, error) { return "ok", nil }
	bad := func(context.Context, any) (any, error) { return nil, status.Error(codes.InvalidArgument, "no") }
	intercept(context.Background(), nil, info, ok)
	intercept(context.Background(), nil, info, bad)
	intercept(context.Background(), nil, info, bad)
	intercept(context.Background(), nil, info, ok)
	intercept(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/etcdserverpb.KV/Range"}, ok)

	body := scrape(t, m)
	for _, want := range []string{
		`raftkv_proposals_total{outcome="applied"} 2`,
		`raftkv_proposals_total{outcome="failed"} 1`,
		// Only applied writes enter the latency histogram: 1 ms and 3 ms.
		`raftkv_proposal_commit_seconds_count 2`,
		`raftkv_proposal_commit_seconds_sum 0.004`,
		`raftkv_proposal_commit_seconds_bucket{le="0.001"} 1`,
		`raftkv_proposal_commit_seconds_bucket{le="0.004"} 2`,
		`raftkv_wal_fsync_seconds_count 1`,
		`raftkv_leader_changes_total 2`,
		`raftkv_has_leader 1`,
		`raftkv_is_leader 1`,
		`raftkv_snapshots_total{kind="taken"} 1`,
		`raftkv_snapshots_total{kind="sent"} 2`,
		`raftkv_dropped_messages_total 1`,
		`raftkv_grpc_requests_total{code="OK",method="/etcdserverpb.KV/Put"} 2`,
		`raftkv_grpc_requests_total{code="OK",method="/etcdserverpb.KV/Range"} 1`,
		`raftkv_grpc_requests_total{code="InvalidArgument",method="/etcdserverpb.KV/Put"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want+"\n") && !strings.Contains(body, want+" ") {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestLeaderLost(t *testing.T) {
	m := New()
	m.LeaderChanged(1, true)
	m.LeaderChanged(0, true)
	body := scrape(t, m)
	for _, want := range []string{"raftkv_has_leader 0\n", "raftkv_is_leader 0\n", "raftkv_leader_changes_total 2\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	a.SnapshotRestored()
	if !strings.Contains(scrape(t, a), `raftkv_snapshots_total{kind="restored"} 1`) {
		t.Fatal("restored snapshot not counted")
	}
	if strings.Contains(scrape(t, b), `raftkv_snapshots_total{kind="restored"} 1`) {
		t.Fatal("a second Metrics shares the first one's counters")
	}
}
