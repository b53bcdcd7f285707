package raftpb

import (
	"testing"
	"unsafe"
)

// TestStructSizes guards the size of the hot wire types. Entries and
// messages are copied by value and held by the thousand in logs and
// queues: every word added costs memory and cache traffic on the hot path.
// If this fails, think about whether the new field must live here before
// updating the number.
func TestStructSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  uintptr
		want uintptr
	}{
		// Term 8 + Index 8 + Type 4 (+4 padding) + Data 24.
		{"Entry", unsafe.Sizeof(Entry{}), 48},
		// Type 4 (+4) + To, From, Term, LogTerm, Index 5×8 + Entries 24 +
		// Commit 8 + Vote 8 + Snapshot 8 + Reject 1 (+7) + RejectHint 8 +
		// Context 24 + Responses 24.
		{"Message", unsafe.Sizeof(Message{}), 160},
		// Term, Vote, Commit 3×8.
		{"HardState", unsafe.Sizeof(HardState{}), 24},
	} {
		if tc.got != tc.want {
			t.Errorf("unsafe.Sizeof(%s) = %d, want %d: a hot type changed size; "+
				"think before growing it, then update this test", tc.name, tc.got, tc.want)
		}
	}
}
