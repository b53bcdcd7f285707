package raft

import (
	"errors"
	"math"
	"strconv"

	pb "github.com/tickraft/raft/raftpb"
)

const (
	// None is the node ID that means "nobody": no leader known, no vote
	// cast. Real nodes never use it.
	None uint64 = 0
	// LocalAppendThread is the To of MsgStorageAppend messages when
	// Config.AsyncStorageWrites is set: the application's thread that makes
	// entries, hard state and snapshots durable.
	LocalAppendThread uint64 = math.MaxUint64
	// LocalApplyThread is the To of MsgStorageApply messages when
	// Config.AsyncStorageWrites is set: the application's thread that applies
	// committed entries to its state machine.
	LocalApplyThread uint64 = math.MaxUint64 - 1
)

// ErrProposalDropped is returned when a proposal is not appended to the log
// (no leader known, forwarding disabled, a leader transfer in progress, the
// uncommitted-size budget exhausted, ...), so the proposer can fail fast
// instead of waiting for an entry that will never commit.
var ErrProposalDropped = errors.New("raft proposal dropped")

// ErrStepLocalMsg is returned by RawNode.Step for a message type that only
// raft itself may generate (see IsLocalMsg).
var ErrStepLocalMsg = errors.New("raft: cannot step raft local message")

// ErrStepPeerNotFound is returned by RawNode.Step for a response from a node
// that is not in the current configuration.
var ErrStepPeerNotFound = errors.New("raft: cannot step as peer not found")

// StateType is a node's role in its group.
type StateType uint64

// The roles a node can be in.
const (
	StateFollower StateType = iota
	StateCandidate
	StateLeader
	StatePreCandidate
	numStates
)

var stateNames = [numStates]string{
	StateFollower:     "StateFollower",
	StateCandidate:    "StateCandidate",
	StateLeader:       "StateLeader",
	StatePreCandidate: "StatePreCandidate",
}

// String returns the role's name, such as "StateLeader". A value outside the
// known roles prints as "StateType(n)" rather than panicking.
func (st StateType) String() string {
	if st < numStates {
		return stateNames[st]
	}
	return "StateType(" + strconv.FormatUint(uint64(st), 10) + ")"
}

// MarshalJSON encodes the role as its name in a JSON string.
func (st StateType) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, st.String()), nil
}

// SoftState is the volatile part of a node's state: useful for logging and
// for routing proposals, never persisted.
type SoftState struct {
	Lead      uint64 // Kept first so that 64-bit atomic access stays aligned.
	RaftState StateType
}

func (a *SoftState) equal(b *SoftState) bool {
	return a.Lead == b.Lead && a.RaftState == b.RaftState
}

// ReadState answers a ReadIndex request: once the application has applied
// up to Index, it may serve the read that it tagged with RequestCtx. The
// application chooses RequestCtx (a unique request id, say) and matches the
// answer to its request by it.
type ReadState struct {
	Index      uint64
	RequestCtx []byte
}

// Ready is a batch of work for the application: state and entries to
// persist, a snapshot to install, messages to send, committed entries to
// apply and reads to serve. The application must not modify anything a
// Ready refers to.
type Ready struct {
	// SoftState is the node's volatile state, or nil if it has not changed
	// since the previous Ready. Nothing needs to be done with it.
	*SoftState

	// HardState must be persisted before Messages are sent. It is the empty
	// HardState when unchanged. With AsyncStorageWrites it is carried by a
	// MsgStorageAppend in Messages, which is what the application acts on;
	// here it only informs.
	pb.HardState

	// ReadStates are answered ReadIndex requests: each may be served once
	// the application has applied up to its Index. A ReadState is meant only
	// for the request that asked for it.
	ReadStates []ReadState

	// Entries must be appended to stable storage before Messages are sent;
	// an entry at index i replaces any stored entries at i and above. With
	// AsyncStorageWrites they are carried by a MsgStorageAppend, and here
	// only inform.
	Entries []pb.Entry

	// Snapshot, unless empty (see IsEmptySnap), must be saved to stable
	// storage. With AsyncStorageWrites it is carried by a MsgStorageAppend,
	// and here only informs.
	Snapshot pb.Snapshot

	// CommittedEntries are to be applied to the state machine, in order.
	// They have already been persisted by an earlier Ready. With
	// AsyncStorageWrites they are carried by a MsgStorageApply, and here
	// only inform.
	CommittedEntries []pb.Entry

	// Messages are to be sent to their To. Without AsyncStorageWrites they
	// may only be sent once this Ready's HardState and Entries are durable.
	// With AsyncStorageWrites they may be sent at once: the messages that
	// depend on a write ride inside the MsgStorage* messages as responses.
	// After sending a MsgSnap, the application must report the outcome with
	// ReportSnapshot.
	Messages []pb.Message

	// MustSync says whether HardState and Entries must be written durably
	// (fsync) or whether a buffered write suffices. With AsyncStorageWrites
	// it describes the MsgStorageAppend in Messages.
	MustSync bool
}

// Peer names a member of the initial configuration of a new group. Context
// is carried in the ConfChange entry that adds it.
type Peer struct {
	ID      uint64
	Context []byte
}

// SnapshotStatus is the outcome of sending a snapshot, reported by the
// application through ReportSnapshot.
type SnapshotStatus int

// The outcomes of sending a snapshot.
const (
	SnapshotFinish  SnapshotStatus = 1
	SnapshotFailure SnapshotStatus = 2
)

// ProgressType says whether a Progress visited by RawNode.WithProgress
// belongs to a voter or to a learner.
type ProgressType byte

const (
	// ProgressTypePeer marks the Progress of a voter.
	ProgressTypePeer ProgressType = iota
	// ProgressTypeLearner marks the Progress of a learner.
	ProgressTypeLearner
)

// CampaignType is why a node campaigns. It is a string so that it can be
// stored directly in the Context of vote requests.
type CampaignType string

const (
	// campaignPreElection is the pre-vote phase of an election when
	// Config.PreVote is set; it does not raise the term.
	campaignPreElection CampaignType = "CampaignPreElection"
	// campaignElection is a regular election, or the second phase after a
	// won pre-vote.
	campaignElection CampaignType = "CampaignElection"
	// campaignTransfer is an election started by a leadership transfer; it
	// overrides the voters' leader lease.
	campaignTransfer CampaignType = "CampaignTransfer"
)

// ReadOnlyOption chooses how a leader confirms it is still the leader
// before answering a ReadIndex request.
type ReadOnlyOption int

const (
	// ReadOnlySafe confirms leadership with a round of heartbeats to a
	// quorum for each read. It is the default and is always linearizable.
	ReadOnlySafe ReadOnlyOption = iota
	// ReadOnlyLeaseBased answers from the leader's lease without contacting
	// a quorum. It relies on bounded clock drift between nodes: a clock that
	// pauses or jumps can let a deposed leader answer a stale read. It
	// requires Config.CheckQuorum.
	ReadOnlyLeaseBased
)

// StateTraceDeployed reports whether state tracing is compiled in. It never
// is in tickraft; the constant exists for source compatibility with v3.6.
const StateTraceDeployed = false

// TraceLogger exists for source compatibility with v3.6's Config.TraceLogger.
// tickraft does not trace: a value set there is ignored.
type TraceLogger interface{}

// TracingEvent exists for source compatibility with v3.6; tickraft never
// produces one.
type TracingEvent struct{}
