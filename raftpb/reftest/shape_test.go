package reftest

import (
	"reflect"
	"testing"

	"github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/raftpb/reftest/gogoref"
)

// TestGogoShapesMatchTickraft checks that the gogo reference types have the
// Go shapes of tickraft's (and so of go.etcd.io/raft/v3's) raftpb: the same
// fields in the same order, with the same kinds, type names and protobuf
// tags. That is what makes the field-by-field converters total, and what
// shows the reference was generated with the intended options.
func TestGogoShapesMatchTickraft(t *testing.T) {
	pairs := []struct{ ours, ref any }{
		{raftpb.Entry{}, gogoref.Entry{}},
		{raftpb.SnapshotMetadata{}, gogoref.SnapshotMetadata{}},
		{raftpb.Snapshot{}, gogoref.Snapshot{}},
		{raftpb.Message{}, gogoref.Message{}},
		{raftpb.HardState{}, gogoref.HardState{}},
		{raftpb.ConfState{}, gogoref.ConfState{}},
		{raftpb.ConfChange{}, gogoref.ConfChange{}},
		{raftpb.ConfChangeSingle{}, gogoref.ConfChangeSingle{}},
		{raftpb.ConfChangeV2{}, gogoref.ConfChangeV2{}},
	}
	for _, p := range pairs {
		ours, ref := reflect.TypeOf(p.ours), reflect.TypeOf(p.ref)
		t.Run(ours.Name(), func(t *testing.T) {
			if ours.Name() != ref.Name() {
				t.Fatalf("type names %s and %s", ours.Name(), ref.Name())
			}
			if ours.NumField() != ref.NumField() {
				t.Fatalf("%d fields, gogo has %d", ours.NumField(), ref.NumField())
			}
			for i := range ours.NumField() {
				a, b := ours.Field(i), ref.Field(i)
				if a.Name != b.Name {
					t.Errorf("field %d is %s, gogo's is %s", i, a.Name, b.Name)
				}
				if got, want := typeShape(a.Type), typeShape(b.Type); got != want {
					t.Errorf("field %s has type %s, gogo's has %s", a.Name, got, want)
				}
				if got, want := a.Tag.Get("protobuf"), b.Tag.Get("protobuf"); got != want {
					t.Errorf("field %s has protobuf tag %q, gogo's has %q", a.Name, got, want)
				}
			}
		})
	}
}

// typeShape renders a type by kind and name, ignoring the package, so that
// raftpb.Entry and gogoref.Entry have the same shape.
func typeShape(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeShape(t.Elem())
	case reflect.Slice:
		return "[]" + typeShape(t.Elem())
	default:
		return t.Kind().String() + " " + t.Name()
	}
}
