package reftest

import (
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/raftpb/reftest/gogoref"
	"github.com/tickraft/raft/raftpb/reftest/goref"
)

// unknownFields encodes fields that no message of raft.proto has (numbers
// from 15 up, Message using 1 to 14), one of every wire type: varint,
// fixed32, fixed64, bytes, an empty group, and a group holding fields whose
// numbers are known outside it and a nested group.
func unknownFields() []byte {
	var b []byte
	b = protowire.AppendTag(b, 15, protowire.VarintType)
	b = protowire.AppendVarint(b, math.MaxUint64)
	b = protowire.AppendTag(b, 16, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 0xdeadbeef)
	b = protowire.AppendTag(b, 100, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.MaxUint64)
	b = protowire.AppendTag(b, 2047, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("not a raft field"))
	b = protowire.AppendTag(b, 20, protowire.StartGroupType)
	b = protowire.AppendTag(b, 20, protowire.EndGroupType)
	b = protowire.AppendTag(b, protowire.MaxValidNumber, protowire.StartGroupType)
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 7)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte{1, 2, 3})
	b = protowire.AppendTag(b, 3, protowire.StartGroupType)
	b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 1)
	b = protowire.AppendTag(b, 3, protowire.EndGroupType)
	b = protowire.AppendTag(b, protowire.MaxValidNumber, protowire.EndGroupType)
	return b
}

// TestUnknownFieldsSkipped: unknown fields of every wire type, before,
// after and around a value's encoding, are skipped by tickraft and by both
// references, and tickraft's re-encoding drops them.
func TestUnknownFieldsSkipped(t *testing.T) {
	t.Parallel()
	unknown := unknownFields()
	for i, k := range allKinds {
		t.Run(k.Name(), func(t *testing.T) {
			g := NewGen(uint64(i) + 100)
			for range 300 {
				k.checkUnknownFields(t, g, unknown)
				if t.Failed() {
					return
				}
			}
		})
	}
}

func (k *kind[T, G, R, PT, PG, PR]) checkUnknownFields(t *testing.T, g *Gen, unknown []byte) {
	v := k.gen(g)
	data, err := PT(&v).Marshal()
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", v, err)
	}
	want := decoded(v)
	inputs := map[string][]byte{
		"before": concat(unknown, data),
		"after":  concat(data, unknown),
		"around": concat(unknown, data, unknown),
	}
	for where, in := range inputs {
		var got T
		if err := PT(&got).Unmarshal(in); err != nil {
			t.Fatalf("Unmarshal with unknown fields %s: %v", where, err)
		}
		if d := diff(want, got); d != "" {
			t.Fatalf("Unmarshal with unknown fields %s %s", where, d)
		}
		if again, _ := PT(&got).Marshal(); string(again) != string(data) {
			t.Fatalf("re-encoding after unknown fields %s\n got % x\nwant % x", where, again, data)
		}
		var ref G
		if err := PG(&ref).Unmarshal(in); err != nil {
			t.Fatalf("gogo Unmarshal with unknown fields %s: %v", where, err)
		}
		if d := diff(want, k.fromGogo(ref)); d != "" {
			t.Fatalf("gogo Unmarshal with unknown fields %s %s", where, d)
		}
		goRef := PR(new(R))
		if err := proto.Unmarshal(in, goRef); err != nil {
			t.Fatalf("protoc-gen-go Unmarshal with unknown fields %s: %v", where, err)
		}
		if d := diff(want, k.fromGoref(goRef)); d != "" {
			t.Fatalf("protoc-gen-go Unmarshal with unknown fields %s %s", where, d)
		}
	}
}

// TestUnknownFieldsInNestedMessages: unknown fields inside a Message's
// entries, snapshot (and its metadata and conf state) and responses are
// skipped too.
func TestUnknownFieldsInNestedMessages(t *testing.T) {
	t.Parallel()
	unknown := unknownFields()
	entry := raftpb.Entry{Term: 3, Index: 9, Type: raftpb.EntryConfChange, Data: []byte("cc")}
	confState := raftpb.ConfState{Voters: []uint64{1, 2}, LearnersNext: []uint64{5}}
	meta := raftpb.SnapshotMetadata{ConfState: confState, Index: 40, Term: 2}
	response := raftpb.Message{Type: raftpb.MsgAppResp, To: 2, Index: 9}

	var metaBytes []byte
	metaBytes = protowire.AppendTag(metaBytes, 1, protowire.BytesType)
	metaBytes = protowire.AppendBytes(metaBytes, concat(unknown, marshal(t, &confState)))
	metaBytes = protowire.AppendTag(metaBytes, 2, protowire.VarintType)
	metaBytes = protowire.AppendVarint(metaBytes, 40)
	metaBytes = protowire.AppendTag(metaBytes, 3, protowire.VarintType)
	metaBytes = protowire.AppendVarint(metaBytes, 2)
	var snapBytes []byte
	snapBytes = protowire.AppendTag(snapBytes, 2, protowire.BytesType)
	snapBytes = protowire.AppendBytes(snapBytes, concat(metaBytes, unknown))

	var in []byte
	in = protowire.AppendTag(in, 1, protowire.VarintType)
	in = protowire.AppendVarint(in, uint64(raftpb.MsgStorageAppend))
	in = protowire.AppendTag(in, 7, protowire.BytesType)
	in = protowire.AppendBytes(in, concat(unknown, marshal(t, &entry)))
	in = protowire.AppendTag(in, 9, protowire.BytesType)
	in = protowire.AppendBytes(in, concat(unknown, snapBytes))
	in = protowire.AppendTag(in, 14, protowire.BytesType)
	in = protowire.AppendBytes(in, concat(marshal(t, &response), unknown))

	want := raftpb.Message{
		Type:      raftpb.MsgStorageAppend,
		Entries:   []raftpb.Entry{entry},
		Snapshot:  &raftpb.Snapshot{Metadata: meta},
		Responses: []raftpb.Message{response},
	}
	var got raftpb.Message
	if err := got.Unmarshal(in); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("Unmarshal %s", d)
	}
	var ref gogoref.Message
	if err := ref.Unmarshal(in); err != nil {
		t.Fatalf("gogo Unmarshal: %v", err)
	}
	if d := diff(want, MessageFromGogo(ref)); d != "" {
		t.Fatalf("gogo Unmarshal %s", d)
	}
	var goRef goref.Message
	if err := proto.Unmarshal(in, &goRef); err != nil {
		t.Fatalf("protoc-gen-go Unmarshal: %v", err)
	}
	if d := diff(want, MessageFromGoref(&goRef)); d != "" {
		t.Fatalf("protoc-gen-go Unmarshal %s", d)
	}
}

func marshal(t *testing.T, m interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
