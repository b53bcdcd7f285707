package raftpb

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEnumString(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{EntryNormal.String(), "EntryNormal"},
		{EntryConfChangeV2.String(), "EntryConfChangeV2"},
		{EntryType(3).String(), "3"},
		{MsgHup.String(), "MsgHup"},
		{MsgApp.String(), "MsgApp"},
		{MsgForgetLeader.String(), "MsgForgetLeader"},
		{MessageType(24).String(), "24"},
		{MessageType(-5).String(), "-5"},
		{ConfChangeTransitionAuto.String(), "ConfChangeTransitionAuto"},
		{ConfChangeTransitionJointExplicit.String(), "ConfChangeTransitionJointExplicit"},
		{ConfChangeTransition(3).String(), "3"},
		{ConfChangeAddNode.String(), "ConfChangeAddNode"},
		{ConfChangeAddLearnerNode.String(), "ConfChangeAddLearnerNode"},
		{ConfChangeType(1 << 30).String(), "1073741824"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
	// Every name in the schema's table comes back from String.
	for v, name := range MessageType_name {
		if got := MessageType(v).String(); got != name {
			t.Errorf("MessageType(%d).String() = %q, want %q", v, got, name)
		}
	}
}

func TestMessageTypeStringDoesNotAllocate(t *testing.T) {
	var sink string
	allocs := testing.AllocsPerRun(100, func() {
		for v := MsgHup; v <= MsgForgetLeader; v++ {
			sink = v.String()
		}
	})
	if allocs != 0 {
		t.Errorf("MessageType.String allocated %v times per run, want 0", allocs)
	}
	_ = sink
}

func TestEnumReturnsPointerToCopy(t *testing.T) {
	x := MsgVote
	p := x.Enum()
	if *p != MsgVote {
		t.Fatalf("*Enum() = %v, want MsgVote", *p)
	}
	*p = MsgApp
	if x != MsgVote {
		t.Errorf("writing through Enum() changed the original to %v", x)
	}
	if q := x.Enum(); q == p {
		t.Error("two Enum() calls returned the same pointer")
	}
	if *EntryConfChange.Enum() != EntryConfChange || *ConfChangeTransitionJointImplicit.Enum() != ConfChangeTransitionJointImplicit ||
		*ConfChangeUpdateNode.Enum() != ConfChangeUpdateNode {
		t.Error("Enum() of another enum type returned a different value")
	}
}

func TestEnumUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want MessageType
	}{
		{`"MsgHup"`, MsgHup},
		{`"MsgSnap"`, MsgSnap},
		{`"MsgForgetLeader"`, MsgForgetLeader},
		{`0`, MsgHup},
		{`3`, MsgApp},
		// Numbers are taken as they are, like gogo: a newer peer's value survives.
		{`99`, MessageType(99)},
		{`-1`, MessageType(-1)},
		{` 4 `, MsgAppResp},
		// JSON null is the number path's zero, as in gogo.
		{`null`, MsgHup},
	}
	for _, tt := range tests {
		got := MsgTimeoutNow
		if err := got.UnmarshalJSON([]byte(tt.in)); err != nil {
			t.Errorf("UnmarshalJSON(%s): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("UnmarshalJSON(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestEnumUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		in     string
		errHas string
	}{
		{`"MsgNope"`, `unrecognized enum MessageType value "MsgNope"`},
		{`"msghup"`, `"msghup"`},
		{`"EntryNormal"`, `"EntryNormal"`},
		{`"3"`, `"3"`},
		{`"MsgHup`, "MessageType"},
		{`1.5`, "MessageType"},
		{`4294967296`, "MessageType"},
		{`true`, "MessageType"},
		{`{}`, "MessageType"},
		{``, "MessageType"},
		{`MsgHup`, "MessageType"},
	}
	for _, tt := range tests {
		got := MsgTimeoutNow
		err := got.UnmarshalJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("UnmarshalJSON(%q) = %v, want an error", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("UnmarshalJSON(%q) error %q does not mention %q", tt.in, err, tt.errHas)
		}
		if got != MsgTimeoutNow {
			t.Errorf("UnmarshalJSON(%q) failed but changed the value to %v", tt.in, got)
		}
	}
}

// The other three enums share the code path; check each is wired to its
// own name table, and that encoding/json finds the method inside structs.
func TestEnumUnmarshalJSONPerType(t *testing.T) {
	var v struct {
		E EntryType
		T ConfChangeTransition
		C ConfChangeType
	}
	in := `{"E":"EntryConfChangeV2","T":"ConfChangeTransitionJointImplicit","C":3}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.E != EntryConfChangeV2 || v.T != ConfChangeTransitionJointImplicit || v.C != ConfChangeAddLearnerNode {
		t.Errorf("got %+v", v)
	}
	for _, bad := range []string{`{"E":"MsgApp"}`, `{"T":"ConfChangeAddNode"}`, `{"C":"EntryNormal"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("json.Unmarshal(%s) accepted a name of another enum", bad)
		}
	}
}
