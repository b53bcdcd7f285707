package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickraft/raft/raftpb"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// newAPICluster starts n members that serve their client API (with TLS
// if apiTLS is not nil) and waits until every member knows every client
// address, so that followers can forward.
func newAPICluster(t *testing.T, n int, apiTLS *tls.Config, tune func(*Config)) (*testCluster, uint64) {
	t.Helper()
	lis := map[uint64]net.Listener{}
	for id := uint64(1); id <= uint64(n); id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[id] = l
	}
	c := newTunedCluster(t, n, func(cfg *Config) {
		cfg.ClientAddr = lis[cfg.ID].Addr().String()
		if tune != nil {
			tune(cfg)
		}
	})
	for id, s := range c.servers {
		serveAPI(t, s, lis[id], apiTLS)
	}
	lead := c.waitLeader()
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.servers {
		for id, l := range lis {
			for s.members.get(id).Client != l.Addr().String() {
				if time.Now().After(deadline) {
					t.Fatalf("member %x never learned member %x's client address", s.ID(), id)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	return c, lead
}

// TestMemberAddThroughFollower: a member call sent to a follower is served
// by the leader (its header names the leader), and the follower answers
// only once its own member list shows the change.
func TestMemberAddThroughFollower(t *testing.T) {
	c, lead := newAPICluster(t, 3, nil, nil)
	f := c.followerOf(lead)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	peer := freeAddrs(t, 1)[0]
	resp, err := f.MemberAdd(ctx, &pb.MemberAddRequest{PeerURLs: []string{"http://" + peer}})
	if err != nil {
		t.Fatalf("member add through follower %x: %v", f.ID(), err)
	}
	if resp.Header.GetMemberId() != lead {
		t.Fatalf("member add answered by %x, want the leader %x", resp.Header.GetMemberId(), lead)
	}
	added := resp.Member.GetID()
	if added == 0 || len(resp.Member.PeerURLs) != 1 || resp.Member.PeerURLs[0] != "http://"+peer {
		t.Fatalf("added member %v, want a fresh id at http://%s", resp.Member, peer)
	}
	if !isMember(f.confState(), added) {
		t.Fatalf("follower %x answered before applying the addition of %x", f.ID(), added)
	}
	list, err := f.MemberList(ctx, &pb.MemberListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Members) != 4 {
		t.Fatalf("follower lists %d members after the addition, want 4", len(list.Members))
	}
	rm, err := f.MemberRemove(ctx, &pb.MemberRemoveRequest{ID: added})
	if err != nil {
		t.Fatalf("member remove through follower: %v", err)
	}
	if rm.Header.GetMemberId() != lead || isMember(f.confState(), added) {
		t.Fatalf("member remove answered by %x (want %x); follower still has %x: %v",
			rm.Header.GetMemberId(), lead, added, isMember(f.confState(), added))
	}
}

// TestMemberChangeWhileOneIsPending: the leader cannot save, so it cannot
// apply a member addition the followers have committed. A second change,
// sent to the leader or through a follower, is refused at once with the
// pending-change error, not left to time out; it succeeds once the first
// one applies.
func TestMemberChangeWhileOneIsPending(t *testing.T) {
	var blocked atomic.Uint64 // id of the member whose saves wait on gate
	gate := make(chan struct{})
	c, lead := newAPICluster(t, 3, nil, func(cfg *Config) {
		id := cfg.ID
		cfg.beforeSave = func(int) {
			if blocked.Load() == id {
				<-gate
			}
		}
	})
	ld, f := c.servers[lead], c.followerOf(lead)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	blocked.Store(lead)
	var once sync.Once
	unblock := func() { once.Do(func() { blocked.Store(0); close(gate) }) }
	defer unblock()

	first := make(chan error, 1)
	go func() {
		_, err := ld.MemberAdd(ctx, &pb.MemberAddRequest{PeerURLs: []string{freeAddrs(t, 1)[0]}})
		first <- err
	}()
	// Once a follower applied the addition, the leader has it in its log,
	// unapplied while its saves wait.
	for len(f.confState().Voters) != 4 {
		if ctx.Err() != nil {
			t.Fatal("the followers never applied the first addition")
		}
		time.Sleep(10 * time.Millisecond)
	}
	second := &pb.MemberAddRequest{PeerURLs: []string{freeAddrs(t, 1)[0]}}
	if _, err := ld.MemberAdd(ctx, second); !errors.Is(err, ErrConfChangePending) {
		t.Fatalf("second addition on the leader: %v, want ErrConfChangePending", err)
	}
	_, err := f.MemberAdd(ctx, second)
	if st, _ := status.FromError(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "pending") {
		t.Fatalf("second addition through follower %x: %v, want Unavailable naming the pending change", f.ID(), err)
	}
	unblock()
	if err := <-first; err != nil {
		t.Fatalf("first addition: %v", err)
	}
	if _, err := f.MemberAdd(ctx, second); err != nil {
		t.Fatalf("second addition, retried once the first applied: %v", err)
	}
	if n := len(ld.confState().Voters); n != 5 {
		t.Fatalf("leader has %d voters after two additions, want 5", n)
	}
}

// TestBackToBackMemberChanges: member changes sent at once through every
// member each end in success or the pending-change error, never in a
// timeout, and at least one change of each round succeeds.
func TestBackToBackMemberChanges(t *testing.T) {
	c, _ := newAPICluster(t, 3, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Two rounds of two concurrent additions keep the cluster at most two
	// dead voters beyond its three live ones, so it keeps a quorum; the
	// added members are removed between rounds.
	for round := range 2 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var added []uint64
		for id := uint64(1); id <= 2; id++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.servers[id+uint64(round)].MemberAdd(ctx, &pb.MemberAddRequest{PeerURLs: []string{freeAddrs(t, 1)[0]}})
				if checkChangeOutcome(t, "addition", err) {
					mu.Lock()
					added = append(added, resp.Member.ID)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(added) == 0 {
			t.Fatalf("round %d: no addition succeeded", round)
		}
		t.Logf("round %d: %d of 2 concurrent additions succeeded, the rest were refused as pending", round, len(added))
		for _, id := range added {
			for !t.Failed() {
				_, err := c.servers[3].MemberRemove(ctx, &pb.MemberRemoveRequest{ID: id})
				if checkChangeOutcome(t, "removal", err) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
}

// checkChangeOutcome reports whether a member change succeeded; anything
// but success or the pending-change error fails the test.
func checkChangeOutcome(t *testing.T, what string, err error) bool {
	if err == nil {
		return true
	}
	if errors.Is(err, ErrConfChangePending) {
		return false
	}
	if st, _ := status.FromError(err); st.Code() == codes.Unavailable && strings.Contains(st.Message(), "pending") {
		return false
	}
	t.Errorf("%s: %v, want success or the pending-change error", what, err)
	return false
}

// TestConfIndexFollowsTheLog: the mark of the last conf change follows
// appends, overwrites and snapshots of the log.
func TestConfIndexFollowsTheLog(t *testing.T) {
	norm := func(i uint64) raftpb.Entry { return raftpb.Entry{Index: i, Type: raftpb.EntryNormal} }
	conf := func(i uint64) raftpb.Entry { return raftpb.Entry{Index: i, Type: raftpb.EntryConfChangeV2} }
	snap := func(i uint64) *raftpb.Snapshot {
		return &raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: i, Term: 1, ConfState: raftpb.ConfState{Voters: []uint64{1}}}}
	}
	s := &Server{}
	for _, step := range []struct {
		what string
		m    raftpb.Message
		want uint64
	}{
		{"normal entries", raftpb.Message{Entries: []raftpb.Entry{norm(1), norm(2)}}, 0},
		{"a conf change among others", raftpb.Message{Entries: []raftpb.Entry{norm(3), conf(4), norm(5)}}, 4},
		{"appends past it", raftpb.Message{Entries: []raftpb.Entry{norm(6)}}, 4},
		{"an old-style conf change", raftpb.Message{Entries: []raftpb.Entry{{Index: 7, Type: raftpb.EntryConfChange}}}, 7},
		{"a newer leader overwrites it", raftpb.Message{Entries: []raftpb.Entry{norm(6), norm(7), norm(8)}}, 5},
		{"an overwrite after the mark", raftpb.Message{Entries: []raftpb.Entry{norm(7)}}, 5},
		{"hard state only", raftpb.Message{}, 5},
		{"a snapshot behind the mark", raftpb.Message{Snapshot: snap(3)}, 3},
		{"a snapshot ahead of the mark", raftpb.Message{Snapshot: snap(20)}, 3},
		{"a conf change after the snapshot", raftpb.Message{Entries: []raftpb.Entry{conf(21)}}, 21},
	} {
		s.noteConfEntries(&step.m)
		if s.loop.confIndex != step.want {
			t.Fatalf("after %s: conf change mark %d, want %d", step.what, s.loop.confIndex, step.want)
		}
	}
}
