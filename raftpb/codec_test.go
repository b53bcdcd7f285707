package raftpb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// codec is the method set every wire type implements.
type codec interface {
	Marshal() ([]byte, error)
	MarshalTo([]byte) (int, error)
	MarshalToSizedBuffer([]byte) (int, error)
	Size() int
	Unmarshal([]byte) error
	UnmarshalAlias([]byte) error
	Reset()
}

// Every wire type is a codec.
var _ = []codec{
	&Entry{}, &SnapshotMetadata{}, &Snapshot{}, &Message{}, &HardState{},
	&ConfState{}, &ConfChange{}, &ConfChangeSingle{}, &ConfChangeV2{},
}

// unhex decodes space-separated hex bytes.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// newLike returns a new zero value of v's type.
func newLike(v codec) codec {
	return reflect.New(reflect.TypeOf(v).Elem()).Interface().(codec)
}

// Hand-computed encodings. Each was worked out by hand from the wire format:
// key = field<<3 | wire type (0 varint, 2 length-delimited), varints little
// endian in 7-bit groups with the high bit as continuation; e.g. 300 is
// 0xac 0x02, and -1 sign-extended to 64 bits is nine 0xff and a 0x01.
var vectors = []struct {
	name string
	v    codec
	hex  string
}{
	{"Entry zero", &Entry{}, "08 00 10 00 18 00"},
	{"Entry empty data", &Entry{Data: []byte{}}, "08 00 10 00 18 00 22 00"},
	{"Entry full", &Entry{Type: EntryConfChange, Term: 5, Index: 300, Data: []byte("ab")},
		"08 01 10 05 18 ac 02 22 02 61 62"},
	{"Entry negative type", &Entry{Type: -1}, "08 ff ff ff ff ff ff ff ff ff 01 10 00 18 00"},
	{"Entry max term", &Entry{Term: 1<<64 - 1}, "08 00 10 ff ff ff ff ff ff ff ff ff 01 18 00"},

	{"HardState zero", &HardState{}, "08 00 10 00 18 00"},
	{"HardState", &HardState{Term: 1, Vote: 2, Commit: 128}, "08 01 10 02 18 80 01"},

	{"ConfState zero", &ConfState{}, "28 00"},
	{"ConfState full", &ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3},
		VotersOutgoing: []uint64{1}, LearnersNext: []uint64{4}, AutoLeave: true},
		"08 01 08 02 10 03 18 01 20 04 28 01"},

	// ConfState is written even when empty: 0a 02 {28 00}.
	{"SnapshotMetadata zero", &SnapshotMetadata{}, "0a 02 28 00 10 00 18 00"},
	{"SnapshotMetadata", &SnapshotMetadata{ConfState: ConfState{Voters: []uint64{1}}, Index: 10, Term: 2},
		"0a 04 08 01 28 00 10 0a 18 02"},

	// Metadata is written even when zero: 12 08 {SnapshotMetadata zero}.
	{"Snapshot zero", &Snapshot{}, "12 08 0a 02 28 00 10 00 18 00"},
	{"Snapshot empty data", &Snapshot{Data: []byte{}}, "0a 00 12 08 0a 02 28 00 10 00 18 00"},
	{"Snapshot data", &Snapshot{Data: []byte("x")}, "0a 01 78 12 08 0a 02 28 00 10 00 18 00"},

	// Keys: reject 10<<3 = 0x50, rejectHint 0x58, vote 13<<3 = 0x68.
	{"Message zero", &Message{}, "08 00 10 00 18 00 20 00 28 00 30 00 40 00 50 00 58 00 68 00"},
	// context 12<<3|2 = 0x62, written because non-nil.
	{"Message heartbeat", &Message{Type: MsgHeartbeat, To: 2, From: 1, Term: 3, Commit: 5, Context: []byte{}},
		"08 08 10 02 18 01 20 03 28 00 30 00 40 05 50 00 58 00 62 00 68 00"},
	{"Message negative type", &Message{Type: -5},
		"08 fb ff ff ff ff ff ff ff ff 01 10 00 18 00 20 00 28 00 30 00 40 00 50 00 58 00 68 00"},
	// entries 7<<3|2 = 0x3a, snapshot 9<<3|2 = 0x4a, responses 14<<3|2 = 0x72
	// (0x14 = 20 bytes of the zero Message); vote 13 follows context's place.
	{"Message every field", &Message{
		Type: MsgApp, To: 2, From: 1, Term: 4, LogTerm: 3, Index: 10,
		Entries: []Entry{{Term: 4, Index: 11, Data: []byte("a")}},
		Commit:  9, Snapshot: &Snapshot{}, Reject: true, RejectHint: 7, Vote: 1,
		Context:   []byte("c"),
		Responses: []Message{{}},
	}, "08 03 10 02 18 01 20 04 28 03 30 0a" +
		" 3a 09 08 00 10 04 18 0b 22 01 61" +
		" 40 09" +
		" 4a 0a 12 08 0a 02 28 00 10 00 18 00" +
		" 50 01 58 07 62 01 63 68 01" +
		" 72 14 08 00 10 00 18 00 20 00 28 00 30 00 40 00 50 00 58 00 68 00"},

	{"ConfChange zero", &ConfChange{}, "08 00 10 00 18 00"},
	{"ConfChange", &ConfChange{ID: 1, Type: ConfChangeRemoveNode, NodeID: 3, Context: []byte("c")},
		"08 01 10 01 18 03 22 01 63"},
	{"ConfChangeSingle zero", &ConfChangeSingle{}, "08 00 10 00"},
	{"ConfChangeSingle", &ConfChangeSingle{Type: ConfChangeAddLearnerNode, NodeID: 200}, "08 03 10 c8 01"},
	{"ConfChangeV2 zero", &ConfChangeV2{}, "08 00"},
	{"ConfChangeV2", &ConfChangeV2{Transition: ConfChangeTransitionJointExplicit,
		Changes: []ConfChangeSingle{{NodeID: 1}, {Type: ConfChangeRemoveNode, NodeID: 2}}, Context: []byte{}},
		"08 02 12 04 08 00 10 01 12 04 08 01 10 02 1a 00"},
}

