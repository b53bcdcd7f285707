// Package raftpb holds tickraft's wire types: plain value structs with the
// exported shape of go.etcd.io/raft/v3's raftpb (v3.6), and a hand-written
// protobuf codec that writes the same bytes as v3.6 and reads both the
// every-field (gogo) and only-set-fields (protoc-gen-go) encodings.
//
// The schema is raft.proto in this directory.
package raftpb

// EntryType says how Entry.Data is to be read.
type EntryType int32

const (
	EntryNormal       EntryType = 0
	EntryConfChange   EntryType = 1
	EntryConfChangeV2 EntryType = 2
)

var EntryType_name = map[int32]string{
	0: "EntryNormal",
	1: "EntryConfChange",
	2: "EntryConfChangeV2",
}

var EntryType_value = map[string]int32{
	"EntryNormal":       0,
	"EntryConfChange":   1,
	"EntryConfChangeV2": 2,
}

// MessageType is the kind of a Message. Local messages (MsgHup, MsgBeat,
// MsgUnreachable, MsgSnapStatus, MsgCheckQuorum and the MsgStorage* family)
// never cross the network.
type MessageType int32

const (
	MsgHup               MessageType = 0
	MsgBeat              MessageType = 1
	MsgProp              MessageType = 2
	MsgApp               MessageType = 3
	MsgAppResp           MessageType = 4
	MsgVote              MessageType = 5
	MsgVoteResp          MessageType = 6
	MsgSnap              MessageType = 7
	MsgHeartbeat         MessageType = 8
	MsgHeartbeatResp     MessageType = 9
	MsgUnreachable       MessageType = 10
	MsgSnapStatus        MessageType = 11
	MsgCheckQuorum       MessageType = 12
	MsgTransferLeader    MessageType = 13
	MsgTimeoutNow        MessageType = 14
	MsgReadIndex         MessageType = 15
	MsgReadIndexResp     MessageType = 16
	MsgPreVote           MessageType = 17
	MsgPreVoteResp       MessageType = 18
	MsgStorageAppend     MessageType = 19
	MsgStorageAppendResp MessageType = 20
	MsgStorageApply      MessageType = 21
	MsgStorageApplyResp  MessageType = 22
	MsgForgetLeader      MessageType = 23
)

var MessageType_name = map[int32]string{
	0:  "MsgHup",
	1:  "MsgBeat",
	2:  "MsgProp",
	3:  "MsgApp",
	4:  "MsgAppResp",
	5:  "MsgVote",
	6:  "MsgVoteResp",
	7:  "MsgSnap",
	8:  "MsgHeartbeat",
	9:  "MsgHeartbeatResp",
	10: "MsgUnreachable",
	11: "MsgSnapStatus",
	12: "MsgCheckQuorum",
	13: "MsgTransferLeader",
	14: "MsgTimeoutNow",
	15: "MsgReadIndex",
	16: "MsgReadIndexResp",
	17: "MsgPreVote",
	18: "MsgPreVoteResp",
	19: "MsgStorageAppend",
	20: "MsgStorageAppendResp",
	21: "MsgStorageApply",
	22: "MsgStorageApplyResp",
	23: "MsgForgetLeader",
}

var MessageType_value = map[string]int32{
	"MsgHup":               0,
	"MsgBeat":              1,
	"MsgProp":              2,
	"MsgApp":               3,
	"MsgAppResp":           4,
	"MsgVote":              5,
	"MsgVoteResp":          6,
	"MsgSnap":              7,
	"MsgHeartbeat":         8,
	"MsgHeartbeatResp":     9,
	"MsgUnreachable":       10,
	"MsgSnapStatus":        11,
	"MsgCheckQuorum":       12,
	"MsgTransferLeader":    13,
	"MsgTimeoutNow":        14,
	"MsgReadIndex":         15,
	"MsgReadIndexResp":     16,
	"MsgPreVote":           17,
	"MsgPreVoteResp":       18,
	"MsgStorageAppend":     19,
	"MsgStorageAppendResp": 20,
	"MsgStorageApply":      21,
	"MsgStorageApplyResp":  22,
	"MsgForgetLeader":      23,
}

