package raft

import (
	"encoding/json"
	"math"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

func TestStateTypeString(t *testing.T) {
	tests := []struct {
		st   StateType
		want string
	}{
		{StateFollower, "StateFollower"},
		{StateCandidate, "StateCandidate"},
		{StateLeader, "StateLeader"},
		{StatePreCandidate, "StatePreCandidate"},
		{numStates, "StateType(4)"},
		{StateType(1 << 63), "StateType(9223372036854775808)"},
	}
	for _, tt := range tests {
		if got := tt.st.String(); got != tt.want {
			t.Errorf("StateType(%d).String() = %q, want %q", uint64(tt.st), got, tt.want)
		}
	}
}

func TestStateTypeMarshalJSON(t *testing.T) {
	b, err := json.Marshal(map[string]StateType{"a": StateLeader, "b": StatePreCandidate})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"StateLeader","b":"StatePreCandidate"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestSoftStateEqual(t *testing.T) {
	base := SoftState{Lead: 3, RaftState: StateFollower}
	tests := []struct {
		other SoftState
		want  bool
	}{
		{SoftState{Lead: 3, RaftState: StateFollower}, true},
		{SoftState{Lead: 2, RaftState: StateFollower}, false},
		{SoftState{Lead: 3, RaftState: StateLeader}, false},
		{SoftState{}, false},
	}
	for _, tt := range tests {
		if got := base.equal(&tt.other); got != tt.want {
			t.Errorf("%+v.equal(%+v) = %t, want %t", base, tt.other, got, tt.want)
		}
		if got := tt.other.equal(&base); got != tt.want {
			t.Errorf("%+v.equal(%+v) = %t, want %t", tt.other, base, got, tt.want)
		}
	}
}

// The campaign type travels in the Context of vote requests, so its text is
// part of the wire format shared with go.etcd.io/raft.
func TestCampaignTypeValues(t *testing.T) {
	for ct, want := range map[CampaignType]string{
		campaignPreElection: "CampaignPreElection",
		campaignElection:    "CampaignElection",
		campaignTransfer:    "CampaignTransfer",
	} {
		if string(ct) != want {
			t.Errorf("campaign type %q, want %q", ct, want)
		}
	}
}

// Applications persist or compare these values, so they must be v3.6's.
func TestExportedConstantValues(t *testing.T) {
	tests := []struct {
		name      string
		got, want uint64
	}{
		{"None", None, 0},
		{"LocalAppendThread", LocalAppendThread, 1<<64 - 1},
		{"LocalApplyThread", LocalApplyThread, 1<<64 - 2},
		{"StateFollower", uint64(StateFollower), 0},
		{"StateCandidate", uint64(StateCandidate), 1},
		{"StateLeader", uint64(StateLeader), 2},
		{"StatePreCandidate", uint64(StatePreCandidate), 3},
		{"SnapshotFinish", uint64(SnapshotFinish), 1},
		{"SnapshotFailure", uint64(SnapshotFailure), 2},
		{"ProgressTypePeer", uint64(ProgressTypePeer), 0},
		{"ProgressTypeLearner", uint64(ProgressTypeLearner), 1},
		{"ReadOnlySafe", uint64(ReadOnlySafe), 0},
		{"ReadOnlyLeaseBased", uint64(ReadOnlyLeaseBased), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// Applications match on these texts, so they must be v3.6's.
func TestExportedErrorTexts(t *testing.T) {
	for err, want := range map[error]string{
		ErrProposalDropped:  "raft proposal dropped",
		ErrStepLocalMsg:     "raft: cannot step raft local message",
		ErrStepPeerNotFound: "raft: cannot step as peer not found",
	} {
		if err.Error() != want {
			t.Errorf("error text %q, want %q", err, want)
		}
	}
}

// msgTypeCase is one row of the hand-written classification of every
// message type, checked against IsLocalMsg and IsResponseMsg.
type msgTypeCase struct {
	t               pb.MessageType
	local, response bool
}

var msgTypeCases = []msgTypeCase{
	{pb.MsgHup, true, false},
	{pb.MsgBeat, true, false},
	{pb.MsgProp, false, false},
	{pb.MsgApp, false, false},
	{pb.MsgAppResp, false, true},
	{pb.MsgVote, false, false},
	{pb.MsgVoteResp, false, true},
	{pb.MsgSnap, false, false},
	{pb.MsgHeartbeat, false, false},
	{pb.MsgHeartbeatResp, false, true},
	{pb.MsgUnreachable, true, true},
	{pb.MsgSnapStatus, true, false},
	{pb.MsgCheckQuorum, true, false},
	{pb.MsgTransferLeader, false, false},
	{pb.MsgTimeoutNow, false, false},
	{pb.MsgReadIndex, false, false},
	{pb.MsgReadIndexResp, false, true},
	{pb.MsgPreVote, false, false},
	{pb.MsgPreVoteResp, false, true},
	{pb.MsgStorageAppend, true, false},
	{pb.MsgStorageAppendResp, true, true},
	{pb.MsgStorageApply, true, false},
	{pb.MsgStorageApplyResp, true, true},
	{pb.MsgForgetLeader, false, false},
	// Types a peer may send that the schema does not know.
	{24, false, false},
	{25, false, false},
	{255, false, false},
	{256, false, false},
	{math.MaxInt32, false, false},
	{-1, false, false},
	{-24, false, false},
	{math.MinInt32, false, false},
}

func TestMsgTypeClassification(t *testing.T) {
	if want := len(pb.MessageType_name); int(pb.MsgForgetLeader)+1 != want {
		t.Fatalf("raftpb has %d message types; the table above covers 0..%d", want, pb.MsgForgetLeader)
	}
	for _, tt := range msgTypeCases {
		if got := IsLocalMsg(tt.t); got != tt.local {
			t.Errorf("IsLocalMsg(%v) = %t, want %t", tt.t, got, tt.local)
		}
		if got := IsResponseMsg(tt.t); got != tt.response {
			t.Errorf("IsResponseMsg(%v) = %t, want %t", tt.t, got, tt.response)
		}
	}
}

func TestMsgTypeClassificationAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		for _, tt := range msgTypeCases {
			_ = IsLocalMsg(tt.t)
			_ = IsResponseMsg(tt.t)
		}
	})
	if n != 0 {
		t.Errorf("classifying message types allocates %v times per run, want 0", n)
	}
}

func TestIsLocalMsgTarget(t *testing.T) {
	for id, want := range map[uint64]bool{
		None:                false,
		1:                   false,
		math.MaxUint64 - 2:  false,
		LocalApplyThread:    true,
		LocalAppendThread:   true,
		math.MaxUint64 >> 1: false,
	} {
		if got := IsLocalMsgTarget(id); got != want {
			t.Errorf("IsLocalMsgTarget(%#x) = %t, want %t", id, got, want)
		}
	}
}

func TestVoteRespMsgType(t *testing.T) {
	if got := voteRespMsgType(pb.MsgVote); got != pb.MsgVoteResp {
		t.Errorf("voteRespMsgType(MsgVote) = %v, want MsgVoteResp", got)
	}
	if got := voteRespMsgType(pb.MsgPreVote); got != pb.MsgPreVoteResp {
		t.Errorf("voteRespMsgType(MsgPreVote) = %v, want MsgPreVoteResp", got)
	}
	for _, tt := range msgTypeCases {
		if tt.t == pb.MsgVote || tt.t == pb.MsgPreVote {
			continue
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("voteRespMsgType(%v) did not panic", tt.t)
				}
			}()
			voteRespMsgType(tt.t)
		}()
	}
}

