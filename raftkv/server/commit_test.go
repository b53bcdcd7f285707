package server

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
)

// noTimedCommits makes kv commit only when asked: by a read, a stop, or a
// snapshot install.
func noTimedCommits(cfg *Config) {
	cfg.KVCommitInterval = time.Hour
	cfg.KVCommitEntries = 1 << 30
}

// TestAnsweredWriteSurvivesKillBeforeCommit kills a member (kill -9) after
// it answered a write that kv had not committed, and restarts it from its
// directory: the WAL replay brings the write back.
func TestAnsweredWriteSurvivesKillBeforeCommit(t *testing.T) {
	if dir := os.Getenv("SERVER_CRASH_CHILD"); dir != "" {
		crashMember(t, dir, os.Getenv("SERVER_CRASH_ADDR"))
		return
	}
	dir, addr := t.TempDir(), freeAddrs(t, 1)[0]
	child := exec.Command(os.Args[0], "-test.run=^TestAnsweredWriteSurvivesKillBeforeCommit$")
	child.Env = append(os.Environ(), "SERVER_CRASH_CHILD="+dir, "SERVER_CRASH_ADDR="+addr)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var answered uint64
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "answered "); ok {
			answered, _ = strconv.ParseUint(v, 10, 64)
			break
		}
	}
	child.Process.Kill()
	child.Wait()
	if answered == 0 {
		t.Fatalf("the child member never answered its write: %v", lines.Err())
	}

	db, err := kv.Open(filepath.Join(dir, "kv.db"), kv.Options{MmapBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	committed := db.Applied().Index
	db.Close()
	if committed >= answered {
		t.Fatalf("kv committed index %d reaches the write at %d: the test did not crash before the commit", committed, answered)
	}
	cfg := testConfig(1, dir, map[uint64]string{1: addr})
	noTimedCommits(&cfg)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	(&testCluster{t: t, servers: map[uint64]*Server{1: s}}).waitLeader()
	if v := get(t, s, "k", false); v != "v" {
		t.Fatalf("after the restart k = %q, want v", v)
	}
}

// crashMember runs a one-member cluster, answers a write it does not
// commit to kv, reports the write's index and waits to be killed.
func crashMember(t *testing.T, dir, addr string) {
	cfg := testConfig(1, dir, map[uint64]string{1: addr})
	noTimedCommits(&cfg)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &testCluster{t: t, servers: map[uint64]*Server{1: s}}
	c.waitLeader()
	put(t, s, "k", "v")
	fmt.Printf("answered %d\n", s.kv.Staged().Index)
	select {}
}

// A write answered by one member is read linearizably through another,
// though neither commits kv on its own: the read asks for the commit.
// Until then the staged write is not visible locally.
func TestReadYourWriteThroughAnotherMember(t *testing.T) {
	c := newTunedCluster(t, 3, noTimedCommits)
	lead := c.waitLeader()
	follower := lead%3 + 1
	r := put(t, c.servers[lead], "a", "1")
	if v := get(t, c.servers[lead], "a", true); v != "" {
		t.Fatalf("serializable read of a staged write = %q, want nothing yet", v)
	}
	if st := c.servers[lead].Status(); st.Applied >= c.servers[lead].kv.Staged().Index {
		t.Fatalf("Status.Applied %d reaches the staged index before a commit", st.Applied)
	}
	if v := get(t, c.servers[follower], "a", false); v != "1" {
		t.Fatalf("linearizable read on %d = %q, want 1", follower, v)
	}
	if rev := c.servers[follower].KV().Revision(); rev < r.Header.Revision {
		t.Fatalf("follower's visible revision %d is below the answered write's %d", rev, r.Header.Revision)
	}
	put(t, c.servers[follower], "b", "2")
	if v := get(t, c.servers[lead], "b", false); v != "2" {
		t.Fatalf("linearizable read on the leader = %q, want 2", v)
	}
}

// The snapshot marker, and the compaction behind it, never pass kv's
// committed index: a restart must find every entry kv has not committed.
func TestMarkerWaitsForKVCommit(t *testing.T) {
	asked, release := make(chan struct{}), make(chan struct{})
	var once, unblock sync.Once
	releaseCommits := func() { unblock.Do(func() { close(release) }) }
	c := newTunedCluster(t, 1, func(cfg *Config) {
		noTimedCommits(cfg)
		cfg.SnapshotEntries, cfg.CompactTail = 4, 1
		cfg.beforeKVCommit = func() {
			once.Do(func() { close(asked) })
			<-release
		}
	})
	t.Cleanup(releaseCommits) // runs before the cluster's Stop
	c.waitLeader()
	s := c.servers[1]
	marker := func() uint64 {
		t.Helper()
		st := s.wal.Storage()
		snap, err := st.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		first, err := st.FirstIndex()
		if err != nil {
			t.Fatal(err)
		}
		if committed := s.kv.Applied().Index; snap.Metadata.Index > committed || first > committed+1 {
			t.Fatalf("marker %d, first log index %d, kv committed %d: the log lost uncommitted entries",
				snap.Metadata.Index, first, committed)
		}
		return snap.Metadata.Index
	}
	// Entries 1 and 2 are the bootstrap conf change and the leader's
	// empty entry; the second put (4) reaches the policy's 4 entries.
	put(t, s, key(0), "v")
	put(t, s, key(1), "v")
	<-asked // the marker asked for a commit, which is held
	// A write committed by raft has passed the append goroutine after any
	// marker job queued before it; its answer waits for the held commit.
	done := make(chan struct{})
	go func() {
		defer close(done)
		put(t, s, key(9), "v")
	}()
	eventually(t, "entry 5 committed by raft", func() bool { return s.Status().Commit >= 5 })
	if m := marker(); m != 0 {
		t.Fatalf("marker at %d while kv has committed nothing", m)
	}
	releaseCommits()
	<-done
	eventually(t, "a marker once kv committed", func() bool { return marker() > 0 })
	for i := range 8 {
		put(t, s, key(2+i), "v")
		marker()
	}
}