func TestEncodeVectors(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			got, err := tc.v.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal = % x\nwant      % x", got, want)
			}
			if n := tc.v.Size(); n != len(want) {
				t.Fatalf("Size = %d, want %d", n, len(want))
			}
		})
	}
}

func TestDecodeVectors(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.hex)
			for _, alias := range []bool{false, true} {
				got := newLike(tc.v)
				var err error
				if alias {
					err = got.UnmarshalAlias(in)
				} else {
					err = got.Unmarshal(in)
				}
				if err != nil {
					t.Fatalf("alias=%v: %v", alias, err)
				}
				if d := cmp.Diff(tc.v, got); d != "" {
					t.Fatalf("alias=%v: decoded value differs (-want +got):\n%s", alias, d)
				}
			}
		})
	}
}

// TestDecodeNilVersusEmpty checks that presence survives decoding: an absent
// bytes field stays nil and an empty present one is non-nil with no room to
// append into.
func TestDecodeNilVersusEmpty(t *testing.T) {
	for _, alias := range []bool{false, true} {
		var absent, empty Entry
		unmarshal := (*Entry).Unmarshal
		if alias {
			unmarshal = (*Entry).UnmarshalAlias
		}
		if err := unmarshal(&absent, unhex(t, "08 00 10 00 18 00")); err != nil {
			t.Fatal(err)
		}
		if err := unmarshal(&empty, unhex(t, "22 00")); err != nil {
			t.Fatal(err)
		}
		if absent.Data != nil {
			t.Errorf("alias=%v: absent Data = %q, want nil", alias, absent.Data)
		}
		if empty.Data == nil || len(empty.Data) != 0 || cap(empty.Data) != 0 {
			t.Errorf("alias=%v: empty Data = %#v (cap %d), want non-nil, empty, cap 0", alias, empty.Data, cap(empty.Data))
		}
	}
}

