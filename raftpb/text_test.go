package raftpb

import (
	"fmt"
	"strings"
	"testing"
)

// The expected strings below were written out by hand from the rules
// listed in text.go.
func TestStringExamples(t *testing.T) {
	tests := []struct {
		name string
		msg  fmt.Stringer
		want string
	}{
		{"zero entry", &Entry{}, ""},
		{"entry with data", &Entry{Term: 1, Index: 2, Type: EntryConfChange, Data: []byte("ab")},
			`Term:1 Index:2 Type:EntryConfChange Data:"ab" `},
		{"entry with empty data", &Entry{Data: []byte{}}, `Data:"" `},
		{"entry with unknown type", &Entry{Type: 7}, "Type:7 "},
		{"entry with negative type", &Entry{Type: -1}, "Type:-1 "},
		{"max uint64", &HardState{Term: 1<<64 - 1, Vote: 3, Commit: 4},
			"term:18446744073709551615 vote:3 commit:4 "},
		{"hard state with zero vote", &HardState{Term: 2, Commit: 1}, "term:2 commit:1 "},
		{"zero conf state", &ConfState{}, ""},
		{"empty non-nil id lists print nothing", &ConfState{Voters: []uint64{}, Learners: []uint64{}}, ""},
		{"joint conf state", &ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}, VotersOutgoing: []uint64{1}, LearnersNext: []uint64{4}, AutoLeave: true},
			"voters:1 voters:2 learners:3 voters_outgoing:1 learners_next:4 auto_leave:true "},
		{"zero id is still listed", &ConfState{Voters: []uint64{0}}, "voters:0 "},
		{"zero snapshot metadata", &SnapshotMetadata{}, ""},
		{"embedded conf state holding an empty list", &SnapshotMetadata{ConfState: ConfState{Voters: []uint64{}}},
			"conf_state:<> "},
		{"embedded conf state with auto leave only", &SnapshotMetadata{ConfState: ConfState{AutoLeave: true}, Term: 1},
			"conf_state:<auto_leave:true > term:1 "},
		{"snapshot", &Snapshot{Data: []byte("s"), Metadata: SnapshotMetadata{Index: 5, Term: 2, ConfState: ConfState{Voters: []uint64{1}}}},
			`data:"s" metadata:<conf_state:<voters:1 > index:5 term:2 > `},
		{"snapshot with empty data only", &Snapshot{Data: []byte{}}, `data:"" `},
		{"snapshot with index only", &Snapshot{Metadata: SnapshotMetadata{Index: 1}}, "metadata:<index:1 > "},
		{"zero message", &Message{}, ""},
		{"empty entries print nothing", &Message{Entries: []Entry{}}, ""},
		{"zero entry prints as empty brackets", &Message{Entries: []Entry{{}}}, "entries:<> "},
		{"append message", &Message{Type: MsgApp, To: 2, From: 1, Term: 3, LogTerm: 2, Index: 9, Commit: 8,
			Entries: []Entry{{Term: 3, Index: 10}, {Term: 3, Index: 11, Data: []byte("x")}}},
			"type:MsgApp to:2 from:1 term:3 logTerm:2 index:9 " +
				"entries:<Term:3 Index:10 > " +
				`entries:<Term:3 Index:11 Data:"x" > ` +
				"commit:8 "},
		{"every message field", &Message{Type: MsgBeat, To: 2, From: 3, Term: 4, LogTerm: 5, Index: 6,
			Entries: []Entry{{Term: 1}}, Commit: 7, Vote: 8, Snapshot: &Snapshot{}, Reject: true, RejectHint: 9,
			Context: []byte{}, Responses: []Message{{}}},
			"type:MsgBeat to:2 from:3 term:4 logTerm:5 index:6 entries:<Term:1 > commit:7 vote:8 " +
				`snapshot:<> reject:true rejectHint:9 context:"" responses:<> `},
		{"nested responses", &Message{Type: MsgStorageApply, Responses: []Message{
			{Type: MsgStorageApplyResp, To: 1, Snapshot: &Snapshot{Metadata: SnapshotMetadata{Term: 2}}}}},
			"type:MsgStorageApply responses:<type:MsgStorageApplyResp to:1 snapshot:<metadata:<term:2 > > > "},
		{"unknown message type", &Message{Type: 99}, "type:99 "},
		{"conf change", &ConfChange{Type: ConfChangeAddLearnerNode, NodeID: 4, Context: []byte("c"), ID: 9},
			`type:ConfChangeAddLearnerNode node_id:4 context:"c" id:9 `},
		{"conf change adding a node", &ConfChange{Type: ConfChangeAddNode, NodeID: 1}, "node_id:1 "},
		{"conf change single", &ConfChangeSingle{Type: ConfChangeUpdateNode, NodeID: 2}, "type:ConfChangeUpdateNode node_id:2 "},
		{"conf change v2", &ConfChangeV2{Transition: ConfChangeTransitionJointExplicit,
			Changes: []ConfChangeSingle{{Type: ConfChangeRemoveNode, NodeID: 1}, {NodeID: 2}, {}}},
			"transition:ConfChangeTransitionJointExplicit " +
				"changes:<type:ConfChangeRemoveNode node_id:1 > changes:<node_id:2 > changes:<> "},
		{"zero conf change v2", &ConfChangeV2{}, ""},
		{"conf change v2 with context", &ConfChangeV2{Context: []byte("ctx")}, `context:"ctx" `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.msg.String(); got != tt.want {
				t.Errorf("String() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestStringEscapesBytes(t *testing.T) {
	tests := []struct {
		data []byte
		want string
	}{
		{[]byte("plain text ~"), `"plain text ~"`},
		{[]byte("\n\r\t"), `"\n\r\t"`},
		{[]byte(`say "hi" \o/`), `"say \"hi\" \\o/"`},
		{[]byte("it's"), `"it's"`},
		// Control bytes, DEL and high bytes are octal, three digits each.
		{[]byte{0x00, 0x01, 0x1f, 0x7f, 0x80, 0xff}, `"\000\001\037\177\200\377"`},
		// UTF-8 is escaped byte by byte: é is 0xc3 0xa9.
		{[]byte("é"), `"\303\251"`},
		{[]byte{'a', 0x08, 'b', 0x0b, 0x0c}, `"a\010b\013\014"`},
	}
	for _, tt := range tests {
		e := Entry{Data: tt.data}
		want := "Data:" + tt.want + " "
		if got := e.String(); got != want {
			t.Errorf("Entry{Data: %v}.String() = %q, want %q", tt.data, got, want)
		}
	}
}

func TestStringNilReceivers(t *testing.T) {
	nils := []fmt.Stringer{
		(*Entry)(nil), (*SnapshotMetadata)(nil), (*Snapshot)(nil), (*Message)(nil),
		(*HardState)(nil), (*ConfState)(nil), (*ConfChange)(nil),
		(*ConfChangeSingle)(nil), (*ConfChangeV2)(nil),
	}
	for _, m := range nils {
		if got := m.String(); got != "<nil>" {
			t.Errorf("%T(nil).String() = %q, want <nil>", m, got)
		}
	}
}

// The text of a nested message must not depend on where it is nested.
func TestStringNestingIsConsistent(t *testing.T) {
	e := Entry{Term: 2, Index: 3, Data: []byte{0}}
	cc := ConfChangeSingle{Type: ConfChangeRemoveNode, NodeID: 5}
	m := Message{Entries: []Entry{e}, Responses: []Message{{Entries: []Entry{e}}}}
	v2 := ConfChangeV2{Changes: []ConfChangeSingle{cc}}
	if want := "entries:<" + e.String() + "> "; strings.Count(m.String(), want) != 2 {
		t.Errorf("Message.String() = %q, want it to contain %q twice", m.String(), want)
	}
	if want := "changes:<" + cc.String() + "> "; v2.String() != want {
		t.Errorf("ConfChangeV2.String() = %q, want %q", v2.String(), want)
	}
}

func BenchmarkMessageString(b *testing.B) {
	m := Message{Type: MsgApp, To: 2, From: 1, Term: 3, LogTerm: 2, Index: 9, Commit: 8,
		Entries: []Entry{{Term: 3, Index: 10, Data: make([]byte, 64)}, {Term: 3, Index: 11}}}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.String()
	}
}

func BenchmarkMessageTypeString(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = MessageType(i % 24).String()
	}
}
