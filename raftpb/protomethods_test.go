package raftpb

import (
	"bytes"
	"compress/gzip"
	"io"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/runtime/protoiface"
	"google.golang.org/protobuf/types/descriptorpb"
)

// v1Message is the method set of github.com/golang/protobuf's proto.Message
// plus the descriptor accessor the APIv1 runtime uses to reflect on it.
type v1Message interface {
	protoiface.MessageV1
	Descriptor() ([]byte, []int)
	XXX_Unmarshal([]byte) error
	XXX_Marshal([]byte, bool) ([]byte, error)
	XXX_Size() int
	XXX_DiscardUnknown()
	XXX_Merge(protoiface.MessageV1)
}

var allMessages = []struct {
	name  string
	index int
	msg   v1Message
}{
	{"Entry", 0, &Entry{}},
	{"SnapshotMetadata", 1, &SnapshotMetadata{}},
	{"Snapshot", 2, &Snapshot{}},
	{"Message", 3, &Message{}},
	{"HardState", 4, &HardState{}},
	{"ConfState", 5, &ConfState{}},
	{"ConfChange", 6, &ConfChange{}},
	{"ConfChangeSingle", 7, &ConfChangeSingle{}},
	{"ConfChangeV2", 8, &ConfChangeV2{}},
}

func fileDescriptor(t *testing.T, gz []byte) *descriptorpb.FileDescriptorProto {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("descriptor is not gzip: %v", err)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading the gzipped descriptor: %v", err)
	}
	fd := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(raw, fd); err != nil {
		t.Fatalf("descriptor does not decode: %v", err)
	}
	return fd
}

func TestDescriptorNamesEachMessage(t *testing.T) {
	for _, m := range allMessages {
		gz, path := m.msg.Descriptor()
		if !slices.Equal(path, []int{m.index}) {
			t.Errorf("%s: Descriptor path %v, want [%d]", m.name, path, m.index)
			continue
		}
		fd := fileDescriptor(t, gz)
		if fd.GetName() != "raft.proto" || fd.GetPackage() != "raftpb" {
			t.Errorf("%s: descriptor is of %q in package %q, want raft.proto in raftpb", m.name, fd.GetName(), fd.GetPackage())
		}
		if got := fd.GetMessageType()[m.index].GetName(); got != m.name {
			t.Errorf("%s: message %d of the descriptor is %q", m.name, m.index, got)
		}
	}
}

func TestEnumDescriptorNamesEachEnum(t *testing.T) {
	type enumDescriptor interface{ EnumDescriptor() ([]byte, []int) }
	enums := []struct {
		name  string
		index int
		enum  enumDescriptor
	}{
		{"EntryType", 0, EntryNormal},
		{"MessageType", 1, MsgHup},
		{"ConfChangeTransition", 2, ConfChangeTransitionAuto},
		{"ConfChangeType", 3, ConfChangeAddNode},
	}
	for _, e := range enums {
		gz, path := e.enum.EnumDescriptor()
		if !slices.Equal(path, []int{e.index}) {
			t.Errorf("%s: EnumDescriptor path %v, want [%d]", e.name, path, e.index)
			continue
		}
		ed := fileDescriptor(t, gz).GetEnumType()[e.index]
		if ed.GetName() != e.name {
			t.Errorf("%s: enum %d of the descriptor is %q", e.name, e.index, ed.GetName())
		}
		// The Go name tables and the schema agree.
		for _, v := range ed.GetValue() {
			if name := enumNameOf(e.name, v.GetNumber()); name != v.GetName() {
				t.Errorf("%s value %d: String() = %q, schema says %q", e.name, v.GetNumber(), name, v.GetName())
			}
		}
	}
}

func enumNameOf(enum string, v int32) string {
	switch enum {
	case "EntryType":
		return EntryType(v).String()
	case "MessageType":
		return MessageType(v).String()
	case "ConfChangeTransition":
		return ConfChangeTransition(v).String()
	default:
		return ConfChangeType(v).String()
	}
}

