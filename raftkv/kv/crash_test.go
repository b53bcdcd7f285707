package kv

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tickraft/raft/raftpb"
)

const (
	crashBatches   = 40
	crashBatchSize = 16
	crashAcked     = 5 // batches the parent waits for before killing
)

// crashLog is the raft log both processes of TestCrashConsistency agree on.
func crashLog(t testing.TB) []raftpb.Entry {
	r := rand.New(rand.NewPCG(42, 7))
	l := &log{}
	for i := range crashBatches * crashBatchSize {
		if i%7 == 3 {
			l.raw(raftpb.EntryNormal, nil)
			continue
		}
		c := randCommand(r)
		c.SessionID, c.Seq = uint64(i%3), uint64(i)
		l.cmd(t, c)
	}
	return l.take()
}

// TestCrashConsistency kills a process that is applying batches with fsync
// on, at no particular point, and checks that what survives is exactly the
// state after some whole batch: the applied index and the data agree, every
// batch Apply returned for is there, and replaying the log converges.
func TestCrashConsistency(t *testing.T) {
	if path := os.Getenv("KV_CRASH_CHILD"); path != "" {
		crashChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "kv.db")
	child, lines := startCrashChild(t, "TestCrashConsistency", "KV_CRASH_CHILD", path)
	for acked := 0; acked < crashAcked; {
		if !lines.Scan() {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("child stopped after %d batches: %v", acked, lines.Err())
		}
		if len(lines.Text()) > 7 && lines.Text()[:7] == "applied" {
			acked++
		}
	}
	child.Process.Kill()
	child.Wait()

	ents := crashLog(t)
	s := openAt(t, path, Options{})
	applied := s.Applied().Index
	if applied < crashAcked*crashBatchSize || applied%crashBatchSize != 0 {
		t.Fatalf("applied index %d after the crash: want a batch boundary at or after %d", applied, crashAcked*crashBatchSize)
	}
	t.Logf("killed at applied index %d of %d", applied, len(ents))
	ref := openTest(t, Options{})
	mustApply(t, ref, ents[:applied])
	if dump(t, s) != dump(t, ref) {
		t.Fatalf("state after the crash is not the state at applied index %d", applied)
	}
	// The restart replays the whole log; the applied prefix is skipped.
	mustApply(t, s, ents)
	mustApply(t, ref, ents[applied:])
	if dump(t, s) != dump(t, ref) || s.Applied().Index != uint64(len(ents)) {
		t.Fatal("replaying the log after the crash diverged")
	}
}

// crashChild applies the crash log batch by batch, durably, reporting each
// batch, then waits to be killed.
func crashChild(t *testing.T, path string) {
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ents := crashLog(t)
	for b := 0; b < len(ents); b += crashBatchSize {
		if _, err := s.Apply(ents[b : b+crashBatchSize]); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("applied %d\n", b+crashBatchSize)
	}
	select {}
}

// TestCrashLosesOnlyStaged kills a process with batches staged after a
// commit: the reopened database is exactly the committed state, and the
// log replayed from its applied index redoes the staged batches. This is
// why the node loop keeps the raft log from that index on.
func TestCrashLosesOnlyStaged(t *testing.T) {
	if path := os.Getenv("KV_STAGE_CRASH_CHILD"); path != "" {
		stageCrashChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "kv.db")
	child, lines := startCrashChild(t, "TestCrashLosesOnlyStaged", "KV_STAGE_CRASH_CHILD", path)
	for lines.Scan() && lines.Text() != "staged" {
	}
	child.Process.Kill()
	child.Wait()
	if lines.Text() != "staged" {
		t.Fatalf("child stopped before staging: %v", lines.Err())
	}

	ents := crashLog(t)
	s := openAt(t, path, Options{})
	if got := s.Applied().Index; got != crashBatchSize {
		t.Fatalf("applied index %d after the crash, want the committed %d", got, crashBatchSize)
	}
	ref := openTest(t, Options{})
	mustApply(t, ref, ents[:crashBatchSize])
	if dump(t, s) != dump(t, ref) {
		t.Fatal("state after the crash is not the committed state")
	}
	mustApply(t, s, ents[:3*crashBatchSize])
	mustApply(t, ref, ents[crashBatchSize:3*crashBatchSize])
	if dump(t, s) != dump(t, ref) {
		t.Fatal("replaying the staged batches after the crash diverged")
	}
}

// stageCrashChild commits one batch, stages two more, says so and waits.
func stageCrashChild(t *testing.T, path string) {
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ents := crashLog(t)
	if _, err := s.Apply(ents[:crashBatchSize]); err != nil {
		t.Fatal(err)
	}
	for b := crashBatchSize; b < 3*crashBatchSize; b += crashBatchSize {
		if _, err := s.Stage(ents[b : b+crashBatchSize]); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("staged")
	select {}
}

// startCrashChild runs test again in a child process, which sees env set to
// path and takes the child's role; the returned scanner reads its output.
func startCrashChild(t *testing.T, test, env, path string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	child.Env = append(os.Environ(), env+"="+path)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	return child, bufio.NewScanner(out)
}
