package reftest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"

	gogoproto "github.com/gogo/protobuf/proto"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/raftpb/reftest/gogoref"
)

// TestDescriptorMatchesGogo checks raftpb's generated descriptor against
// the one gogo's generator embeds in gogoref. protoc-gen-gogofaster adds
// (gogoproto.nullable)=false to every bytes field before it encodes the
// descriptor, so that option is removed from gogo's copy first; everything
// else, the order of the gogoproto extensions included, must be equal.
//
// (go.etcd.io/raft/v3's descriptor differs from both in one file option,
// gogoproto_import=false, which its generator protoc-gen-gofast adds.)
func TestDescriptorMatchesGogo(t *testing.T) {
	zipped, _ := (&raftpb.Entry{}).Descriptor()
	ours := gunzip(t, zipped)
	theirs := gunzip(t, gogoproto.FileDescriptor("raft.proto"))
	var fd, gogoFD descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(ours, &fd); err != nil {
		t.Fatalf("raftpb's descriptor does not parse: %v", err)
	}
	if err := proto.Unmarshal(theirs, &gogoFD); err != nil {
		t.Fatalf("gogo's descriptor does not parse: %v", err)
	}
	if n := dropBytesNullable(t, &gogoFD); n != 4 {
		t.Fatalf("removed (gogoproto.nullable) from %d bytes fields of gogo's descriptor, want 4", n)
	}
	if !proto.Equal(&fd, &gogoFD) {
		t.Fatalf("raftpb's descriptor differs from gogo's:\n%v\n\ngogo's:\n%v", &fd, &gogoFD)
	}
	if fd.GetName() != "raft.proto" || fd.GetPackage() != "raftpb" {
		t.Fatalf("descriptor names file %q package %q, want raft.proto and raftpb", fd.GetName(), fd.GetPackage())
	}
	if fd.SourceCodeInfo != nil {
		t.Fatal("descriptor carries source code info; gogo strips it")
	}
	var names []string
	for _, m := range fd.GetMessageType() {
		names = append(names, m.GetName())
	}
	want := []string{"Entry", "SnapshotMetadata", "Snapshot", "Message", "HardState",
		"ConfState", "ConfChange", "ConfChangeSingle", "ConfChangeV2"}
	if !equalStrings(names, want) {
		t.Fatalf("descriptor messages = %v, want %v", names, want)
	}
}

// dropBytesNullable removes (gogoproto.nullable)=false, extension 65001,
// from the bytes fields of fd and returns how many it removed it from.
func dropBytesNullable(t *testing.T, fd *descriptorpb.FileDescriptorProto) int {
	t.Helper()
	const nullable = 65001
	removed := 0
	for _, m := range fd.GetMessageType() {
		for _, f := range m.GetField() {
			if f.GetType() != descriptorpb.FieldDescriptorProto_TYPE_BYTES || f.Options == nil {
				continue
			}
			var kept []byte
			for raw := f.Options.ProtoReflect().GetUnknown(); len(raw) > 0; {
				num, typ, n := protowire.ConsumeTag(raw)
				size := protowire.ConsumeFieldValue(num, typ, raw[max(n, 0):])
				if n < 0 || size < 0 {
					t.Fatalf("field %s: malformed options", f.GetName())
				}
				if num == nullable && bytes.Equal(raw[n:n+size], []byte{0}) {
					removed++
				} else {
					kept = append(kept, raw[:n+size]...)
				}
				raw = raw[n+size:]
			}
			f.Options.ProtoReflect().SetUnknown(kept)
			if proto.Size(f.Options) == 0 {
				f.Options = nil
			}
		}
	}
	return removed
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("bad gzip stream: %v", err)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDescriptorPathsMatchGogo: every type's Descriptor (and every enum's
// EnumDescriptor) points at the same place in the file as gogo's.
func TestDescriptorPathsMatchGogo(t *testing.T) {
	type described interface{ Descriptor() ([]byte, []int) }
	type enumDescribed interface{ EnumDescriptor() ([]byte, []int) }
	pairs := []struct {
		name        string
		ours, gogos any
	}{
		{"Entry", &raftpb.Entry{}, &gogoref.Entry{}},
		{"SnapshotMetadata", &raftpb.SnapshotMetadata{}, &gogoref.SnapshotMetadata{}},
		{"Snapshot", &raftpb.Snapshot{}, &gogoref.Snapshot{}},
		{"Message", &raftpb.Message{}, &gogoref.Message{}},
		{"HardState", &raftpb.HardState{}, &gogoref.HardState{}},
		{"ConfState", &raftpb.ConfState{}, &gogoref.ConfState{}},
		{"ConfChange", &raftpb.ConfChange{}, &gogoref.ConfChange{}},
		{"ConfChangeSingle", &raftpb.ConfChangeSingle{}, &gogoref.ConfChangeSingle{}},
		{"ConfChangeV2", &raftpb.ConfChangeV2{}, &gogoref.ConfChangeV2{}},
		{"EntryType", raftpb.EntryNormal, gogoref.EntryNormal},
		{"MessageType", raftpb.MsgHup, gogoref.MsgHup},
		{"ConfChangeTransition", raftpb.ConfChangeTransitionAuto, gogoref.ConfChangeTransitionAuto},
		{"ConfChangeType", raftpb.ConfChangeAddNode, gogoref.ConfChangeAddNode},
	}
	path := func(v any) []int {
		switch d := v.(type) {
		case described:
			_, p := d.Descriptor()
			return p
		case enumDescribed:
			_, p := d.EnumDescriptor()
			return p
		}
		t.Fatalf("%T has no descriptor method", v)
		return nil
	}
	for _, p := range pairs {
		if got, want := path(p.ours), path(p.gogos); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: descriptor path %v, gogo's %v", p.name, got, want)
		}
	}
}
