package wal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// victimFixture holds a one-segment WAL after the ops in prior, and the
// bytes of the victim Save appended after them.
type victimFixture struct {
	dir, path  string
	prior      []op
	victim     op
	before     []byte // the segment before the victim
	after      []byte // the segment after the victim
	start, end int    // the victim's bytes
}

func newVictim(t *testing.T, later ...op) victimFixture {
	t.Helper()
	f := victimFixture{dir: t.TempDir()}
	f.prior = []op{
		{kind: "save", hs: pb.HardState{Term: 1, Vote: 1}, ents: []pb.Entry{ent(1, 1, 5), ent(2, 1, 7)}},
		{kind: "save", hs: pb.HardState{Term: 2, Vote: 1, Commit: 2}, ents: []pb.Entry{ent(3, 2, 3)}},
	}
	f.victim = op{kind: "save", hs: pb.HardState{Term: 2, Vote: 1, Commit: 3}, ents: []pb.Entry{ent(3, 2, 3), ent(4, 2, 9), ent(5, 2, 1)}}
	w := mustOpen(t, f.dir, smallOpts)
	m := modelOf(t, nil)
	apply(t, w, m, f.prior...)
	f.path = onlySegment(t, f.dir)
	f.start = int(w.off)
	mustClose(t, w)
	f.before = readFile(t, f.path)
	w = mustOpen(t, f.dir, smallOpts)
	apply(t, w, m, f.victim)
	f.end = int(w.off)
	apply(t, w, m, later...)
	mustClose(t, w)
	f.after = readFile(t, f.path)
	if len(segFiles(t, f.dir)) != 1 {
		t.Fatal("the fixture must fit one segment")
	}
	return f
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkRecovered opens the WAL, expects the prior ops' content, then saves
// a follow-up and expects it to survive another reopen.
func (f victimFixture) checkRecovered(t *testing.T, what string, withFollowUp bool) {
	t.Helper()
	w, err := Open(f.dir, smallOpts)
	if err != nil {
		t.Fatalf("%s: Open: %v", what, err)
	}
	m := modelOf(t, f.prior)
	checkModel(t, w, m)
	if withFollowUp {
		apply(t, w, m, op{kind: "save", hs: pb.HardState{Term: 3, Commit: 3}, ents: []pb.Entry{ent(4, 3, 2)}})
		mustClose(t, w)
		w = mustOpen(t, f.dir, smallOpts)
		checkModel(t, w, m)
	}
	mustClose(t, w)
}

// TestTornWriteEveryOffset cuts the victim Save at every byte: whatever
// prefix reached the disk, the WAL opens with everything saved before it
// and without any of the victim.
func TestTornWriteEveryOffset(t *testing.T) {
	f := newVictim(t)
	for cut := 0; cut < f.end-f.start; cut++ {
		b := bytes.Clone(f.before)
		copy(b[f.start:], f.after[f.start:f.start+cut])
		writeFile(t, f.path, b)
		if allZero(f.after[f.start+cut : f.end]) {
			// Only the victim's zero padding is missing: it is whole.
			w := mustOpen(t, f.dir, smallOpts)
			checkModel(t, w, modelOf(t, append(f.prior, f.victim)))
			mustClose(t, w)
			continue
		}
		f.checkRecovered(t, "prefix cut", cut%7 == 0)
	}
	// With the whole write present the victim is there.
	writeFile(t, f.path, f.after)
	w := mustOpen(t, f.dir, smallOpts)
	checkModel(t, w, modelOf(t, append(f.prior, f.victim)))
	mustClose(t, w)
}

// TestTornWriteLostPrefix persists only the end of the victim's write, as
// when the disk writes its sectors out of order.
func TestTornWriteLostPrefix(t *testing.T) {
	f := newVictim(t)
	for cut := 1; cut < f.end-f.start; cut++ {
		b := bytes.Clone(f.before)
		copy(b[f.start+cut:], f.after[f.start+cut:f.end])
		writeFile(t, f.path, b)
		f.checkRecovered(t, "suffix only", cut%7 == 0)
	}
}

// TestBitFlipTail flips every bit of the last Save: it reads as torn.
func TestBitFlipTail(t *testing.T) {
	f := newVictim(t)
	for bit := f.start * 8; bit < f.end*8; bit++ {
		b := bytes.Clone(f.after)
		b[bit/8] ^= 1 << (bit % 8)
		writeFile(t, f.path, b)
		f.checkRecovered(t, "tail flip", bit%61 == 0)
	}
}

// TestBitFlipMiddle flips every bit of a Save that a later Save follows:
// that is corruption, and Open says where.
func TestBitFlipMiddle(t *testing.T) {
	f := newVictim(t, op{kind: "save", hs: pb.HardState{Term: 2, Vote: 1, Commit: 5}})
	for bit := f.start * 8; bit < f.end*8; bit++ {
		b := bytes.Clone(f.after)
		b[bit/8] ^= 1 << (bit % 8)
		writeFile(t, f.path, b)
		w, err := Open(f.dir, smallOpts)
		if err == nil {
			w.Close()
			t.Fatalf("bit %d flipped: Open succeeded, want corruption", bit)
		}
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Path != f.path || ce.Offset < int64(f.start) || ce.Offset >= int64(f.end) {
			t.Fatalf("bit %d flipped: error %v, want a CorruptError in %s within [%d, %d)", bit, err, f.path, f.start, f.end)
		}
	}
}

// TestZeroedMiddle loses a whole acknowledged Save in the middle (a zeroed
// region): the later record proves it is not a torn tail.
func TestZeroedMiddle(t *testing.T) {
	f := newVictim(t, op{kind: "save", hs: pb.HardState{Term: 2, Vote: 1, Commit: 5}})
	b := bytes.Clone(f.after)
	clear(b[f.start:f.end])
	writeFile(t, f.path, b)
	_, err := Open(f.dir, smallOpts)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "follows") {
		t.Fatalf("Open = %v, want corruption naming the record that follows", err)
	}
}