// TestDecodeWildEncodings feeds inputs other encoders may legally write.
func TestDecodeWildEncodings(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want codec
	}{
		{"only set fields", "08 08 10 02 18 01 20 03 40 05",
			&Message{Type: MsgHeartbeat, To: 2, From: 1, Term: 3, Commit: 5}},
		{"reordered fields", "40 05 20 03 18 01 10 02 08 08",
			&Message{Type: MsgHeartbeat, To: 2, From: 1, Term: 3, Commit: 5}},
		{"last scalar wins", "10 02 10 07 50 01 50 00", &Message{To: 7}},
		{"last bytes field wins", "62 01 61 62 02 62 63", &Message{Context: []byte("bc")}},
		{"repeated snapshot merges", "4a 02 0a 00 4a 04 12 02 10 05",
			&Message{Snapshot: &Snapshot{Data: []byte{}, Metadata: SnapshotMetadata{Index: 5}}}},
		{"entries in pieces", "3a 02 10 01 40 01 3a 02 10 02",
			&Message{Commit: 1, Entries: []Entry{{Term: 1}, {Term: 2}}}},
		{"non-canonical bool and enum", "50 02 08 ff ff ff ff 0f", &Message{Reject: true, Type: -1}},
		{"enum above int32 keeps low 32 bits", "08 81 80 80 80 10", &Entry{Type: 1}},
		{"packed voters", "0a 03 01 02 03 12 02 ac 02",
			&ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{300}}},
		{"packed and unpacked mixed", "08 01 0a 02 02 03 08 04 22 00",
			&ConfState{Voters: []uint64{1, 2, 3, 4}}},
		{"conf state split across metadata", "0a 02 08 01 0a 02 08 02",
			&SnapshotMetadata{ConfState: ConfState{Voters: []uint64{1, 2}}}},
		// Field 15 varint (78), field 6 fixed64 (31), field 7 fixed32 (3d),
		// field 9 bytes (4a), field 10 group (53 .. 54) holding a varint and a
		// nested group of field 2 (13 .. 14), and field 100 varint (a0 06).
		{"unknown fields of every wire type", "08 01 78 05 31 01 02 03 04 05 06 07 08 3d 01 02 03 04" +
			" 10 02 4a 02 ff ff 53 08 01 13 0d 01 02 03 04 14 54 a0 06 01 18 03",
			&HardState{Term: 1, Vote: 2, Commit: 3}},
		{"unknown field inside entry", "3a 04 78 01 10 09 40 01",
			&Message{Commit: 1, Entries: []Entry{{Term: 9}}}},
		{"empty input", "", &ConfChangeV2{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newLike(tc.want)
			if err := got.Unmarshal(unhex(t, tc.hex)); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("decoded value differs (-want +got):\n%s", d)
			}
		})
	}
}

// deepGroups nests n groups of the unknown field 15 (start key 0x7b, end
// key 0x7c).
func deepGroups(n int) []byte {
	return append(bytes.Repeat([]byte{0x7b}, n), bytes.Repeat([]byte{0x7c}, n)...)
}

// deepResponses nests n Messages through field 14.
func deepResponses(n int) []byte {
	var b []byte
	for range n {
		b = append([]byte{0x72, byte(len(b))}, b...)
		if len(b) > 127 {
			// Keep lengths to one byte: the innermost levels are enough.
			return nil
		}
	}
	return b
}

