package raftpb

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestConfChangeAsV2(t *testing.T) {
	cc := ConfChange{Type: ConfChangeAddLearnerNode, NodeID: 7, Context: []byte("ctx"), ID: 42}
	got := cc.AsV2()
	want := ConfChangeV2{
		Transition: ConfChangeTransitionAuto,
		Changes:    []ConfChangeSingle{{Type: ConfChangeAddLearnerNode, NodeID: 7}},
		Context:    []byte("ctx"),
	}
	if got.Transition != want.Transition || !slices.Equal(got.Changes, want.Changes) || !bytes.Equal(got.Context, want.Context) {
		t.Errorf("AsV2() = %+v, want %+v", got, want)
	}
	if v1, ok := cc.AsV1(); !ok || v1.Type != cc.Type || v1.NodeID != cc.NodeID || v1.ID != cc.ID || !bytes.Equal(v1.Context, cc.Context) {
		t.Errorf("AsV1() = %+v, %v, want %+v, true", v1, ok, cc)
	}
	// A V1 change is always simple: one change, automatic transition.
	if auto, ok := got.EnterJoint(); auto || ok {
		t.Errorf("AsV2().EnterJoint() = %v, %v, want false, false", auto, ok)
	}
}

func TestConfChangeV2AsV1AndAsV2(t *testing.T) {
	cc := ConfChangeV2{
		Transition: ConfChangeTransitionJointImplicit,
		Changes:    []ConfChangeSingle{{Type: ConfChangeRemoveNode, NodeID: 1}},
		Context:    []byte("x"),
	}
	if v1, ok := cc.AsV1(); ok || v1.Type != 0 || v1.NodeID != 0 || v1.ID != 0 || v1.Context != nil {
		t.Errorf("AsV1() = %+v, %v, want zero, false", v1, ok)
	}
	got := cc.AsV2()
	if got.Transition != cc.Transition || !slices.Equal(got.Changes, cc.Changes) || !bytes.Equal(got.Context, cc.Context) {
		t.Errorf("AsV2() = %+v, want %+v", got, cc)
	}
}

func TestConfChangeV2EnterJoint(t *testing.T) {
	one := []ConfChangeSingle{{Type: ConfChangeAddNode, NodeID: 1}}
	two := []ConfChangeSingle{{Type: ConfChangeAddNode, NodeID: 1}, {Type: ConfChangeAddNode, NodeID: 2}}
	tests := []struct {
		name             string
		cc               ConfChangeV2
		wantAuto, wantOK bool
	}{
		{"auto, no changes", ConfChangeV2{}, false, false},
		{"auto, one change", ConfChangeV2{Changes: one}, false, false},
		{"auto, two changes", ConfChangeV2{Changes: two}, true, true},
		{"implicit, no changes", ConfChangeV2{Transition: ConfChangeTransitionJointImplicit}, true, true},
		{"implicit, one change", ConfChangeV2{Transition: ConfChangeTransitionJointImplicit, Changes: one}, true, true},
		{"implicit, two changes", ConfChangeV2{Transition: ConfChangeTransitionJointImplicit, Changes: two}, true, true},
		{"explicit, no changes", ConfChangeV2{Transition: ConfChangeTransitionJointExplicit}, false, true},
		{"explicit, one change", ConfChangeV2{Transition: ConfChangeTransitionJointExplicit, Changes: one}, false, true},
		{"explicit, two changes", ConfChangeV2{Transition: ConfChangeTransitionJointExplicit, Changes: two}, false, true},
		// v3.6 panics here; a peer's entry must not crash us.
		{"unknown transition", ConfChangeV2{Transition: 3, Changes: one}, false, true},
		{"negative transition", ConfChangeV2{Transition: -1}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auto, ok := tt.cc.EnterJoint()
			if auto != tt.wantAuto || ok != tt.wantOK {
				t.Errorf("EnterJoint() = %v, %v, want %v, %v", auto, ok, tt.wantAuto, tt.wantOK)
			}
		})
	}
}

