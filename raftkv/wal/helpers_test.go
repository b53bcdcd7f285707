package wal

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// smallOpts keeps test segments small so rotation happens often.
var smallOpts = Options{SegmentSize: 4096, CacheBytes: 256}

// ent builds an entry whose n data bytes are all byte(index).
func ent(index, term uint64, n int) pb.Entry {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(index)
	}
	return pb.Entry{Index: index, Term: term, Data: data}
}

// op is one write, applied both to a WAL and to a MemoryStorage model.
type op struct {
	kind  string // "save", "mark", "compact"
	hs    pb.HardState
	ents  []pb.Entry
	snap  *pb.SnapshotMetadata
	index uint64
	cs    *pb.ConfState
}

func (o op) applyWAL(w *WAL) error {
	switch o.kind {
	case "save":
		return w.Save(o.hs, o.ents, o.snap)
	case "mark":
		_, err := w.MarkSnapshot(o.index, o.cs)
		return err
	case "compact":
		return w.Compact(o.index)
	}
	panic("unknown op " + o.kind)
}

func (o op) applyModel(t *testing.T, m *raft.MemoryStorage) {
	t.Helper()
	var err error
	switch o.kind {
	case "save":
		if o.snap != nil {
			err = m.ApplySnapshot(pb.Snapshot{Metadata: *o.snap})
		}
		if err == nil {
			err = m.Append(o.ents)
		}
		if err == nil && o.hs != (pb.HardState{}) {
			err = m.SetHardState(o.hs)
		}
	case "mark":
		_, err = m.CreateSnapshot(o.index, o.cs, nil)
	case "compact":
		err = m.Compact(o.index)
	}
	if err != nil {
		t.Fatalf("model %s: %v", o.kind, err)
	}
}

func modelOf(t *testing.T, ops []op) *raft.MemoryStorage {
	t.Helper()
	m := raft.NewMemoryStorage()
	for _, o := range ops {
		o.applyModel(t, m)
	}
	return m
}

// apply runs ops on w and on m.
func apply(t *testing.T, w *WAL, m *raft.MemoryStorage, ops ...op) {
	t.Helper()
	for i, o := range ops {
		if err := o.applyWAL(w); err != nil {
			t.Fatalf("op %d (%s): %v", i, o.kind, err)
		}
		o.applyModel(t, m)
	}
}

func mustOpen(t *testing.T, dir string, opts Options) *WAL {
	t.Helper()
	w, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return w
}

func mustClose(t *testing.T, w *WAL) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// checkModel fails unless the WAL's Storage answers like the model.
func checkModel(t *testing.T, w *WAL, m *raft.MemoryStorage) {
	t.Helper()
	s := w.Storage()
	first, _ := s.FirstIndex()
	last, _ := s.LastIndex()
	mfirst, _ := m.FirstIndex()
	mlast, _ := m.LastIndex()
	if first != mfirst || last != mlast {
		t.Fatalf("FirstIndex, LastIndex = %d, %d; model %d, %d", first, last, mfirst, mlast)
	}
	got, err := s.Entries(first, last+1, math.MaxUint64)
	if err != nil {
		t.Fatalf("Entries(%d, %d): %v", first, last+1, err)
	}
	want, _ := m.Entries(first, last+1, math.MaxUint64)
	if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
		t.Fatalf("entries %d..%d differ from the model:\n got %v\nwant %v", first, last, got, want)
	}
	for i := first - 1; i <= last; i++ {
		gt, gerr := s.Term(i)
		mt, merr := m.Term(i)
		if gt != mt || !errors.Is(gerr, merr) {
			t.Fatalf("Term(%d) = %d, %v; model %d, %v", i, gt, gerr, mt, merr)
		}
	}
	hs, cs, _ := s.InitialState()
	mhs, mcs, _ := m.InitialState()
	if hs != mhs || !reflect.DeepEqual(cs, mcs) {
		t.Fatalf("InitialState = %+v, %+v; model %+v, %+v", hs, cs, mhs, mcs)
	}
	snap, _ := s.Snapshot()
	msnap, _ := m.Snapshot()
	if snap.Data != nil || !reflect.DeepEqual(snap.Metadata, msnap.Metadata) {
		t.Fatalf("Snapshot = %+v; model metadata %+v and nil data", snap, msnap.Metadata)
	}
}

// segFiles returns the names of the files in dir.
func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func onlySegment(t *testing.T, dir string) string {
	t.Helper()
	names := segFiles(t, dir)
	if len(names) != 1 {
		t.Fatalf("want one segment, have %v", names)
	}
	return filepath.Join(dir, names[0])
}
