package wal

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// BenchmarkSave measures a durable Save, fdatasync included, on the disk
// holding the test's temporary directory.
func BenchmarkSave(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    int
		size int
	}{{"1x256B", 1, 256}, {"64x1KiB", 64, 1024}} {
		b.Run(bc.name, func(b *testing.B) {
			w, err := Open(b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			data := make([]byte, bc.size)
			ents := make([]pb.Entry, bc.n)
			next := uint64(1)
			b.SetBytes(int64(bc.n * bc.size))
			b.ReportAllocs()
			for b.Loop() {
				for i := range ents {
					ents[i] = pb.Entry{Index: next, Term: 1, Data: data}
					next++
				}
				if err := w.Save(pb.HardState{Term: 1, Commit: next - 1}, ents, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
