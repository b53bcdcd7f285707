package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

func testSnap(index, term uint64) *pb.Snapshot {
	return &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: index, Term: term}}
}

// handOut returns what the next write would carry and marks it handed out.
func handOut(u *unstable) (*pb.Snapshot, []pb.Entry, logMark) {
	s, es, mark := u.nextSnapshot(), u.nextEntries(), u.mark()
	u.acceptInProgress()
	return s, es, mark
}

// A snapshot handed out under one leader term is not handed out again when
// the accepted term changes, and its acknowledgement under the old term
// still makes it durable.
func TestUnstableSnapshotSurvivesTermChange(t *testing.T) {
	u := newUnstable(entryID{1, 10})
	snap := testSnap(12, 1)
	u.restore(snap, 1)
	s, es, mark := handOut(&u)
	if s != snap || len(es) != 0 || mark != (logMark{1, 12}) {
		t.Fatalf("first write = %v %v %v, want the snapshot alone at mark 1/12", s, es, mark)
	}
	// The term-2 leader appends 2/13 before the write is acknowledged.
	u.truncateAndAppend(logSlice{term: 2, prev: entryID{1, 12}, entries: ents(13, 2)})
	s, es, mark = handOut(&u)
	if s != nil {
		t.Fatal("the snapshot in progress was handed out again after a term change")
	}
	if len(es) != 1 || es[0].Index != 13 || mark != (logMark{2, 13}) {
		t.Fatalf("second write = %v at %v, want 2/13 at mark 2/13", es, mark)
	}
	// The first write's acknowledgement: snapshot 12/1 at mark 1/12.
	if !u.stableSnapTo(entryID{1, 12}) || u.snapshot != nil {
		t.Fatal("the snapshot's acknowledgement under an older term must make it durable")
	}
	if u.stableTo(logMark{1, 12}) {
		t.Fatal("the old term's mark must not change the entries")
	}
	if u.prev != (entryID{1, 12}) || len(u.entries) != 1 {
		t.Fatalf("after the snapshot is durable: prev %v entries %v, want 1/12 and 2/13", u.prev, u.entries)
	}
	if u.stableSnapTo(entryID{1, 12}) {
		t.Fatal("a duplicate snapshot acknowledgement changes nothing")
	}
	if !u.stableTo(logMark{2, 13}) || u.prev != (entryID{2, 13}) || len(u.entries) != 0 {
		t.Fatalf("stableTo(2/13): prev %v entries %v", u.prev, u.entries)
	}
}

// Entries written together with a snapshot under an older term are not
// counted when that write is acknowledged: the snapshot is, the entries are
// written again under the new term.
func TestUnstableSnapshotAckDoesNotCountOldTermEntries(t *testing.T) {
	u := newUnstable(entryID{1, 10})
	u.restore(testSnap(12, 1), 1)
	u.truncateAndAppend(logSlice{term: 1, prev: entryID{1, 12}, entries: ents(13, 1)})
	s, es, mark := handOut(&u)
	if s == nil || len(es) != 1 || mark != (logMark{1, 13}) {
		t.Fatalf("first write = %v %v %v, want the snapshot and 1/13 at mark 1/13", s, es, mark)
	}
	// A term-3 leader's log agrees up to 1/13 and goes on with 3/14.
	u.truncateAndAppend(logSlice{term: 3, prev: entryID{1, 13}, entries: ents(14, 3)})
	s, es, mark = handOut(&u)
	if s != nil || len(es) != 2 || es[0].Index != 13 || mark != (logMark{3, 14}) {
		t.Fatalf("second write = %v %v %v, want 1/13 and 3/14 without the snapshot at mark 3/14", s, es, mark)
	}
	u.stableSnapTo(entryID{1, 12})
	if u.stableTo(logMark{1, 13}) || u.prev != (entryID{1, 12}) || len(u.entries) != 2 {
		t.Fatalf("an old term's mark counted entries: prev %v entries %v", u.prev, u.entries)
	}
	if !u.stableTo(logMark{3, 14}) || u.prev != (entryID{3, 14}) {
		t.Fatalf("stableTo(3/14): prev %v", u.prev)
	}
}

// A newer snapshot that replaces one still being written is handed out on
// its own, and the older one's acknowledgement does not make it durable.
func TestUnstableNewerSnapshotWhileOlderInFlight(t *testing.T) {
	u := newUnstable(entryID{1, 10})
	older, newer := testSnap(12, 1), testSnap(20, 2)
	u.restore(older, 1)
	if s, _, _ := handOut(&u); s != older {
		t.Fatal("the older snapshot was not handed out")
	}
	u.restore(newer, 2)
	if u.stableSnapTo(entryID{1, 12}) || u.snapshot != newer {
		t.Fatal("the older snapshot's acknowledgement cleared a newer one not yet handed out")
	}
	s, es, mark := handOut(&u)
	if s != newer || len(es) != 0 || mark != (logMark{2, 20}) {
		t.Fatalf("write = %v %v %v, want the newer snapshot at mark 2/20", s, es, mark)
	}
	if u.stableSnapTo(entryID{1, 12}) || u.snapshot != newer {
		t.Fatal("the older snapshot's acknowledgement cleared a newer one in progress")
	}
	if u.stableSnapTo(entryID{1, 20}) {
		t.Fatal("an acknowledgement must name the snapshot's term too")
	}
	if !u.stableSnapTo(entryID{2, 20}) || u.snapshot != nil || u.prev != (entryID{2, 20}) {
		t.Fatalf("the newer snapshot's acknowledgement: snapshot %v prev %v", u.snapshot, u.prev)
	}
}

// A snapshot acknowledgement for a snapshot that was never handed out
// changes nothing, whatever it names.
func TestUnstableSnapshotAckBeforeHandOut(t *testing.T) {
	u := newUnstable(entryID{1, 10})
	u.restore(testSnap(12, 1), 1)
	if u.stableSnapTo(entryID{1, 12}) || u.nextSnapshot() == nil {
		t.Fatal("a snapshot not handed out cannot be durable")
	}
}
