package kv

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

func mustStage(t *testing.T, s *KV, ents []raftpb.Entry) []Result {
	t.Helper()
	res, err := s.Stage(ents)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func putRev(t *testing.T, r Result) int64 {
	t.Helper()
	if r.Err != nil || r.Response.GetResponsePut() == nil {
		t.Fatalf("result %+v is not a put response", r)
	}
	return r.Response.GetResponsePut().Header.Revision
}

// Staged batches stack in one transaction: results are computed at once,
// readers see none of it until Commit.
func TestStageIsInvisibleUntilCommit(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{}
	res := mustStage(t, s, l.cmd(t, putCmd("a", "1")).cmd(t, putCmd("b", "2")).take())
	if len(res) != 2 || putRev(t, res[0]) != 2 || putRev(t, res[1]) != 3 {
		t.Fatalf("first stage results %+v: want puts at revisions 2 and 3", res)
	}
	res = mustStage(t, s, l.cmd(t, putCmd("a", "3")).take())
	if len(res) != 1 || putRev(t, res[0]) != 4 {
		t.Fatalf("second stage results %+v: want a put at revision 4", res)
	}
	if got := liveKeys(t, s); len(got) != 0 {
		t.Fatalf("staged keys are visible: %v", got)
	}
	if s.Applied() != (Position{}) || s.Revision() != 1 || s.Staged() != (Position{Index: 3, Term: 1}) {
		t.Fatalf("before commit: applied %v revision %d staged %v; want {0 0}, 1, {3 1}", s.Applied(), s.Revision(), s.Staged())
	}
	pos, err := s.Commit()
	if err != nil || pos != (Position{Index: 3, Term: 1}) {
		t.Fatalf("Commit = %v, %v; want {3 1}", pos, err)
	}
	want := []string{kvLine("a", "3", 2, 4, 2), kvLine("b", "2", 3, 3, 1)}
	if got := liveKeys(t, s); !slices.Equal(got, want) {
		t.Fatalf("after commit: %v, want %v", got, want)
	}
	if s.Applied() != pos || s.Revision() != 4 {
		t.Fatalf("after commit: applied %v revision %d; want %v, 4", s.Applied(), s.Revision(), pos)
	}
	if again, err := s.Commit(); err != nil || again != pos || s.commits.Load() != 1 {
		t.Fatalf("empty Commit = %v, %v after %d commits; want %v and one commit", again, err, s.commits.Load(), pos)
	}
}

// A txn staged after a put in an earlier Stage call compares against it.
func TestStageSeesEarlierStagedWrites(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{}
	mustStage(t, s, l.cmd(t, putCmd("a", "1")).take())
	txn := &Command{Txn: &etcdserverpb.TxnRequest{
		Compare: []*etcdserverpb.Compare{{
			Key: []byte("a"), Target: etcdserverpb.Compare_VALUE, Result: etcdserverpb.Compare_EQUAL,
			TargetUnion: &etcdserverpb.Compare_Value{Value: []byte("1")},
		}},
		Success: []*etcdserverpb.RequestOp{opPut("c", "ok")},
	}}
	res := mustStage(t, s, l.cmd(t, txn).take())
	if len(res) != 1 || res[0].Err != nil || !res[0].Response.GetResponseTxn().Succeeded {
		t.Fatalf("txn result %+v: want the compare on the staged put to succeed", res)
	}
}

// A batch that does not follow the staged index is refused alone: what was
// staged before it stays and commits.
func TestStageGapKeepsEarlierBatches(t *testing.T) {
	s := openTest(t, Options{})
	ents := (&log{}).cmd(t, putCmd("a", "1")).cmd(t, putCmd("b", "2")).cmd(t, putCmd("c", "3")).take()
	mustStage(t, s, ents[:1])
	if _, err := s.Stage(ents[2:]); err == nil {
		t.Fatal("Stage accepted entry 3 after staged index 1")
	}
	if pos, err := s.Commit(); err != nil || pos.Index != 1 {
		t.Fatalf("Commit = %v, %v; want index 1", pos, err)
	}
	if got := liveKeys(t, s); !slices.Equal(got, []string{kvLine("a", "1", 2, 2, 1)}) {
		t.Fatalf("after commit: %v, want only a", got)
	}
}

func TestCloseCommitsStaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustStage(t, s, (&log{}).cmd(t, putCmd("a", "1")).take())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	if s.Applied().Index != 1 || !slices.Equal(liveKeys(t, s), []string{kvLine("a", "1", 2, 2, 1)}) {
		t.Fatalf("after reopening: applied %v, keys %v; want index 1 and a=1", s.Applied(), liveKeys(t, s))
	}
}

// A snapshot streams the committed state only, with its index.
func TestSnapshotLeavesOutStaged(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{}
	mustApply(t, s, l.cmd(t, putCmd("a", "1")).take())
	mustStage(t, s, l.cmd(t, putCmd("b", "2")).take())
	var buf bytes.Buffer
	pos, err := s.Snapshot(&buf)
	if err != nil || pos.Index != 1 {
		t.Fatalf("Snapshot = %v, %v; want index 1", pos, err)
	}
	dst := openTest(t, Options{})
	if _, err := dst.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got := liveKeys(t, dst); !slices.Equal(got, []string{kvLine("a", "1", 2, 2, 1)}) {
		t.Fatalf("restored %v, want only a", got)
	}
}

// Restore with batches staged commits them, then replaces the state (bbolt
// cannot close under an open write transaction).
func TestRestoreOverStaged(t *testing.T) {
	ents := (&log{}).cmd(t, putCmd("a", "1")).cmd(t, putCmd("b", "2")).cmd(t, putCmd("c", "3")).take()
	src := openTest(t, Options{})
	mustApply(t, src, ents)
	var buf bytes.Buffer
	if _, err := src.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, Options{})
	mustStage(t, s, ents[:2])
	pos, err := s.Restore(&buf)
	if err != nil || pos.Index != 3 || s.Staged().Index != 3 {
		t.Fatalf("Restore = %v, %v, staged %v; want index 3 for both", pos, err, s.Staged())
	}
	if dump(t, s) != dump(t, src) {
		t.Fatal("restored state differs from the snapshot's source")
	}
	mustStage(t, s, ents) // all at or below the applied index: skipped
	if s.Staged().Index != 3 {
		t.Fatalf("staged %v after replaying applied entries, want index 3", s.Staged())
	}
}
