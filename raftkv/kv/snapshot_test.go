package kv

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// chunkWriter records how the snapshot arrives, to show that it streams.
type chunkWriter struct {
	buf      bytes.Buffer
	writes   int
	maxWrite int
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.writes++
	w.maxWrite = max(w.maxWrite, len(p))
	return w.buf.Write(p)
}

func TestSnapshotRestore(t *testing.T) {
	src := openTest(t, Options{HistoryRevisions: 100})
	val := bytes.Repeat([]byte("v"), 4096)
	l := &log{}
	for i := range 400 {
		c := putCmd(fmt.Sprintf("key%04d", i%300), string(val[:2048+i]))
		c.SessionID, c.Seq = 1, uint64(i+1)
		l.cmd(t, c)
		if i%50 == 49 {
			mustApply(t, src, l.take())
		}
	}
	mustApply(t, src, l.cmd(t, delCmd("key0100", "key0200")).take())

	var w chunkWriter
	pos, err := src.Snapshot(&w)
	if err != nil {
		t.Fatal(err)
	}
	if pos != src.Applied() || pos.Index != 401 {
		t.Fatalf("snapshot position %+v, want applied %+v at 401", pos, src.Applied())
	}
	// bbolt copies the file in bounded chunks; a snapshot built in memory
	// would arrive in one write the size of the database.
	if w.buf.Len() < 1<<20 || w.maxWrite > 64<<10 {
		t.Fatalf("snapshot of %d bytes arrived in %d writes of at most %d bytes", w.buf.Len(), w.writes, w.maxWrite)
	}

	dst := openTest(t, Options{HistoryRevisions: 100})
	mustApply(t, dst, (&log{}).cmd(t, putCmd("stale", "x")).take())
	got, err := dst.Restore(bytes.NewReader(w.buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got != pos || dst.Revision() != src.Revision() || dst.CompactedRevision() != src.CompactedRevision() {
		t.Fatalf("restored position %+v revision %d compacted %d, want %+v %d %d",
			got, dst.Revision(), dst.CompactedRevision(), pos, src.Revision(), src.CompactedRevision())
	}
	if dump(t, dst) != dump(t, src) {
		t.Fatal("restored state differs from the source")
	}
	if _, err := os.Stat(restoreTempPath(dst.path)); !os.IsNotExist(err) {
		t.Fatalf("restore left its temp file: %v", err)
	}
	// The restored store keeps going from where the source was.
	l = &log{next: pos.Index + 1}
	mustApply(t, src, l.cmd(t, putCmd("after", "1")).take())
	l = &log{next: pos.Index + 1}
	mustApply(t, dst, l.cmd(t, putCmd("after", "1")).take())
	if dump(t, dst) != dump(t, src) {
		t.Fatal("restored store diverged on the next entry")
	}
}

func TestRestoreRejectsGarbage(t *testing.T) {
	s := openTest(t, Options{})
	mustApply(t, s, (&log{}).cmd(t, putCmd("a", "1")).take())
	before := dump(t, s)
	var w bytes.Buffer
	if _, err := s.Snapshot(&w); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"garbage":   bytes.Repeat([]byte{0xab}, 8192),
		"truncated": w.Bytes()[:w.Len()/3],
		"empty":     nil,
	} {
		if _, err := s.Restore(bytes.NewReader(data)); err == nil {
			t.Errorf("%s snapshot was accepted", name)
		}
		if dump(t, s) != before || s.Applied().Index != 1 {
			t.Fatalf("%s snapshot changed the state", name)
		}
	}
}

// blockingWriter holds the snapshot's read transaction open until released.
type blockingWriter struct {
	bytes.Buffer
	started chan struct{}
	release chan struct{}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if w.started != nil {
		close(w.started)
		w.started = nil
		<-w.release
	}
	return w.Buffer.Write(p)
}

// TestSnapshotIsConsistentUnderApply applies batches while a snapshot is
// being streamed; the snapshot must hold exactly the state at the position
// it reports. Apply must not wait for the stream: with bbolt's map sized
// up front (Options.MmapBytes) the writer never needs to remap.
func TestSnapshotIsConsistentUnderApply(t *testing.T) {
	s := openTest(t, Options{})
	l := &log{}
	for i := range 20 {
		l.cmd(t, putCmd(fmt.Sprintf("k%d", i), "before"))
	}
	first := l.take()
	mustApply(t, s, first)
	w := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
	type snap struct {
		pos Position
		err error
	}
	done := make(chan snap)
	started := w.started
	go func() {
		pos, err := s.Snapshot(w)
		done <- snap{pos, err}
	}()
	<-started
	for i := range 20 {
		l.cmd(t, putCmd(fmt.Sprintf("k%d", i), "after"))
	}
	mustApply(t, s, l.take())
	close(w.release)
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	if got.pos.Index != 20 {
		t.Fatalf("snapshot position %d, want 20 (taken before the second batch)", got.pos.Index)
	}
	restored := openTest(t, Options{})
	if _, err := restored.Restore(&w.Buffer); err != nil {
		t.Fatal(err)
	}
	ref := openTest(t, Options{})
	mustApply(t, ref, first)
	if dump(t, restored) != dump(t, ref) {
		t.Fatal("snapshot taken during Apply is not the state at its position")
	}
}