// ConfChangeTransition says whether and how a ConfChangeV2 uses joint
// consensus, and who leaves the joint configuration.
type ConfChangeTransition int32

const (
	// ConfChangeTransitionAuto makes a simple change when the change allows
	// it (at most one voter altered) and otherwise enters a joint
	// configuration that the leader leaves automatically.
	ConfChangeTransitionAuto ConfChangeTransition = 0
	// ConfChangeTransitionJointImplicit always enters a joint configuration
	// and leaves it automatically.
	ConfChangeTransitionJointImplicit ConfChangeTransition = 1
	// ConfChangeTransitionJointExplicit always enters a joint configuration
	// and stays there until the application proposes an empty ConfChangeV2.
	ConfChangeTransitionJointExplicit ConfChangeTransition = 2
)

var ConfChangeTransition_name = map[int32]string{
	0: "ConfChangeTransitionAuto",
	1: "ConfChangeTransitionJointImplicit",
	2: "ConfChangeTransitionJointExplicit",
}

var ConfChangeTransition_value = map[string]int32{
	"ConfChangeTransitionAuto":          0,
	"ConfChangeTransitionJointImplicit": 1,
	"ConfChangeTransitionJointExplicit": 2,
}

// ConfChangeType is the operation of one configuration change.
type ConfChangeType int32

const (
	ConfChangeAddNode        ConfChangeType = 0
	ConfChangeRemoveNode     ConfChangeType = 1
	ConfChangeUpdateNode     ConfChangeType = 2
	ConfChangeAddLearnerNode ConfChangeType = 3
)

var ConfChangeType_name = map[int32]string{
	0: "ConfChangeAddNode",
	1: "ConfChangeRemoveNode",
	2: "ConfChangeUpdateNode",
	3: "ConfChangeAddLearnerNode",
}

var ConfChangeType_value = map[string]int32{
	"ConfChangeAddNode":        0,
	"ConfChangeRemoveNode":     1,
	"ConfChangeUpdateNode":     2,
	"ConfChangeAddLearnerNode": 3,
}

// Entry is one record of the replicated log.
type Entry struct {
	Term  uint64    `protobuf:"varint,2,opt,name=Term" json:"Term"`
	Index uint64    `protobuf:"varint,3,opt,name=Index" json:"Index"`
	Type  EntryType `protobuf:"varint,1,opt,name=Type,enum=raftpb.EntryType" json:"Type"`
	Data  []byte    `protobuf:"bytes,4,opt,name=Data" json:"Data,omitempty"`
}

// SnapshotMetadata says which log position a snapshot covers and the
// configuration in force there.
type SnapshotMetadata struct {
	ConfState ConfState `protobuf:"bytes,1,opt,name=conf_state,json=confState" json:"conf_state"`
	Index     uint64    `protobuf:"varint,2,opt,name=index" json:"index"`
	Term      uint64    `protobuf:"varint,3,opt,name=term" json:"term"`
}

// Snapshot is the application state up to Metadata.Index.
type Snapshot struct {
	Data     []byte           `protobuf:"bytes,1,opt,name=data" json:"data,omitempty"`
	Metadata SnapshotMetadata `protobuf:"bytes,2,opt,name=metadata" json:"metadata"`
}