func TestConfChangeV2LeaveJoint(t *testing.T) {
	tests := []struct {
		name string
		cc   ConfChangeV2
		want bool
	}{
		{"zero", ConfChangeV2{}, true},
		{"context only", ConfChangeV2{Context: []byte("ctx")}, true},
		{"empty non-nil changes", ConfChangeV2{Changes: []ConfChangeSingle{}}, true},
		{"a zero change", ConfChangeV2{Changes: []ConfChangeSingle{{}}}, false},
		{"a change", ConfChangeV2{Changes: []ConfChangeSingle{{Type: ConfChangeRemoveNode, NodeID: 2}}}, false},
		{"implicit transition", ConfChangeV2{Transition: ConfChangeTransitionJointImplicit}, false},
		{"explicit transition", ConfChangeV2{Transition: ConfChangeTransitionJointExplicit, Context: []byte("x")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cc.LeaveJoint(); got != tt.want {
				t.Errorf("LeaveJoint() = %v, want %v", got, tt.want)
			}
		})
	}
	// LeaveJoint takes a copy: the caller's context is left alone.
	cc := ConfChangeV2{Context: []byte("keep")}
	cc.LeaveJoint()
	if string(cc.Context) != "keep" {
		t.Errorf("LeaveJoint changed the context to %q", cc.Context)
	}
}

// The expected bytes are the protobuf encoding worked out field by field,
// in field-number order, every non-nullable field written (as v3.6 does).
func TestMarshalConfChange(t *testing.T) {
	tests := []struct {
		name     string
		cc       ConfChangeI
		wantType EntryType
		wantData []byte
	}{
		{"nil", nil, EntryConfChangeV2, nil},
		{"nil V1 pointer", (*ConfChange)(nil), EntryConfChangeV2, nil},
		{"nil V2 pointer", (*ConfChangeV2)(nil), EntryConfChangeV2, nil},
		// id:0 type:1 node_id:3 context:"c"
		{"v1", ConfChange{Type: ConfChangeRemoveNode, NodeID: 3, Context: []byte("c")}, EntryConfChange,
			[]byte{0x08, 0x00, 0x10, 0x01, 0x18, 0x03, 0x22, 0x01, 'c'}},
		{"v1 pointer", &ConfChange{NodeID: 1, ID: 2}, EntryConfChange,
			[]byte{0x08, 0x02, 0x10, 0x00, 0x18, 0x01}},
		// transition:2 changes:{type:3 node_id:5}, nil context omitted
		{"v2", ConfChangeV2{Transition: ConfChangeTransitionJointExplicit,
			Changes: []ConfChangeSingle{{Type: ConfChangeAddLearnerNode, NodeID: 5}}}, EntryConfChangeV2,
			[]byte{0x08, 0x02, 0x12, 0x04, 0x08, 0x03, 0x10, 0x05}},
		// transition:0 context:"x"
		{"v2 pointer, leave joint", &ConfChangeV2{Context: []byte("x")}, EntryConfChangeV2,
			[]byte{0x08, 0x00, 0x1a, 0x01, 'x'}},
		{"other implementation with a V1 form", v1Only{ConfChange{NodeID: 9}}, EntryConfChange,
			[]byte{0x08, 0x00, 0x10, 0x00, 0x18, 0x09}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, data, err := MarshalConfChange(tt.cc)
			if err != nil {
				t.Fatal(err)
			}
			if typ != tt.wantType || !bytes.Equal(data, tt.wantData) || (data == nil) != (tt.wantData == nil) {
				t.Errorf("MarshalConfChange() = %v, % x, want %v, % x", typ, data, tt.wantType, tt.wantData)
			}
		})
	}
}

// v1Only is an outside implementation of ConfChangeI.
type v1Only struct{ cc ConfChange }

func (v v1Only) AsV1() (ConfChange, bool) { return v.cc, true }
func (v v1Only) AsV2() ConfChangeV2       { return v.cc.AsV2() }