func TestXXXMarshalAppends(t *testing.T) {
	// term:1 vote:0 commit:2, every field written.
	hs := &HardState{Term: 1, Commit: 2}
	want := []byte{0x08, 0x01, 0x10, 0x00, 0x18, 0x02}
	for _, det := range []bool{false, true} {
		got, err := hs.XXX_Marshal(nil, det)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("XXX_Marshal(nil, %v) = % x, %v, want % x", det, got, err, want)
		}
		prefix := []byte{0xaa, 0xbb}
		got, err = hs.XXX_Marshal(prefix, det)
		if err != nil || !bytes.Equal(got, append([]byte{0xaa, 0xbb}, want...)) {
			t.Errorf("XXX_Marshal(prefix, %v) = % x, %v, want aa bb % x", det, got, err, want)
		}
		// Spare capacity is used, not overwritten from the front.
		roomy := append(make([]byte, 0, 64), 0xcc)
		got, err = hs.XXX_Marshal(roomy, det)
		if err != nil || !bytes.Equal(got, append([]byte{0xcc}, want...)) || &got[0] != &roomy[0] {
			t.Errorf("XXX_Marshal(roomy, %v) = % x, %v, want cc % x in place", det, got, err, want)
		}
	}
}

func TestXXXMarshalSizeAndUnmarshalAgreeWithCodec(t *testing.T) {
	values := []v1Message{
		&Entry{Term: 3, Index: 4, Type: EntryConfChangeV2, Data: []byte("data")},
		&SnapshotMetadata{ConfState: ConfState{Voters: []uint64{1, 2}}, Index: 7, Term: 2},
		&Snapshot{Data: []byte{0, 1}, Metadata: SnapshotMetadata{Index: 1}},
		&Message{Type: MsgApp, To: 2, Entries: []Entry{{Index: 1, Data: []byte("x")}}, Snapshot: &Snapshot{},
			Responses: []Message{{Type: MsgAppResp, Reject: true}}},
		&HardState{Term: 9, Vote: 1, Commit: 8},
		&ConfState{Voters: []uint64{1}, LearnersNext: []uint64{3}, AutoLeave: true},
		&ConfChange{Type: ConfChangeUpdateNode, NodeID: 3, Context: []byte("c"), ID: 1},
		&ConfChangeSingle{Type: ConfChangeRemoveNode, NodeID: 4},
		&ConfChangeV2{Transition: ConfChangeTransitionJointImplicit, Changes: []ConfChangeSingle{{NodeID: 1}}},
	}
	for i, v := range values {
		want, err := v.(codecMessage).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.XXX_Marshal(nil, false)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%T: XXX_Marshal = % x, %v, want % x", v, got, err, want)
		}
		if n := v.XXX_Size(); n != len(want) {
			t.Errorf("%T: XXX_Size = %d, want %d", v, n, len(want))
		}
		fresh := allMessages[i].msg
		fresh.Reset()
		if err := fresh.XXX_Unmarshal(want); err != nil {
			t.Fatalf("%T: XXX_Unmarshal: %v", v, err)
		}
		if fresh.String() != v.String() {
			t.Errorf("%T: XXX_Unmarshal gave %v, want %v", v, fresh, v)
		}
		before := v.String()
		v.XXX_DiscardUnknown()
		if v.String() != before {
			t.Errorf("%T: XXX_DiscardUnknown changed %s to %s", v, before, v)
		}
	}
}

func TestXXXUnmarshalRejectsBadInput(t *testing.T) {
	var e Entry
	// Field 2 (Term), varint, truncated after a continuation byte.
	if err := e.XXX_Unmarshal([]byte{0x10, 0x80}); err == nil {
		t.Error("XXX_Unmarshal accepted a truncated varint")
	}
}