func TestMustSync(t *testing.T) {
	prev := pb.HardState{Term: 2, Vote: 1, Commit: 5}
	tests := []struct {
		name    string
		st      pb.HardState
		entsnum int
		want    bool
	}{
		{"nothing changed", prev, 0, false},
		{"commit advanced", pb.HardState{Term: 2, Vote: 1, Commit: 9}, 0, false},
		{"commit went back", pb.HardState{Term: 2, Vote: 1, Commit: 3}, 0, false},
		{"entries", prev, 1, true},
		{"many entries", pb.HardState{Term: 2, Vote: 1, Commit: 9}, 100, true},
		{"term changed", pb.HardState{Term: 3, Vote: 1, Commit: 5}, 0, true},
		{"vote changed", pb.HardState{Term: 2, Vote: 3, Commit: 5}, 0, true},
		{"vote cleared", pb.HardState{Term: 2, Vote: 0, Commit: 5}, 0, true},
	}
	for _, tt := range tests {
		if got := MustSync(tt.st, prev, tt.entsnum); got != tt.want {
			t.Errorf("%s: MustSync(%+v, %+v, %d) = %t, want %t", tt.name, tt.st, prev, tt.entsnum, got, tt.want)
		}
	}
}

func TestIsEmptyHardState(t *testing.T) {
	for _, tt := range []struct {
		st   pb.HardState
		want bool
	}{
		{pb.HardState{}, true},
		{pb.HardState{Term: 1}, false},
		{pb.HardState{Vote: 1}, false},
		{pb.HardState{Commit: 1}, false},
	} {
		if got := IsEmptyHardState(tt.st); got != tt.want {
			t.Errorf("IsEmptyHardState(%+v) = %t, want %t", tt.st, got, tt.want)
		}
	}
}

func TestIsEmptySnap(t *testing.T) {
	for _, tt := range []struct {
		name string
		snap pb.Snapshot
		want bool
	}{
		{"zero", pb.Snapshot{}, true},
		{"index set", pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: 1}}, false},
		// Emptiness is decided by the index alone, as in v3.6.
		{"data without index", pb.Snapshot{Data: []byte("x"), Metadata: pb.SnapshotMetadata{Term: 4}}, true},
		{"conf state without index", pb.Snapshot{Metadata: pb.SnapshotMetadata{ConfState: pb.ConfState{Voters: []uint64{1}}}}, true},
	} {
		if got := IsEmptySnap(tt.snap); got != tt.want {
			t.Errorf("%s: IsEmptySnap = %t, want %t", tt.name, got, tt.want)
		}
	}
}
