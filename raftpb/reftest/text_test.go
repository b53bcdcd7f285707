package reftest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/runtime/protoiface"
	"google.golang.org/protobuf/runtime/protoimpl"

	"github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/raftpb/reftest/gogoref"
)

// go.etcd.io/raft/v3's String methods are github.com/golang/protobuf's
// CompactTextString, not gogo's: its raft.pb.go imports that package. That
// function views the gogo-generated struct through protobuf-go's legacy
// reflection (built from the struct tags and the Descriptor method) and
// prints each present field. v36Text is a small independent rendering of
// that walk, over the same reflection of the gogo reference types, so the
// facts that decide the text (which fields count as present, their order,
// enum names) come from protobuf-go rather than from raftpb's own rules.
//
// gogoref's own String is gogo's text format, which prints zero fields as
// well; it is not what v3.6 prints, so it is not the reference here.
func v36Text(m protoiface.MessageV1) string {
	var b strings.Builder
	writeTextFields(&b, protoimpl.X.ProtoMessageV2Of(m).ProtoReflect())
	return b.String()
}

func writeTextFields(b *strings.Builder, m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		if fd.IsList() {
			list := m.Get(fd).List()
			for j := range list.Len() {
				writeTextField(b, fd, list.Get(j))
			}
			continue
		}
		writeTextField(b, fd, m.Get(fd))
	}
}

func writeTextField(b *strings.Builder, fd protoreflect.FieldDescriptor, v protoreflect.Value) {
	b.WriteString(string(fd.Name()) + ":")
	switch fd.Kind() {
	case protoreflect.MessageKind:
		b.WriteString("<")
		writeTextFields(b, v.Message())
		b.WriteString(">")
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			b.WriteString(string(ev.Name()))
		} else {
			b.WriteString(strconv.Itoa(int(v.Enum())))
		}
	case protoreflect.BytesKind:
		b.WriteString(textQuote(v.Bytes()))
	case protoreflect.BoolKind, protoreflect.Uint64Kind:
		fmt.Fprint(b, v.Interface())
	default:
		panic(fmt.Sprintf("raft.proto has no %v field; extend v36Text", fd.Kind()))
	}
	b.WriteString(" ")
}

// textQuote is the text format's byte-string quoting: C escapes for five
// characters, octal for anything else outside printable ASCII.
func textQuote(data []byte) string {
	escapes := map[byte]string{'\n': `\n`, '\r': `\r`, '\t': `\t`, '"': `\"`, '\\': `\\`}
	var b strings.Builder
	b.WriteString(`"`)
	for _, c := range data {
		switch e, ok := escapes[c]; {
		case ok:
			b.WriteString(e)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(`"`)
	return b.String()
}

// textGen makes values that exercise every presence rule: zero and
// non-zero scalars, nil, empty and filled bytes and lists, nil and empty
// message pointers, and enum values outside the schema.
type textGen struct{ rng *rand.Rand }

func (g textGen) oneIn(n int) bool { return g.rng.IntN(n) == 0 }

func (g textGen) uint() uint64 {
	switch g.rng.IntN(4) {
	case 0:
		return 0
	case 1:
		return g.rng.Uint64()
	default:
		return g.rng.Uint64N(300)
	}
}

func (g textGen) enum(known int32) int32 {
	switch g.rng.IntN(8) {
	case 0:
		return -1 - g.rng.Int32N(3)
	case 1:
		return known + g.rng.Int32N(3)
	case 2, 3:
		return 0
	default:
		return g.rng.Int32N(known)
	}
}

func (g textGen) bytes() []byte {
	switch g.rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []byte{}
	default:
		b := make([]byte, 1+g.rng.IntN(12))
		for i := range b {
			if g.oneIn(2) {
				b[i] = byte(g.rng.UintN(256))
			} else {
				const tricky = "az \n\r\t\"\\'~\x00\x7f"
				b[i] = tricky[g.rng.IntN(len(tricky))]
			}
		}
		return b
	}
}

func (g textGen) ids() []uint64 {
	switch g.rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []uint64{}
	default:
		ids := make([]uint64, 1+g.rng.IntN(4))
		for i := range ids {
			ids[i] = g.uint()
		}
		return ids
	}
}

// list returns nil, empty, or up to three elements made by f.
func textList[T any](g textGen, f func() T) []T {
	switch g.rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []T{}
	default:
		out := make([]T, 1+g.rng.IntN(3))
		for i := range out {
			out[i] = f()
		}
		return out
	}
}

func (g textGen) entry() raftpb.Entry {
	return raftpb.Entry{Term: g.uint(), Index: g.uint(), Type: raftpb.EntryType(g.enum(3)), Data: g.bytes()}
}

func (g textGen) confState() raftpb.ConfState {
	if g.oneIn(3) {
		return raftpb.ConfState{}
	}
	return raftpb.ConfState{Voters: g.ids(), Learners: g.ids(), VotersOutgoing: g.ids(), LearnersNext: g.ids(), AutoLeave: g.oneIn(2)}
}