// The expected values follow from v3.6's merge: src is encoded and decoded
// into dst, so every non-nullable field in src overwrites dst, zero or not,
// repeated fields append, and nil bytes or message pointers leave dst alone.
func TestXXXMergeEntry(t *testing.T) {
	dst := Entry{Term: 5, Index: 6, Type: EntryConfChange, Data: []byte("a")}
	dst.XXX_Merge(&Entry{Index: 7})
	if dst.Term != 0 || dst.Index != 7 || dst.Type != EntryNormal || string(dst.Data) != "a" {
		t.Errorf("merge of {Index:7}: got %+v, want {Term:0 Index:7 Type:EntryNormal Data:a}", dst)
	}
	src := Entry{Data: []byte("b")}
	dst.XXX_Merge(&src)
	src.Data[0] = 'z'
	if string(dst.Data) != "b" {
		t.Errorf("merged Data = %q, want b, not aliasing src", dst.Data)
	}
}

func TestXXXMergeMessage(t *testing.T) {
	dst := Message{
		Type:     MsgApp,
		Entries:  []Entry{{Index: 1}},
		Context:  []byte("c"),
		Snapshot: &Snapshot{Data: []byte("d"), Metadata: SnapshotMetadata{Index: 3, Term: 9}},
	}
	dst.XXX_Merge(&Message{
		To:        2,
		Entries:   []Entry{{Index: 2}},
		Snapshot:  &Snapshot{Metadata: SnapshotMetadata{Index: 4}},
		Responses: []Message{{Type: MsgVote}},
	})
	want := "to:2 entries:<Index:1 > entries:<Index:2 > " +
		`snapshot:<data:"d" metadata:<index:4 > > context:"c" responses:<type:MsgVote > `
	if got := dst.String(); got != want {
		t.Errorf("merged message\n%s\nwant\n%s", got, want)
	}
	// A nil snapshot in src keeps dst's.
	dst.XXX_Merge(&Message{})
	if dst.Snapshot == nil || string(dst.Snapshot.Data) != "d" {
		t.Errorf("merge of a message without snapshot dropped dst's snapshot: %v", dst.Snapshot)
	}
}

func TestXXXMergeConfState(t *testing.T) {
	dst := ConfState{Voters: []uint64{1}, AutoLeave: true}
	dst.XXX_Merge(&ConfState{Voters: []uint64{2}, Learners: []uint64{}})
	if !slices.Equal(dst.Voters, []uint64{1, 2}) || len(dst.Learners) != 0 || dst.AutoLeave {
		t.Errorf("merged conf state %+v, want voters [1 2], no learners, AutoLeave false", dst)
	}
}

func TestXXXMergeIgnoresOtherTypesAndNil(t *testing.T) {
	dst := HardState{Term: 4, Vote: 2, Commit: 3}
	dst.XXX_Merge(&ConfState{Voters: []uint64{1}})
	dst.XXX_Merge(&Entry{Term: 1})
	dst.XXX_Merge((*HardState)(nil))
	dst.XXX_Merge(nil)
	if dst != (HardState{Term: 4, Vote: 2, Commit: 3}) {
		t.Errorf("merge of another type or nil changed dst to %+v", dst)
	}
	dst.XXX_Merge(&HardState{Term: 5})
	if dst != (HardState{Term: 5}) {
		t.Errorf("merge of {Term:5} gave %+v, want {Term:5}", dst)
	}
}

// XXX_Merge's parameter is protoiface.MessageV1, as in v3.6, so a value of
// any interface with that method set (gogo's proto.Message, say) converts.
func TestXXXMergeAcceptsAnyV1Message(t *testing.T) {
	var asV1 interface {
		Reset()
		String() string
		ProtoMessage()
	} = &ConfChangeV2{Context: []byte("x")}
	var dst ConfChangeV2
	dst.XXX_Merge(asV1)
	if string(dst.Context) != "x" {
		t.Errorf("merge through the interface gave %+v", dst)
	}
	for _, m := range allMessages {
		var _ protoiface.MessageV1 = m.msg
	}
}
