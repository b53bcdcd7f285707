package raftpb

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"
)

// The fast paths (Message.Marshal of a small message, decodeScalars) must
// give exactly what the general code gives.

func TestMarshalSmallByHand(t *testing.T) {
	got, _ := heartbeat().Marshal()
	// Fields 1 to 6, 8, 10, 11 and 13, each a one-byte key and value.
	want := unhex(t, "08 08 10 02 18 01 20 09 28 00 30 00 40 78 50 00 58 00 68 00")
	if !bytes.Equal(got, want) {
		t.Errorf("heartbeat encodes to % x, want % x", got, want)
	}
	if cap(got) != len(got) {
		t.Errorf("cap %d, len %d: want the exact size", cap(got), len(got))
	}
	withContext := heartbeat()
	withContext.Context = []byte{0, 0, 0, 0, 0, 0, 0, 1}
	got, _ = withContext.Marshal()
	// Context, field 12, goes between fields 11 and 13.
	want = unhex(t, "08 08 10 02 18 01 20 09 28 00 30 00 40 78 50 00 58 00 62 08 00 00 00 00 00 00 00 01 68 00")
	if !bytes.Equal(got, want) {
		t.Errorf("heartbeat with context encodes to % x, want % x", got, want)
	}
}

func TestMarshalSmallMatchesGeneralPath(t *testing.T) {
	for _, m := range []*Message{
		{},
		{Type: MsgVoteResp, To: 127, From: 128, Term: 1 << 14, Reject: true, RejectHint: 1<<21 - 1},
		{Type: -1, To: math.MaxUint64, From: math.MaxUint64, Term: math.MaxUint64, LogTerm: math.MaxUint64,
			Index: math.MaxUint64, Commit: math.MaxUint64, Reject: true, RejectHint: math.MaxUint64, Vote: math.MaxUint64},
		{Type: -1, To: math.MaxUint64, From: math.MaxUint64, Term: math.MaxUint64, LogTerm: math.MaxUint64,
			Index: math.MaxUint64, Commit: math.MaxUint64, RejectHint: math.MaxUint64, Vote: math.MaxUint64,
			Context: bytes.Repeat([]byte{7}, maxSmallContext)}, // the largest small message
		{Entries: []Entry{}}, // empty, not nil: still nothing to encode but scalars
		{Context: []byte{}},  // empty, not nil: encoded
		{Term: 300, Context: bytes.Repeat([]byte{7}, maxSmallContext)},
		{Term: 300, Context: bytes.Repeat([]byte{7}, maxSmallContext+1)}, // the general path
	} {
		got, _ := m.Marshal()
		general := make([]byte, m.Size())
		m.encode(general, len(general))
		if !bytes.Equal(got, general) {
			t.Errorf("%+v: Marshal % x, general encoder % x", m, got, general)
		}
		if m.small() && len(got) > maxSmallMessageSize {
			t.Errorf("%+v: %d bytes, above maxSmallMessageSize", m, len(got))
		}
	}
}

func TestDecodeScalarsHandsOver(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Message
	}{
		// 96 01 is 150; 90 00 is field 2's key in two bytes; 78 01 is an
		// unknown field 15.
		{"long value, long key, unknown field", "08 08 10 96 01 90 00 05 78 01 20 09", Message{Type: 8, To: 5, Term: 9}},
		// 80 80 01 is 1<<14.
		{"three-byte value then one-byte", "20 80 80 01 30 7f 50 01", Message{Term: 1 << 14, Index: 127, Reject: true}},
		// decodeInOrder stops at the field 6 where it expects 5, and
		// decodeScalars takes over; a repeated field 1 replaces the first.
		{"gap in the order", "08 08 10 02 18 01 20 09 30 07 40 78 08 05", Message{Type: 5, To: 2, From: 1, Term: 9, Index: 7, Commit: 120}},
		{"every varint field in order", "08 08 10 02 18 01 20 09 28 04 30 07 40 78 50 01 58 03 68 06",
			Message{Type: 8, To: 2, From: 1, Term: 9, LogTerm: 4, Index: 7, Commit: 120, Reject: true, RejectHint: 3, Vote: 6}},
		{"entry between scalars", "30 05 3a 04 10 02 18 03 40 04", Message{Index: 5, Entries: []Entry{{Term: 2, Index: 3}}, Commit: 4}},
	} {
		var m Message
		if err := m.Unmarshal(unhex(t, tc.in)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if m.String() != tc.want.String() {
			t.Errorf("%s: got %v, want %v", tc.name, &m, &tc.want)
		}
	}
	var e Entry
	if err := e.Unmarshal(unhex(t, "10 80 80 01 18 7f 08 01")); err != nil || e.Type != EntryConfChange || e.Term != 1<<14 || e.Index != 127 || e.Data != nil {
		t.Errorf("entry: got %+v, %v", e, err)
	}
}

func TestDecodeScalarsLeavesErrorsToGeneralPath(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		is       error // nil: any error
	}{
		{"truncated value", "08 08 10 80", io.ErrUnexpectedEOF},
		{"value of eleven bytes", "10 ff ff ff ff ff ff ff ff ff ff 01", ErrIntOverflowRaft},
		{"field 0", "08 08 00 01", errFieldNumber},
		{"entries as a varint", "08 08 38 01", errWireType},
		{"key only", "08 08 10", io.ErrUnexpectedEOF},
	} {
		var m Message
		err := m.Unmarshal(unhex(t, tc.in))
		if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.is)
		}
	}
}

// Unmarshal counts the bytes it decodes to size its copy; fields that an
// earlier UnmarshalAlias of the same input set are not in that count, and
// must still be copied whole.
func TestUnmarshalAfterAliasOfSameInput(t *testing.T) {
	in, _ := msgApp(2, 4).Marshal()
	var m Message
	if err := m.UnmarshalAlias(in); err != nil {
		t.Fatal(err)
	}
	if err := m.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	want := []string{"aaaa", "bbbb", "aaaa", "bbbb"}
	for k := range in {
		in[k] ^= 0xff
	}
	if len(m.Entries) != 4 {
		t.Fatalf("%d entries, want 4", len(m.Entries))
	}
	for k, e := range m.Entries {
		if string(e.Data) != want[k] || len(e.Data) != 4 {
			t.Errorf("entry %d: data %q, want %q", k, e.Data, want[k])
		}
	}
}