// TestHeaderFlips flips every bit of a segment header.
func TestHeaderFlips(t *testing.T) {
	f := newVictim(t)
	for bit := 0; bit < headerSize*8; bit++ {
		b := bytes.Clone(f.after)
		b[bit/8] ^= 1 << (bit % 8)
		writeFile(t, f.path, b)
		_, err := Open(f.dir, smallOpts)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), f.path) {
			t.Fatalf("header bit %d flipped: Open = %v, want corruption naming %s", bit, err, f.path)
		}
		var want string
		switch byteAt := bit / 8; {
		case byteAt < 8:
			want = "bad magic"
		case byteAt < 12:
			want = "unsupported format version"
		case byteAt < 24:
			want = "CRC"
		}
		if want != "" && !strings.Contains(err.Error(), want) {
			t.Fatalf("header bit %d flipped: Open = %v, want it to mention %q", bit, err, want)
		}
	}
}

// TestDamageInOlderSegment checks that a damaged tail of a segment that is
// not the last is corruption, not a torn write.
func TestDamageInOlderSegment(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, smallOpts)
	m := modelOf(t, nil)
	for i := uint64(1); i <= 40; i++ {
		apply(t, w, m, op{kind: "save", hs: pb.HardState{Term: 1, Commit: i - 1}, ents: []pb.Entry{ent(i, 1, 200)}})
	}
	segs := w.segs
	if len(segs) < 2 {
		t.Fatalf("want rotation, have %d segments", len(segs))
	}
	path, lastOff := segs[0].path, int64(0)
	for _, l := range w.st.locs {
		if l.seq == segs[0].seq {
			lastOff = l.off
		}
	}
	mustClose(t, w)
	b := readFile(t, path)
	b[lastOff+20] ^= 1
	writeFile(t, path, b)
	_, err := Open(dir, smallOpts)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != path || ce.Offset != lastOff || !strings.Contains(err.Error(), "not the last") {
		t.Fatalf("Open = %v, want corruption at %s offset %d", err, path, lastOff)
	}
}

func TestMissingSegment(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, smallOpts)
	for i := uint64(1); i <= 40; i++ {
		if err := w.Save(pb.HardState{Term: 1}, []pb.Entry{ent(i, 1, 200)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.segs) < 3 {
		t.Fatalf("want three segments, have %d", len(w.segs))
	}
	middle := w.segs[1].path
	mustClose(t, w)
	if err := os.Remove(middle); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, smallOpts); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "segment 1 is missing") {
		t.Fatalf("Open = %v, want corruption naming the missing segment", err)
	}
	// Losing the first segment loses entries 1.. that nothing compacted.
	if err := os.Remove(filepath.Join(dir, segName(0, 1))); err != nil {
		t.Fatal(err)
	}
	names := segFiles(t, dir)
	for _, n := range names[1:] {
		os.Remove(filepath.Join(dir, n))
	}
	if _, err := Open(dir, smallOpts); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Open without the first segment = %v, want corruption", err)
	}
}