func (g textGen) snapshotMetadata() raftpb.SnapshotMetadata {
	if g.oneIn(3) {
		return raftpb.SnapshotMetadata{}
	}
	return raftpb.SnapshotMetadata{ConfState: g.confState(), Index: g.uint(), Term: g.uint()}
}

func (g textGen) snapshot() raftpb.Snapshot {
	return raftpb.Snapshot{Data: g.bytes(), Metadata: g.snapshotMetadata()}
}

func (g textGen) message(depth int) raftpb.Message {
	m := raftpb.Message{
		Type: raftpb.MessageType(g.enum(24)), To: g.uint(), From: g.uint(), Term: g.uint(),
		LogTerm: g.uint(), Index: g.uint(), Entries: textList(g, g.entry), Commit: g.uint(), Vote: g.uint(),
		Reject: g.oneIn(2), RejectHint: g.uint(), Context: g.bytes(),
	}
	if g.oneIn(2) {
		s := g.snapshot()
		m.Snapshot = &s
	}
	if depth < 2 {
		m.Responses = textList(g, func() raftpb.Message { return g.message(depth + 1) })
	}
	return m
}

func (g textGen) hardState() raftpb.HardState {
	return raftpb.HardState{Term: g.uint(), Vote: g.uint(), Commit: g.uint()}
}

func (g textGen) confChange() raftpb.ConfChange {
	return raftpb.ConfChange{Type: raftpb.ConfChangeType(g.enum(4)), NodeID: g.uint(), Context: g.bytes(), ID: g.uint()}
}

func (g textGen) confChangeSingle() raftpb.ConfChangeSingle {
	return raftpb.ConfChangeSingle{Type: raftpb.ConfChangeType(g.enum(4)), NodeID: g.uint()}
}

func (g textGen) confChangeV2() raftpb.ConfChangeV2 {
	return raftpb.ConfChangeV2{
		Transition: raftpb.ConfChangeTransition(g.enum(3)),
		Changes:    textList(g, g.confChangeSingle),
		Context:    g.bytes(),
	}
}

// textPair is one value as tickraft renders it and as v3.6 would.
type textPair struct {
	tick fmt.Stringer
	ref  protoiface.MessageV1
}

func textPairs(g textGen) []textPair {
	e, sm, s, m := g.entry(), g.snapshotMetadata(), g.snapshot(), g.message(0)
	hs, cs, cc, ccs, cc2 := g.hardState(), g.confState(), g.confChange(), g.confChangeSingle(), g.confChangeV2()
	return []textPair{
		{&e, ptr(EntryToGogo(e))},
		{&sm, ptr(SnapshotMetadataToGogo(sm))},
		{&s, ptr(SnapshotToGogo(s))},
		{&m, ptr(MessageToGogo(m))},
		{&hs, ptr(HardStateToGogo(hs))},
		{&cs, ptr(ConfStateToGogo(cs))},
		{&cc, ptr(ConfChangeToGogo(cc))},
		{&ccs, ptr(ConfChangeSingleToGogo(ccs))},
		{&cc2, ptr(ConfChangeV2ToGogo(cc2))},
	}
}

func ptr[T any, P interface {
	*T
	protoiface.MessageV1
}](v T) P {
	return &v
}

func TestStringMatchesV36OnRandomValues(t *testing.T) {
	for seed := range uint64(2000) {
		g := textGen{rand.New(rand.NewPCG(seed, 0x7e47))}
		for _, p := range textPairs(g) {
			if got, want := p.tick.String(), v36Text(p.ref); got != want {
				t.Fatalf("seed %d, %T:\ntickraft: %q\nv3.6:     %q", seed, p.tick, got, want)
			}
		}
	}
}

// The reference walk itself is checked on values whose v3.6 text was
// worked out by hand, so that a broken reference cannot agree with a
// broken String by accident.
func TestV36TextReference(t *testing.T) {
	tests := []struct {
		msg  protoiface.MessageV1
		want string
	}{
		{&gogoref.Entry{}, ""},
		{&gogoref.Entry{Term: 1, Type: 7, Data: []byte{}}, `Term:1 Type:7 Data:"" `},
		{&gogoref.SnapshotMetadata{ConfState: gogoref.ConfState{Learners: []uint64{}}}, "conf_state:<> "},
		{&gogoref.Message{Type: gogoref.MsgApp, Entries: []gogoref.Entry{{}}, Snapshot: &gogoref.Snapshot{}, Reject: true},
			"type:MsgApp entries:<> snapshot:<> reject:true "},
		{&gogoref.ConfChangeV2{Changes: []gogoref.ConfChangeSingle{{Type: gogoref.ConfChangeRemoveNode, NodeID: 2}}, Context: []byte("\x01\"")},
			`changes:<type:ConfChangeRemoveNode node_id:2 > context:"\001\"" `},
	}
	for _, tt := range tests {
		if got := v36Text(tt.msg); got != tt.want {
			t.Errorf("v36Text(%T) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