func TestConfChangesFromString(t *testing.T) {
	tests := []struct {
		in   string
		want []ConfChangeSingle
	}{
		{"", nil},
		{"   ", nil},
		{"v1", []ConfChangeSingle{{Type: ConfChangeAddNode, NodeID: 1}}},
		{" v1 l2 r3 u4 ", []ConfChangeSingle{
			{Type: ConfChangeAddNode, NodeID: 1}, {Type: ConfChangeAddLearnerNode, NodeID: 2},
			{Type: ConfChangeRemoveNode, NodeID: 3}, {Type: ConfChangeUpdateNode, NodeID: 4}}},
		{"v0 v007 r18446744073709551615", []ConfChangeSingle{
			{Type: ConfChangeAddNode, NodeID: 0}, {Type: ConfChangeAddNode, NodeID: 7},
			{Type: ConfChangeRemoveNode, NodeID: 1<<64 - 1}}},
	}
	for _, tt := range tests {
		got, err := ConfChangesFromString(tt.in)
		if err != nil {
			t.Errorf("ConfChangesFromString(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("ConfChangesFromString(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestConfChangesFromStringErrors(t *testing.T) {
	tests := []struct {
		in, badToken string
	}{
		{"v", `"v"`},
		{"v1 l", `"l"`},
		{"x1", `"x1"`},
		{"V1", `"V1"`},
		{"1", `"1"`},
		{"v-1", `"v-1"`},
		{"v+1", `"v+1"`},
		{"vabc", `"vabc"`},
		{"v1.5", `"v1.5"`},
		{"v18446744073709551616", `"v18446744073709551616"`},
		{"v1  v2", `""`}, // two spaces leave an empty token, as in v3.6
		{"v1\tv2", `"v1\tv2"`},
	}
	for _, tt := range tests {
		got, err := ConfChangesFromString(tt.in)
		if err == nil {
			t.Errorf("ConfChangesFromString(%q) = %+v, want an error", tt.in, got)
			continue
		}
		if got != nil {
			t.Errorf("ConfChangesFromString(%q) returned %+v with its error", tt.in, got)
		}
		if !strings.Contains(err.Error(), "token "+tt.badToken) {
			t.Errorf("ConfChangesFromString(%q) error %q does not name token %s", tt.in, err, tt.badToken)
		}
	}
}

func TestConfChangesToString(t *testing.T) {
	tests := []struct {
		in   []ConfChangeSingle
		want string
	}{
		{nil, ""},
		{[]ConfChangeSingle{}, ""},
		{[]ConfChangeSingle{{Type: ConfChangeUpdateNode, NodeID: 12}}, "u12"},
		{[]ConfChangeSingle{{Type: ConfChangeAddNode, NodeID: 1}, {Type: ConfChangeAddLearnerNode, NodeID: 2},
			{Type: ConfChangeRemoveNode, NodeID: 3}}, "v1 l2 r3"},
		{[]ConfChangeSingle{{Type: 9, NodeID: 5}, {Type: ConfChangeAddNode}}, "unknown5 v0"},
	}
	for _, tt := range tests {
		if got := ConfChangesToString(tt.in); got != tt.want {
			t.Errorf("ConfChangesToString(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfChangesStringRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []ConfChangeType{ConfChangeAddNode, ConfChangeRemoveNode, ConfChangeUpdateNode, ConfChangeAddLearnerNode}
	for range 1000 {
		ccs := make([]ConfChangeSingle, rng.IntN(6))
		for i := range ccs {
			id := rng.Uint64()
			if rng.IntN(2) == 0 {
				id = rng.Uint64N(10)
			}
			ccs[i] = ConfChangeSingle{Type: types[rng.IntN(len(types))], NodeID: id}
		}
		s := ConfChangesToString(ccs)
		got, err := ConfChangesFromString(s)
		if err != nil {
			t.Fatalf("ConfChangesFromString(%q) of %+v: %v", s, ccs, err)
		}
		if !slices.Equal(got, ccs) {
			t.Fatalf("round trip of %+v through %q gave %+v", ccs, s, got)
		}
		if again := ConfChangesToString(got); again != s {
			t.Fatalf("string %q came back as %q", s, again)
		}
	}
}