// Message is everything raft nodes say to each other and, for the local
// message types, to the application.
type Message struct {
	Type MessageType `protobuf:"varint,1,opt,name=type,enum=raftpb.MessageType" json:"type"`
	To   uint64      `protobuf:"varint,2,opt,name=to" json:"to"`
	From uint64      `protobuf:"varint,3,opt,name=from" json:"from"`
	Term uint64      `protobuf:"varint,4,opt,name=term" json:"term"`
	// LogTerm is the term of the entry at Index: the entry preceding Entries
	// in MsgApp, the last log entry in votes, and the follower's hint in a
	// rejecting MsgAppResp.
	LogTerm uint64  `protobuf:"varint,5,opt,name=logTerm" json:"logTerm"`
	Index   uint64  `protobuf:"varint,6,opt,name=index" json:"index"`
	Entries []Entry `protobuf:"bytes,7,rep,name=entries" json:"entries"`
	Commit  uint64  `protobuf:"varint,8,opt,name=commit" json:"commit"`
	// Vote is set only in MsgStorageAppend: the vote to persist.
	Vote       uint64    `protobuf:"varint,13,opt,name=vote" json:"vote"`
	Snapshot   *Snapshot `protobuf:"bytes,9,opt,name=snapshot" json:"snapshot,omitempty"`
	Reject     bool      `protobuf:"varint,10,opt,name=reject" json:"reject"`
	RejectHint uint64    `protobuf:"varint,11,opt,name=rejectHint" json:"rejectHint"`
	Context    []byte    `protobuf:"bytes,12,opt,name=context" json:"context,omitempty"`
	// Responses is set only in MsgStorageAppend and MsgStorageApply: the
	// messages to deliver once the storage work is done.
	Responses []Message `protobuf:"bytes,14,rep,name=responses" json:"responses"`
}

// HardState is the state a node must persist before it sends messages.
type HardState struct {
	Term   uint64 `protobuf:"varint,1,opt,name=term" json:"term"`
	Vote   uint64 `protobuf:"varint,2,opt,name=vote" json:"vote"`
	Commit uint64 `protobuf:"varint,3,opt,name=commit" json:"commit"`
}

// ConfState is a cluster membership configuration.
type ConfState struct {
	// Voters of the incoming configuration (the only one when not joint).
	Voters []uint64 `protobuf:"varint,1,rep,name=voters" json:"voters,omitempty"`
	// Learners of the configuration.
	Learners []uint64 `protobuf:"varint,2,rep,name=learners" json:"learners,omitempty"`
	// VotersOutgoing are the voters of the outgoing configuration; empty
	// when the configuration is not joint.
	VotersOutgoing []uint64 `protobuf:"varint,3,rep,name=voters_outgoing,json=votersOutgoing" json:"voters_outgoing,omitempty"`
	// LearnersNext are voters being demoted: they become learners when the
	// joint configuration is left.
	LearnersNext []uint64 `protobuf:"varint,4,rep,name=learners_next,json=learnersNext" json:"learners_next,omitempty"`
	// AutoLeave says the joint configuration is left automatically.
	AutoLeave bool `protobuf:"varint,5,opt,name=auto_leave,json=autoLeave" json:"auto_leave"`
}

// ConfChange is the original, single-change configuration change.
type ConfChange struct {
	Type    ConfChangeType `protobuf:"varint,2,opt,name=type,enum=raftpb.ConfChangeType" json:"type"`
	NodeID  uint64         `protobuf:"varint,3,opt,name=node_id,json=nodeId" json:"node_id"`
	Context []byte         `protobuf:"bytes,4,opt,name=context" json:"context,omitempty"`
	// ID is unused by raft; it is kept for compatibility with old encodings.
	ID uint64 `protobuf:"varint,1,opt,name=id" json:"id"`
}

// ConfChangeSingle is one operation of a ConfChangeV2.
type ConfChangeSingle struct {
	Type   ConfChangeType `protobuf:"varint,1,opt,name=type,enum=raftpb.ConfChangeType" json:"type"`
	NodeID uint64         `protobuf:"varint,2,opt,name=node_id,json=nodeId" json:"node_id"`
}

// ConfChangeV2 applies any number of changes at once. Changing more than
// one voter needs joint consensus; Transition says how it is used.
//
// Like every configuration change, it takes effect when the application
// applies it (calls ApplyConfChange), not when it is appended or committed.
type ConfChangeV2 struct {
	Transition ConfChangeTransition `protobuf:"varint,1,opt,name=transition,enum=raftpb.ConfChangeTransition" json:"transition"`
	Changes    []ConfChangeSingle   `protobuf:"bytes,2,rep,name=changes" json:"changes"`
	Context    []byte               `protobuf:"bytes,3,opt,name=context" json:"context,omitempty"`
}