func TestDecodeMalformed(t *testing.T) {
	overlong := "08 80 80 80 80 80 80 80 80 80 80 01"
	for _, tc := range []struct {
		name string
		v    codec
		hex  string
		is   error // nil when only some error is expected
	}{
		{"key only", &HardState{}, "08", io.ErrUnexpectedEOF},
		{"truncated varint", &HardState{}, "08 80", io.ErrUnexpectedEOF},
		{"truncated key", &HardState{}, "80", io.ErrUnexpectedEOF},
		{"overlong varint", &HardState{}, overlong, ErrIntOverflowRaft},
		{"overlong key", &HardState{}, "80 80 80 80 80 80 80 80 80 80 01", ErrIntOverflowRaft},
		{"truncated bytes", &Entry{}, "22 05 61", io.ErrUnexpectedEOF},
		{"length past end", &Entry{}, "22 ff ff ff ff 0f", io.ErrUnexpectedEOF},
		{"negative length", &Entry{}, "22 ff ff ff ff ff ff ff ff ff 01", ErrInvalidLengthRaft},
		{"unknown negative length", &Entry{}, "2a ff ff ff ff ff ff ff ff ff 01", ErrInvalidLengthRaft},
		{"field number zero", &Entry{}, "00 00", nil},
		{"field number zero bytes", &Entry{}, "02 00", nil},
		{"field number above int32", &Entry{}, "f8 ff ff ff ff 7f 00", nil},
		{"wrong wire type scalar", &HardState{}, "09 01 02 03 04 05 06 07 08", nil},
		{"wrong wire type bytes", &Entry{}, "20 01", nil},
		{"wrong wire type message", &Message{}, "48 01", nil},
		{"wrong wire type repeated", &ConfState{}, "0d 01 02 03 04", nil},
		{"wire type 6", &HardState{}, "7e", nil},
		{"wire type 7", &HardState{}, "7f", nil},
		{"stray end group", &HardState{}, "0c", ErrUnexpectedEndOfGroupRaft},
		{"mismatched end group", &HardState{}, "53 5c", ErrUnexpectedEndOfGroupRaft},
		{"unclosed group", &HardState{}, "53 08 01", io.ErrUnexpectedEOF},
		{"truncated fixed64", &HardState{}, "31 01 02", io.ErrUnexpectedEOF},
		{"truncated fixed32", &HardState{}, "3d 01 02", io.ErrUnexpectedEOF},
		{"bad entry inside message", &Message{}, "3a 02 08 80", io.ErrUnexpectedEOF},
		{"bad snapshot inside message", &Message{}, "4a 02 12 05", io.ErrUnexpectedEOF},
		{"bad conf state inside snapshot", &Snapshot{}, "12 04 0a 02 08 80", io.ErrUnexpectedEOF},
		{"bad change inside v2", &ConfChangeV2{}, "12 01 08", io.ErrUnexpectedEOF},
		{"packed run ends mid varint", &ConfState{}, "0a 02 01 80 28 00", io.ErrUnexpectedEOF},
		{"groups nested too deep", &HardState{}, hex.EncodeToString(deepGroups(maxGroupDepth + 1)), nil},
		{"responses nested too deep", &Message{}, hex.EncodeToString(deepResponses(maxResponseDepth + 2)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.hex)
			for _, alias := range []bool{false, true} {
				v := newLike(tc.v)
				var err error
				if alias {
					err = v.UnmarshalAlias(in)
				} else {
					err = v.Unmarshal(in)
				}
				if err == nil {
					t.Fatalf("alias=%v: decoding % x succeeded: %+v", alias, in, v)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Fatalf("alias=%v: error %q is not %q", alias, err, tc.is)
				}
				if !strings.HasPrefix(err.Error(), "raftpb: ") {
					t.Fatalf("alias=%v: error %q does not say where it came from", alias, err)
				}
			}
		})
	}
}

// TestDecodeNestingWithinLimits checks that the depth limits leave room
// for legitimate nesting.
func TestDecodeNestingWithinLimits(t *testing.T) {
	if err := new(HardState).Unmarshal(deepGroups(maxGroupDepth)); err != nil {
		t.Errorf("groups nested %d deep: %v", maxGroupDepth, err)
	}
	if err := new(Message).Unmarshal(deepResponses(maxResponseDepth)); err != nil {
		t.Errorf("responses nested %d deep: %v", maxResponseDepth, err)
	}
}

// TestDecodeTruncations decodes every proper prefix of a rich message: each
// must fail or succeed without panicking, and one cut inside a field must
// fail.
func TestDecodeTruncations(t *testing.T) {
	m := richMessage()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var got Message
		_ = got.Unmarshal(b[:n])
	}
	var got Message
	if err := got.Unmarshal(b[:len(b)-1]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("dropping the last byte: err = %v, want unexpected EOF", err)
	}
}

// richMessage sets every field of Message, nested ones included.
func richMessage() *Message {
	return &Message{
		Type: MsgStorageAppend, To: 1, From: 2, Term: 3, LogTerm: 4, Index: 5, Commit: 6, Vote: 7,
		Entries: []Entry{{Term: 3, Index: 6, Data: []byte("six")}, {Term: 3, Index: 7, Type: EntryConfChangeV2}},
		Snapshot: &Snapshot{Data: []byte("snap"), Metadata: SnapshotMetadata{Index: 5, Term: 2,
			ConfState: ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}, VotersOutgoing: []uint64{1},
				LearnersNext: []uint64{4}, AutoLeave: true}}},
		Reject: true, RejectHint: 9, Context: []byte("ctx"),
		Responses: []Message{{Type: MsgAppResp, To: 2, Context: []byte("r")}, {Type: MsgHeartbeatResp}},
	}
}

