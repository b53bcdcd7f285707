package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// clientAddrOf is the client address each test member publishes. Nothing
// listens there: the tests only check that the table carries it.
func clientAddrOf(id uint64) string { return fmt.Sprintf("10.0.0.%d:2379", id) }

func publishingMembers(cfg *Config) {
	cfg.SnapshotEntries, cfg.CompactTail = 20, 5
	cfg.ClientAddr = clientAddrOf(cfg.ID)
}

// checkMemberList fails unless s lists exactly ids, each with its peer
// address from peers and its published client address.
func checkMemberList(t *testing.T, s *Server, ids []uint64, peers map[uint64]string) {
	t.Helper()
	list, err := s.MemberList(context.Background(), &pb.MemberListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, m := range list.Members {
		got = append(got, m.ID)
		if want := []string{"http://" + peers[m.ID]}; !slices.Equal(m.PeerURLs, want) {
			t.Errorf("member %x lists %x with peer URLs %v, want %v", s.ID(), m.ID, m.PeerURLs, want)
		}
		if want := []string{"http://" + clientAddrOf(m.ID)}; !slices.Equal(m.ClientURLs, want) {
			t.Errorf("member %x lists %x with client URLs %v, want %v", s.ID(), m.ID, m.ClientURLs, want)
		}
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("member %x lists members %v, want %v", s.ID(), got, ids)
	}
}

// waitPublished waits until s's table has the client address of every id.
func waitPublished(t *testing.T, s *Server, ids ...uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, id := range ids {
			if s.members.get(id).Client == clientAddrOf(id) {
				n++
			}
		}
		if n == len(ids) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("member %x never learned the client addresses of %v", s.ID(), ids)
}

// startJoiner starts member id with Join, told only its own address and
// the leader's: every other address must come from the cluster.
func (c *testCluster) startJoiner(id, lead uint64) {
	c.t.Helper()
	cfg := testConfig(id, c.dirs[id], map[uint64]string{id: c.addrs[id], lead: c.addrs[lead]})
	cfg.Join = true
	c.tune(&cfg)
	s, err := New(cfg)
	if err != nil {
		c.t.Fatalf("starting member %d: %v", id, err)
	}
	c.servers[id] = s
}

// putRetrying writes through s, retrying writes whose outcome is unknown
// or that were lost with a leader, as a client would.
func putRetrying(t *testing.T, s *Server, k, v string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.Put(ctx, &pb.PutRequest{Key: []byte(k), Value: []byte(v)})
		cancel()
		if err == nil {
			return
		}
		retry := errors.Is(err, ErrTimeout) || errors.Is(err, ErrLeaderChanged) || errors.Is(err, ErrNotLeader)
		if !retry || attempt == 10 {
			t.Fatalf("put %s on %x: %v", k, s.ID(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestJoinerLearnsMembersFromSnapshot: member 3 is wiped and replaced by
// member 4, which is told only the leader's address. The log was
// compacted, so 4 catches up through a snapshot, and the member table in
// it is the only place 4 can learn member 2's (or 1's) address and every
// client address. 4 must list them all, reach the member it was not told
// about (the two of them elect a leader once the old leader stops), and
// keep all of it across a restart with the same scant configuration.
func TestJoinerLearnsMembersFromSnapshot(t *testing.T) {
	c := newTunedCluster(t, 3, publishingMembers)
	lead := c.waitLeader()
	waitPublished(t, c.servers[lead], 1, 2, 3)
	c.stop(3)
	if err := os.RemoveAll(c.dirs[3]); err != nil {
		t.Fatal(err)
	}
	lead = c.waitLeader()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.servers[lead].MemberRemove(ctx, &pb.MemberRemoveRequest{ID: 3}); err != nil {
		t.Fatalf("removing member 3: %v", err)
	}
	for i := range 60 {
		put(t, c.servers[lead], key(i), "before")
	}
	c.addrs[4], c.dirs[4] = freeAddrs(t, 1)[0], t.TempDir()
	delete(c.addrs, 3)
	if err := c.servers[lead].AddMember(ctx, 4, c.addrs[4], false); err != nil {
		t.Fatalf("adding member 4: %v", err)
	}
	c.startJoiner(4, lead)
	c.waitLeader()
	putRetrying(t, c.servers[4], "after", "1")
	if first, _ := c.servers[4].wal.Storage().FirstIndex(); first <= 1 {
		t.Fatalf("member 4's log starts at %d: it did not install a snapshot", first)
	}
	waitPublished(t, c.servers[4], 1, 2, 4)
	checkMemberList(t, c.servers[4], []uint64{1, 2, 4}, c.addrs)

	// Only the member 4 was not told about and 4 itself are left: a
	// leader needs both, so they must reach each other.
	c.stop(lead)
	c.waitLeader()
	putRetrying(t, c.servers[4], "without-the-old-leader", "1")

	// Restarted with the same configuration, 4 reads the table back from
	// its state machine and reaches the other member again.
	c.stop(4)
	c.startJoiner(4, lead)
	checkMemberList(t, c.servers[4], []uint64{1, 2, 4}, c.addrs)
	c.waitLeader()
	putRetrying(t, c.servers[4], "after-restart", "1")
}
