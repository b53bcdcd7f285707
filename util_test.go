package raft

import (
	"encoding/json"
	"testing"
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