func TestMarshalToSemantics(t *testing.T) {
	m := richMessage()
	want, _ := m.Marshal()
	n := len(want)

	// MarshalTo writes at the front of a larger buffer.
	buf := bytes.Repeat([]byte{0xee}, n+10)
	if got, err := m.MarshalTo(buf); err != nil || got != n {
		t.Fatalf("MarshalTo = %d, %v; want %d, nil", got, err, n)
	}
	if !bytes.Equal(buf[:n], want) || !bytes.Equal(buf[n:], bytes.Repeat([]byte{0xee}, 10)) {
		t.Fatalf("MarshalTo wrote % x", buf)
	}

	// MarshalToSizedBuffer writes at the end and leaves the front alone.
	buf = bytes.Repeat([]byte{0xee}, n+10)
	if got, err := m.MarshalToSizedBuffer(buf); err != nil || got != n {
		t.Fatalf("MarshalToSizedBuffer = %d, %v; want %d, nil", got, err, n)
	}
	if !bytes.Equal(buf[10:], want) || !bytes.Equal(buf[:10], bytes.Repeat([]byte{0xee}, 10)) {
		t.Fatalf("MarshalToSizedBuffer wrote % x", buf)
	}
	buf = make([]byte, n)
	if got, err := m.MarshalToSizedBuffer(buf); err != nil || got != n || !bytes.Equal(buf, want) {
		t.Fatalf("MarshalToSizedBuffer into exact buffer = %d, %v, % x", got, err, buf)
	}

	// A short buffer is an error, not a panic.
	for _, c := range []codec{m, &HardState{Term: 1}, &ConfChangeV2{Context: []byte("x")}} {
		size := c.Size()
		if _, err := c.MarshalTo(make([]byte, size-1)); err == nil {
			t.Errorf("%T.MarshalTo into %d bytes succeeded, need %d", c, size-1, size)
		}
		if _, err := c.MarshalToSizedBuffer(make([]byte, size-1)); err == nil {
			t.Errorf("%T.MarshalToSizedBuffer into %d bytes succeeded, need %d", c, size-1, size)
		}
	}
}

func TestSizeOfNil(t *testing.T) {
	for _, c := range []codec{(*Entry)(nil), (*Message)(nil), (*Snapshot)(nil), (*ConfState)(nil),
		(*SnapshotMetadata)(nil), (*HardState)(nil), (*ConfChange)(nil), (*ConfChangeSingle)(nil), (*ConfChangeV2)(nil)} {
		if n := c.Size(); n != 0 {
			t.Errorf("%T(nil).Size() = %d, want 0", c, n)
		}
	}
}

func TestReset(t *testing.T) {
	m := richMessage()
	m.Reset()
	if d := cmp.Diff(&Message{}, m); d != "" {
		t.Fatalf("after Reset (-want +got):\n%s", d)
	}
	for _, c := range []codec{&Entry{Term: 1}, &Snapshot{Data: []byte{1}}, &SnapshotMetadata{Index: 1},
		&HardState{Vote: 1}, &ConfState{AutoLeave: true}, &ConfChange{ID: 1},
		&ConfChangeSingle{NodeID: 1}, &ConfChangeV2{Transition: 1}} {
		c.Reset()
		if d := cmp.Diff(newLike(c), c); d != "" {
			t.Errorf("%T after Reset (-want +got):\n%s", c, d)
		}
	}
}

// TestUnmarshalMerges checks gogo's merge semantics: scalars present in the
// input overwrite, absent ones stay, repeated fields append, bytes fields
// are replaced and a nested message merges.
func TestUnmarshalMerges(t *testing.T) {
	m := Message{
		Type: MsgApp, To: 1, Term: 2, Context: []byte("old"),
		Entries:  []Entry{{Index: 1}},
		Snapshot: &Snapshot{Data: []byte("snap"), Metadata: SnapshotMetadata{Index: 5, ConfState: ConfState{Voters: []uint64{1}}}},
	}
	// to=9, entries {Index 2}, context "new", snapshot {metadata {term 3, conf_state {voters 2}}}.
	in := unhex(t, "10 09 3a 02 18 02 62 03 6e 65 77 4a 08 12 06 0a 02 08 02 18 03")
	if err := m.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	want := Message{
		Type: MsgApp, To: 9, Term: 2, Context: []byte("new"),
		Entries: []Entry{{Index: 1}, {Index: 2}},
		Snapshot: &Snapshot{Data: []byte("snap"), Metadata: SnapshotMetadata{Index: 5, Term: 3,
			ConfState: ConfState{Voters: []uint64{1, 2}}}},
	}
	if d := cmp.Diff(want, m); d != "" {
		t.Fatalf("merged value differs (-want +got):\n%s", d)
	}

	// A nil Snapshot is allocated before merging into it.
	var fresh Message
	if err := fresh.Unmarshal(unhex(t, "4a 00")); err != nil {
		t.Fatal(err)
	}
	if fresh.Snapshot == nil || !cmp.Equal(*fresh.Snapshot, Snapshot{}) {
		t.Fatalf("Snapshot = %+v, want allocated zero snapshot", fresh.Snapshot)
	}

	cs := ConfState{Voters: []uint64{1}, AutoLeave: true}
	if err := cs.Unmarshal(unhex(t, "08 02 10 03")); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}, AutoLeave: true}, cs); d != "" {
		t.Fatalf("merged ConfState differs (-want +got):\n%s", d)
	}
}

