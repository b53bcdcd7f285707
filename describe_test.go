package raft

import (
	"strings"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// emptyConfState is how DescribeConfState renders the zero ConfState.
const emptyConfState = "Voters:[] VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false"

func TestDescribeHardState(t *testing.T) {
	for _, tt := range []struct {
		hs   pb.HardState
		want string
	}{
		{pb.HardState{}, "Term:0 Commit:0"},
		{pb.HardState{Term: 2, Vote: 1, Commit: 5}, "Term:2 Vote:1 Commit:5"},
		{pb.HardState{Term: 3, Commit: 9}, "Term:3 Commit:9"},
		{pb.HardState{Term: 1<<64 - 1, Vote: 1<<64 - 1, Commit: 1<<64 - 1},
			"Term:18446744073709551615 Vote:18446744073709551615 Commit:18446744073709551615"},
	} {
		if got := DescribeHardState(tt.hs); got != tt.want {
			t.Errorf("DescribeHardState(%+v) = %q, want %q", tt.hs, got, tt.want)
		}
	}
}

func TestDescribeSoftState(t *testing.T) {
	for _, tt := range []struct {
		ss   SoftState
		want string
	}{
		{SoftState{}, "Lead:0 State:StateFollower"},
		{SoftState{Lead: 1, RaftState: StateLeader}, "Lead:1 State:StateLeader"},
		{SoftState{Lead: 0, RaftState: StatePreCandidate}, "Lead:0 State:StatePreCandidate"},
		{SoftState{Lead: 7, RaftState: 9}, "Lead:7 State:StateType(9)"},
	} {
		if got := DescribeSoftState(tt.ss); got != tt.want {
			t.Errorf("DescribeSoftState(%+v) = %q, want %q", tt.ss, got, tt.want)
		}
	}
}

func TestDescribeConfState(t *testing.T) {
	for _, tt := range []struct {
		cs   pb.ConfState
		want string
	}{
		{pb.ConfState{}, emptyConfState},
		{pb.ConfState{Voters: []uint64{}}, emptyConfState},
		{
			pb.ConfState{Voters: []uint64{1, 2, 3}, VotersOutgoing: []uint64{1, 2}, Learners: []uint64{4},
				LearnersNext: []uint64{3}, AutoLeave: true},
			"Voters:[1 2 3] VotersOutgoing:[1 2] Learners:[4] LearnersNext:[3] AutoLeave:true",
		},
	} {
		if got := DescribeConfState(tt.cs); got != tt.want {
			t.Errorf("DescribeConfState(%+v) = %q, want %q", tt.cs, got, tt.want)
		}
	}
}

func TestDescribeSnapshot(t *testing.T) {
	snap := pb.Snapshot{
		Data:     []byte("not shown"),
		Metadata: pb.SnapshotMetadata{Index: 10, Term: 2, ConfState: pb.ConfState{Voters: []uint64{1}}},
	}
	want := "Index:10 Term:2 ConfState:Voters:[1] VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false"
	if got := DescribeSnapshot(snap); got != want {
		t.Errorf("DescribeSnapshot = %q, want %q", got, want)
	}
	if got, want := DescribeSnapshot(pb.Snapshot{}), "Index:0 Term:0 ConfState:"+emptyConfState; got != want {
		t.Errorf("DescribeSnapshot(empty) = %q, want %q", got, want)
	}
}

func TestDescribeEntry(t *testing.T) {
	upper := func(b []byte) string { return strings.ToUpper(string(b)) }
	silent := func([]byte) string { return "" }
	// Hand-encoded conf changes (protobuf field numbers from raft.proto).
	ccRemove5 := []byte{0x10, 0x01, 0x18, 0x05}              // ConfChange{Type: RemoveNode, NodeID: 5}
	ccV2 := []byte{0x12, 0x04, 0x08, 0x00, 0x10, 0x01, 0x12, // Changes[0]: AddNode 1
		0x04, 0x08, 0x03, 0x10, 0x02} // Changes[1]: AddLearnerNode 2
	tests := []struct {
		name string
		e    pb.Entry
		f    EntryFormatter
		want string
	}{
		{"normal", pb.Entry{Term: 1, Index: 2, Data: []byte("hello")}, nil, `1/2 EntryNormal "hello"`},
		{"normal empty", pb.Entry{Term: 1, Index: 2}, nil, `1/2 EntryNormal ""`},
		{"normal binary", pb.Entry{Term: 1, Index: 2, Data: []byte{0, 0xff, '"'}}, nil, `1/2 EntryNormal "\x00\xff\""`},
		{"normal formatted", pb.Entry{Term: 1, Index: 2, Data: []byte("hello")}, upper, "1/2 EntryNormal HELLO"},
		{"normal formatted empty", pb.Entry{Term: 1, Index: 2, Data: []byte("hello")}, silent, "1/2 EntryNormal"},
		{"conf change", pb.Entry{Term: 3, Index: 4, Type: pb.EntryConfChange, Data: ccRemove5}, nil, "3/4 EntryConfChange r5"},
		{"conf change formatter unused", pb.Entry{Term: 3, Index: 4, Type: pb.EntryConfChange, Data: ccRemove5}, upper, "3/4 EntryConfChange r5"},
		{"conf change no data", pb.Entry{Term: 3, Index: 4, Type: pb.EntryConfChange}, nil, "3/4 EntryConfChange v0"},
		{"conf change v2", pb.Entry{Term: 5, Index: 6, Type: pb.EntryConfChangeV2, Data: ccV2}, nil, "5/6 EntryConfChangeV2 v1 l2"},
		{"conf change v2 empty", pb.Entry{Term: 5, Index: 6, Type: pb.EntryConfChangeV2}, nil, "5/6 EntryConfChangeV2"},
		{"conf change v2 unknown op", pb.Entry{Term: 5, Index: 6, Type: pb.EntryConfChangeV2,
			Data: []byte{0x12, 0x04, 0x08, 0x09, 0x10, 0x04}}, nil, "5/6 EntryConfChangeV2 unknown4"},
		{"unknown type", pb.Entry{Term: 1, Index: 1, Type: 7, Data: []byte("x")}, upper, "1/1 7"},
	}
	for _, tt := range tests {
		if got := DescribeEntry(tt.e, tt.f); got != tt.want {
			t.Errorf("%s: DescribeEntry = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDescribeEntryConfChangeVariants(t *testing.T) {
	for _, tt := range []struct {
		cc   pb.ConfChange
		want string
	}{
		{pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: 2}, "v2"},
		{pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 6, Context: []byte("ctx")}, "l6"},
		{pb.ConfChange{Type: pb.ConfChangeUpdateNode, NodeID: 7, ID: 3}, "u7"},
		{pb.ConfChange{Type: 42, NodeID: 8}, "unknown8"},
	} {
		data, err := tt.cc.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		e := pb.Entry{Term: 9, Index: 10, Type: pb.EntryConfChange, Data: data}
		if got, want := DescribeEntry(e, nil), "9/10 EntryConfChange "+tt.want; got != want {
			t.Errorf("%+v: DescribeEntry = %q, want %q", tt.cc, got, want)
		}
	}
}

// A conf change a peer corrupted shows the decoder's complaint in place of
// the changes.
func TestDescribeEntryMalformedConfChange(t *testing.T) {
	for _, tt := range []struct {
		typ  pb.EntryType
		data []byte
	}{
		{pb.EntryConfChange, []byte{0xff}},
		{pb.EntryConfChange, []byte{0x18}},               // key without value
		{pb.EntryConfChange, []byte{0x22, 0x05, 'a'}},    // Context longer than the data
		{pb.EntryConfChangeV2, []byte{0x12, 0x7f}},       // Changes longer than the data
		{pb.EntryConfChangeV2, []byte{0x12, 0x01, 0xff}}, // a corrupt change inside
	} {
		var err error
		if tt.typ == pb.EntryConfChange {
			err = new(pb.ConfChange).Unmarshal(tt.data)
		} else {
			err = new(pb.ConfChangeV2).Unmarshal(tt.data)
		}
		if err == nil {
			t.Fatalf("%v % x: data decodes, want a malformed example", tt.typ, tt.data)
		}
		want := "2/3 " + tt.typ.String() + " " + err.Error()
		got := DescribeEntry(pb.Entry{Term: 2, Index: 3, Type: tt.typ, Data: tt.data}, nil)
		if got != want {
			t.Errorf("%v % x: DescribeEntry = %q, want %q", tt.typ, tt.data, got, want)
		}
		if !strings.Contains(got, "raftpb:") {
			t.Errorf("%v % x: %q does not mark the error", tt.typ, tt.data, got)
		}
	}
}

func TestDescribeEntries(t *testing.T) {
	if got := DescribeEntries(nil, nil); got != "" {
		t.Errorf("DescribeEntries(nil) = %q, want empty", got)
	}
	ents := []pb.Entry{{Term: 1, Index: 1, Data: []byte("a")}, {Term: 1, Index: 2, Type: pb.EntryConfChangeV2}}
	want := "1/1 EntryNormal \"a\"\n1/2 EntryConfChangeV2\n"
	if got := DescribeEntries(ents, nil); got != want {
		t.Errorf("DescribeEntries = %q, want %q", got, want)
	}
}

func TestDescribeMessage(t *testing.T) {
	tests := []struct {
		name string
		m    pb.Message
		want string
	}{
		{
			name: "append with one entry",
			m: pb.Message{Type: pb.MsgApp, From: 1, To: 2, Term: 3, LogTerm: 2, Index: 7, Commit: 7,
				Entries: []pb.Entry{{Term: 3, Index: 8, Data: []byte("x")}}},
			want: `1->2 MsgApp Term:3 Log:2/7 Commit:7 Entries:[3/8 EntryNormal "x"]`,
		},
		{
			name: "ids in hex",
			m:    pb.Message{Type: pb.MsgHeartbeat, From: 10, To: 255, Term: 1},
			want: "a->ff MsgHeartbeat Term:1 Log:0/0",
		},
		{
			name: "no ids",
			m:    pb.Message{Type: pb.MsgHup},
			want: "None->None MsgHup Term:0 Log:0/0",
		},
		{
			name: "rejection",
			m:    pb.Message{Type: pb.MsgAppResp, From: 2, To: 1, Term: 3, LogTerm: 1, Index: 5, Reject: true, RejectHint: 4},
			want: "2->1 MsgAppResp Term:3 Log:1/5 Rejected (Hint: 4)",
		},
		{
			name: "rejection with zero hint",
			m:    pb.Message{Type: pb.MsgVoteResp, From: 2, To: 1, Term: 3, Reject: true},
			want: "2->1 MsgVoteResp Term:3 Log:0/0 Rejected (Hint: 0)",
		},
		{
			name: "vote and commit",
			m:    pb.Message{Type: pb.MsgStorageAppend, From: 1, To: LocalAppendThread, Term: 4, Vote: 3, Commit: 2},
			want: "1->AppendThread MsgStorageAppend Term:4 Log:0/0 Commit:2 Vote:3",
		},
		{
			name: "apply thread",
			m:    pb.Message{Type: pb.MsgStorageApplyResp, From: LocalApplyThread, To: 1, Term: 4},
			want: "ApplyThread->1 MsgStorageApplyResp Term:4 Log:0/0",
		},
		{
			name: "several entries",
			m: pb.Message{Type: pb.MsgApp, From: 1, To: 2, Term: 3, LogTerm: 2, Index: 7, Entries: []pb.Entry{
				{Term: 3, Index: 8, Data: []byte("a")},
				{Term: 3, Index: 9, Type: pb.EntryConfChange, Data: []byte{0x18, 0x04}},
			}},
			want: "1->2 MsgApp Term:3 Log:2/7 Entries:[\n  3/8 EntryNormal \"a\"\n  3/9 EntryConfChange v4\n]",
		},
		{
			name: "snapshot",
			m: pb.Message{Type: pb.MsgSnap, From: 1, To: 2, Term: 3, Snapshot: &pb.Snapshot{
				Metadata: pb.SnapshotMetadata{Index: 10, Term: 2, ConfState: pb.ConfState{Voters: []uint64{1, 2}}}}},
			want: "1->2 MsgSnap Term:3 Log:0/0\n  Snapshot: Index:10 Term:2 ConfState:Voters:[1 2] VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false",
		},
		{
			name: "empty snapshot not shown",
			m:    pb.Message{Type: pb.MsgSnap, From: 1, To: 2, Term: 3, Snapshot: &pb.Snapshot{Data: []byte("x")}},
			want: "1->2 MsgSnap Term:3 Log:0/0",
		},
		{
			name: "responses",
			m: pb.Message{Type: pb.MsgStorageAppend, From: 1, To: LocalAppendThread, Term: 2, LogTerm: 2, Index: 5, Vote: 1,
				Entries: []pb.Entry{{Term: 2, Index: 5, Data: []byte("a")}},
				Responses: []pb.Message{
					{Type: pb.MsgStorageAppendResp, From: LocalAppendThread, To: 1, Term: 2, LogTerm: 2, Index: 5},
					{Type: pb.MsgAppResp, From: 1, To: 2, Term: 2, Index: 5},
				}},
			want: "1->AppendThread MsgStorageAppend Term:2 Log:2/5 Vote:1 Entries:[2/5 EntryNormal \"a\"] Responses:[\n" +
				"  AppendThread->1 MsgStorageAppendResp Term:2 Log:2/5\n" +
				"  1->2 MsgAppResp Term:2 Log:0/5\n" +
				"]",
		},
		{
			name: "nested indentation",
			m: pb.Message{Type: pb.MsgStorageAppend, From: 1, To: LocalAppendThread, Term: 1,
				Snapshot: &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 4, Term: 1}},
				Responses: []pb.Message{
					{Type: pb.MsgApp, From: 1, To: 2, Term: 1, LogTerm: 1, Index: 1, Entries: []pb.Entry{
						{Term: 1, Index: 2, Data: []byte("a")}, {Term: 1, Index: 3, Data: []byte("b")}}},
					{Type: pb.MsgStorageAppendResp, From: LocalAppendThread, To: 1, Term: 1,
						Snapshot: &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 4, Term: 1}}},
				}},
			want: "1->AppendThread MsgStorageAppend Term:1 Log:0/0\n" +
				"  Snapshot: Index:4 Term:1 ConfState:" + emptyConfState + " Responses:[\n" +
				"  1->2 MsgApp Term:1 Log:1/1 Entries:[\n" +
				"    1/2 EntryNormal \"a\"\n" +
				"    1/3 EntryNormal \"b\"\n" +
				"  ]\n" +
				"  AppendThread->1 MsgStorageAppendResp Term:1 Log:0/0\n" +
				"    Snapshot: Index:4 Term:1 ConfState:" + emptyConfState + "\n" +
				"]",
		},
		{
			name: "unknown type",
			m:    pb.Message{Type: 99, From: 1, To: 2},
			want: "1->2 99 Term:0 Log:0/0",
		},
	}
	for _, tt := range tests {
		if got := DescribeMessage(tt.m, nil); got != tt.want {
			t.Errorf("%s: DescribeMessage =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestDescribeMessageFormatter(t *testing.T) {
	m := pb.Message{Type: pb.MsgProp, From: 3, To: 1, Entries: []pb.Entry{{Data: []byte("put k v")}}}
	f := func(b []byte) string { return "<" + string(b) + ">" }
	if got, want := DescribeMessage(m, f), "3->1 MsgProp Term:0 Log:0/0 Entries:[0/0 EntryNormal <put k v>]"; got != want {
		t.Errorf("DescribeMessage = %q, want %q", got, want)
	}
}

func TestDescribeReady(t *testing.T) {
	tests := []struct {
		name string
		rd   Ready
		want string
	}{
		{"zero", Ready{}, "<empty Ready>"},
		{"must sync alone", Ready{MustSync: true}, "<empty Ready>"},
		{"empty hard state and snapshot", Ready{HardState: pb.HardState{}, Snapshot: pb.Snapshot{Data: []byte("x")}}, "<empty Ready>"},
		{"soft state", Ready{SoftState: &SoftState{}}, "Ready MustSync=false:\nLead:0 State:StateFollower\n"},
		{
			name: "everything",
			rd: Ready{
				SoftState:        &SoftState{Lead: 1, RaftState: StateLeader},
				HardState:        pb.HardState{Term: 2, Vote: 1, Commit: 3},
				ReadStates:       []ReadState{{Index: 3, RequestCtx: []byte("ab")}},
				Entries:          []pb.Entry{{Term: 2, Index: 4, Data: []byte("x")}},
				Snapshot:         pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 2, Term: 1}},
				CommittedEntries: []pb.Entry{{Term: 2, Index: 3}},
				Messages: []pb.Message{
					{Type: pb.MsgApp, From: 1, To: 2, Term: 2, LogTerm: 2, Index: 3, Commit: 3,
						Entries: []pb.Entry{{Term: 2, Index: 4, Data: []byte("x")}}},
					{Type: pb.MsgHeartbeat, From: 1, To: 3, Term: 2, Commit: 3},
				},
				MustSync: true,
			},
			want: "Ready MustSync=true:\n" +
				"Lead:1 State:StateLeader\n" +
				"HardState Term:2 Vote:1 Commit:3\n" +
				"ReadStates [{3 [97 98]}]\n" +
				"Entries:\n" +
				"2/4 EntryNormal \"x\"\n" +
				"Snapshot Index:2 Term:1 ConfState:" + emptyConfState + "\n" +
				"CommittedEntries:\n" +
				"2/3 EntryNormal \"\"\n" +
				"Messages:\n" +
				"1->2 MsgApp Term:2 Log:2/3 Commit:3 Entries:[2/4 EntryNormal \"x\"]\n" +
				"1->3 MsgHeartbeat Term:2 Log:0/0 Commit:3\n",
		},
	}
	for _, tt := range tests {
		if got := DescribeReady(tt.rd, nil); got != tt.want {
			t.Errorf("%s: DescribeReady =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

// FuzzDescribeEntry feeds arbitrary entry data of every entry type, as a
// peer could send it, through DescribeEntry and DescribeMessage, which must
// not panic.
func FuzzDescribeEntry(f *testing.F) {
	f.Add(int32(pb.EntryConfChange), []byte{0x10, 0x01, 0x18, 0x05})
	f.Add(int32(pb.EntryConfChangeV2), []byte{0x12, 0x04, 0x08, 0x00, 0x10, 0x01})
	f.Add(int32(pb.EntryConfChangeV2), []byte{0x12, 0x01, 0xff})
	f.Add(int32(pb.EntryConfChange), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add(int32(-1), []byte("x"))
	f.Fuzz(func(t *testing.T, typ int32, data []byte) {
		e := pb.Entry{Term: 1, Index: 2, Type: pb.EntryType(typ), Data: data}
		s := DescribeEntry(e, nil)
		if !strings.HasPrefix(s, "1/2 ") {
			t.Fatalf("DescribeEntry = %q, want the term/index prefix", s)
		}
		DescribeMessage(pb.Message{Type: pb.MessageType(typ), Entries: []pb.Entry{e, e}}, nil)
	})
}
