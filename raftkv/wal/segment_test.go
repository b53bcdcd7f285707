package wal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// TestRotateAndRelease fills several 4 KiB segments, compacts, and checks
// on disk that exactly the segments holding only compacted entries are
// deleted, and that the log reopens from what is left.
func TestRotateAndRelease(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, smallOpts)
	m := modelOf(t, nil)
	// Each Save is one 250-byte entry plus a hard state: about 300 bytes,
	// so a 4 KiB segment holds about 13.
	for i := uint64(1); i <= 60; i++ {
		apply(t, w, m, op{kind: "save", hs: pb.HardState{Term: 1, Commit: i}, ents: []pb.Entry{ent(i, 1, 250)}})
	}
	names := segFiles(t, dir)
	if len(names) < 4 {
		t.Fatalf("want at least 4 segments after 60 Saves, have %v", names)
	}
	third := w.segs[2].firstIndex
	// Compacting just below the third segment's first index keeps the second.
	apply(t, w, m, op{kind: "compact", index: third - 2})
	if got := segFiles(t, dir); len(got) != len(names)-1 || !slices.Contains(got, filepath.Base(w.segs[0].path)) || w.segs[0].seq != 1 {
		t.Fatalf("after Compact(%d): %v, want only segment 0 gone from %v", third-2, got, names)
	}
	apply(t, w, m, op{kind: "mark", index: 50}, op{kind: "compact", index: 50})
	for _, s := range w.segs[1:] {
		if s.firstIndex-1 <= 50 {
			t.Errorf("segment %d starting at %d survived Compact(50)", s.seq, s.firstIndex)
		}
	}
	if got := segFiles(t, dir); len(got) != len(w.segs) {
		t.Errorf("files %v, want the %d live segments", got, len(w.segs))
	}
	checkModel(t, w, m)
	mustClose(t, w)
	w = mustOpen(t, dir, smallOpts)
	checkModel(t, w, m)
	mustClose(t, w)
}

func TestBadDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, []byte("x"))
	if _, err := Open(file, smallOpts); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open on a regular file = %v, want an error naming it", err)
	}
	if _, err := Open(filepath.Join(file, "sub"), smallOpts); err == nil {
		t.Error("Open under a regular file: no error")
	}
}

func TestStrangerInDirectory(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, smallOpts)
	mustClose(t, w)
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("hello"))
	if _, err := Open(dir, smallOpts); err == nil || !strings.Contains(err.Error(), "notes.txt") || !strings.Contains(err.Error(), "not a segment") {
		t.Errorf("Open with a stranger = %v, want an error naming notes.txt", err)
	}
	os.Remove(filepath.Join(dir, "notes.txt"))
	// A segment-named file that is not a segment.
	writeFile(t, filepath.Join(dir, segName(1, 1)), []byte("not a wal segment at all, just text that is long enough"))
	if _, err := Open(dir, smallOpts); err == nil || !strings.Contains(err.Error(), "bad magic") {
		t.Errorf("Open with a fake segment = %v, want bad magic", err)
	}
	os.Remove(filepath.Join(dir, segName(1, 1)))
	// A leftover from a crashed rotation is removed.
	tmp := filepath.Join(dir, strings.TrimSuffix(segName(1, 1), segSuffix)+tmpSuffix)
	writeFile(t, tmp, []byte("half"))
	w = mustOpen(t, dir, smallOpts)
	mustClose(t, w)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary segment still there: %v", err)
	}
}