// msgApp is a MsgApp with n entries of size bytes each.
func msgApp(n, size int) *Message {
	m := &Message{Type: MsgApp, To: 2, From: 1, Term: 7, LogTerm: 7, Index: 100, Commit: 99}
	for k := range n {
		data := bytes.Repeat([]byte{byte('a' + k)}, size)
		m.Entries = append(m.Entries, Entry{Term: 7, Index: uint64(101 + k), Data: data})
	}
	return m
}

func TestUnmarshalCopies(t *testing.T) {
	m := msgApp(3, 16)
	m.Context = []byte("ctx")
	m.Snapshot = &Snapshot{Data: []byte("snapshot")}
	m.Responses = []Message{{Context: []byte("resp")}}
	in, _ := m.Marshal()

	var got Message
	if err := got.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	for k := range in {
		in[k] = 0xff // the caller reuses its read buffer
	}
	if d := cmp.Diff(m, &got); d != "" {
		t.Fatalf("value changed with its input (-want +got):\n%s", d)
	}
	// Each copied field is capped: appending to one cannot overwrite the
	// next one in the shared buffer.
	for k := range got.Entries {
		if d := got.Entries[k].Data; cap(d) != len(d) {
			t.Fatalf("entry %d: cap %d, len %d", k, cap(d), len(d))
		}
	}
	_ = append(got.Entries[0].Data, 'X')
	if d := cmp.Diff(m.Entries, got.Entries); d != "" {
		t.Fatalf("append wrote through (-want +got):\n%s", d)
	}
}

func TestUnmarshalAliasAliases(t *testing.T) {
	m := msgApp(2, 4)
	m.Context = []byte("ctx")
	in, _ := m.Marshal()

	var got Message
	if err := got.UnmarshalAlias(in); err != nil {
		t.Fatal(err)
	}
	for _, d := range [][]byte{got.Context, got.Entries[0].Data, got.Entries[1].Data} {
		if cap(d) != len(d) {
			t.Fatalf("aliased field % x has cap %d, len %d", d, cap(d), len(d))
		}
	}
	before := bytes.Clone(in)
	_ = append(got.Entries[0].Data, 'X')
	if !bytes.Equal(in, before) {
		t.Fatal("append to an aliased field wrote into the input")
	}
	for k := range in {
		in[k] = 'z'
	}
	if string(got.Context) != "zzz" || string(got.Entries[1].Data) != "zzzz" {
		t.Fatalf("fields do not alias the input: context %q, entry %q", got.Context, got.Entries[1].Data)
	}
}

// gen makes random values that stress the encoding: zero, small, huge and
// negative numbers; nil, empty and filled bytes; nil and filled repeats.
type gen struct{ r *rand.Rand }

func (g gen) u64() uint64 {
	switch g.r.IntN(4) {
	case 0:
		return 0
	case 1:
		return g.r.Uint64()
	case 2:
		return uint64(g.r.IntN(300))
	}
	return g.r.Uint64() >> g.r.IntN(64)
}

func (g gen) i32() int32 {
	switch g.r.IntN(3) {
	case 0:
		return int32(g.r.IntN(25))
	case 1:
		return -int32(g.r.IntN(1000))
	}
	return int32(g.r.Uint32())
}

func (g gen) bytes() []byte {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	b := make([]byte, g.r.IntN(200))
	for k := range b {
		b[k] = byte(g.r.Uint32())
	}
	return b
}

func (g gen) u64s() []uint64 {
	n := g.r.IntN(4)
	if n == 0 {
		return nil
	}
	vs := make([]uint64, n)
	for k := range vs {
		vs[k] = g.u64()
	}
	return vs
}

func (g gen) entry() Entry {
	return Entry{Type: EntryType(g.i32()), Term: g.u64(), Index: g.u64(), Data: g.bytes()}
}

func (g gen) confState() ConfState {
	return ConfState{Voters: g.u64s(), Learners: g.u64s(), VotersOutgoing: g.u64s(),
		LearnersNext: g.u64s(), AutoLeave: g.r.IntN(2) == 0}
}

func (g gen) snapshot() Snapshot {
	return Snapshot{Data: g.bytes(), Metadata: SnapshotMetadata{ConfState: g.confState(), Index: g.u64(), Term: g.u64()}}
}

func (g gen) message(depth int) Message {
	m := Message{Type: MessageType(g.i32()), To: g.u64(), From: g.u64(), Term: g.u64(),
		LogTerm: g.u64(), Index: g.u64(), Commit: g.u64(), Vote: g.u64(), Reject: g.r.IntN(2) == 0,
		RejectHint: g.u64(), Context: g.bytes()}
	for range g.r.IntN(4) {
		m.Entries = append(m.Entries, g.entry())
	}
	if g.r.IntN(2) == 0 {
		s := g.snapshot()
		m.Snapshot = &s
	}
	for range g.r.IntN(3 - depth) {
		m.Responses = append(m.Responses, g.message(depth+1))
	}
	return m
}

func (g gen) confChangeV2() ConfChangeV2 {
	cc := ConfChangeV2{Transition: ConfChangeTransition(g.i32()), Context: g.bytes()}
	for range g.r.IntN(4) {
		cc.Changes = append(cc.Changes, ConfChangeSingle{Type: ConfChangeType(g.i32()), NodeID: g.u64()})
	}
	return cc
}

// randomValues returns one random value of every wire type.
func (g gen) randomValues() []codec {
	e, s, m, cc2 := g.entry(), g.snapshot(), g.message(0), g.confChangeV2()
	cs, md := g.confState(), s.Metadata
	return []codec{&e, &md, &s, &m, &HardState{Term: g.u64(), Vote: g.u64(), Commit: g.u64()}, &cs,
		&ConfChange{ID: g.u64(), Type: ConfChangeType(g.i32()), NodeID: g.u64(), Context: g.bytes()},
		&ConfChangeSingle{Type: ConfChangeType(g.i32()), NodeID: g.u64()}, &cc2}
}

// TestRoundTripRandom checks Marshal → Unmarshal → Marshal on seeded
// random values of every type, through both decoders, and that Size agrees
// with Marshal and with both MarshalTo forms.
func TestRoundTripRandom(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(7, 11))}
	for iter := range 150 {
		for _, v := range g.randomValues() {
			b, err := v.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if v.Size() != len(b) {
				t.Fatalf("iter %d: %T Size %d, Marshal wrote %d", iter, v, v.Size(), len(b))
			}
			buf := make([]byte, len(b)+3)
			if n, err := v.MarshalTo(buf); err != nil || n != len(b) || !bytes.Equal(buf[:n], b) {
				t.Fatalf("iter %d: %T MarshalTo = %d, %v", iter, v, n, err)
			}
			if n, err := v.MarshalToSizedBuffer(buf); err != nil || n != len(b) || !bytes.Equal(buf[3:], b) {
				t.Fatalf("iter %d: %T MarshalToSizedBuffer = %d, %v", iter, v, n, err)
			}
			for _, alias := range []bool{false, true} {
				got := newLike(v)
				if alias {
					err = got.UnmarshalAlias(b)
				} else {
					err = got.Unmarshal(b)
				}
				if err != nil {
					t.Fatalf("iter %d: %T alias=%v: %v", iter, v, alias, err)
				}
				if d := cmp.Diff(v, got); d != "" {
					t.Fatalf("iter %d: %T alias=%v: round trip differs (-want +got):\n%s", iter, v, alias, d)
				}
				again, _ := got.Marshal()
				if !bytes.Equal(again, b) {
					t.Fatalf("iter %d: %T alias=%v: re-encoding differs", iter, v, alias)
				}
			}
		}
	}
}
