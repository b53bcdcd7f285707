package raft

import (
	"errors"
	"fmt"
	"math"
)

// noLimit is a size limit that never binds.
const noLimit = math.MaxUint64

// maxElectionTick bounds ElectionTick so that the randomized election
// timeout, drawn from [ElectionTick, 2*ElectionTick), fits in an int.
const maxElectionTick = math.MaxInt / 2

// Config holds the parameters of one raft node. Its fields, their order and
// their zero values mean what they mean in go.etcd.io/raft/v3 v3.6; RandSeed
// is tickraft's addition. raft reads a Config when a node is created and
// does not modify it.
type Config struct {
	// ID identifies this node in its group. It must not be None (0), nor
	// LocalAppendThread or LocalApplyThread.
	ID uint64

	// ElectionTick is how many Ticks a follower waits without hearing from
	// a leader of its term before it campaigns. It must be greater than
	// HeartbeatTick; ten times HeartbeatTick avoids needless elections. The
	// actual timeout is drawn at random from [ElectionTick, 2*ElectionTick).
	ElectionTick int
	// HeartbeatTick is how many Ticks a leader waits between heartbeats.
	HeartbeatTick int

	// Storage is where raft reads the persisted log, hard state and
	// configuration from, at start and whenever it needs older entries.
	Storage Storage
	// Applied is the index the application has already applied, set when
	// restarting so that raft does not hand back entries at or below it. Left
	// at zero on a restart, raft may return entries that were applied before.
	Applied uint64

	// AsyncStorageWrites replaces the Ready/Advance call contract with
	// messages, so that log writes and entry application can be pipelined
	// and batched independently of Ready iteration.
	//
	// Ready.Messages then carries MsgStorageAppend messages to
	// LocalAppendThread (entries, hard state and snapshot to write; they
	// stand in for Ready's Entries, HardState and Snapshot) and
	// MsgStorageApply messages to LocalApplyThread (committed entries to
	// apply; they stand in for Ready.CommittedEntries). Messages to one
	// thread must be processed reliably and in order; the two threads are
	// independent of each other.
	//
	// Each such message carries Responses, to be delivered (to this node or
	// to others) once its work is done. For MsgStorageAppend the writes must
	// be durable before the responses are delivered, unless there are no
	// responses; for MsgStorageApply durability is not required. Advance must
	// not be called in this mode.
	AsyncStorageWrites bool

	// ReuseReadyBuffers lets RawNode and Node reuse the memory a Ready hands
	// out once it is advanced: the array behind Ready.Messages, and the log's
	// entries array, which Ready.Entries, Ready.CommittedEntries and the
	// Entries of append messages are slices of. With it, everything a Ready
	// holds but Snapshot, SoftState and ReadStates is valid only until the
	// next Advance (or Node.Advance), messages' entries included. An
	// application persists, applies and sends (encodes, or steps into a
	// RawNode, or Node.Step, which has stepped the message when it returns)
	// before Advance, as usual; one that keeps a message past it (a
	// transport queue) must copy the Message and its Entries first.
	// Entry.Data is never written. Entries are reused once the log
	// has drained (all written and handed out for applying) and no message
	// raft has queued still refers to them; a log that never drains at an
	// Advance allocates as it does without the option.
	// It cannot be combined with AsyncStorageWrites, whose messages outlive
	// Advance.
	ReuseReadyBuffers bool

	// MaxSizePerMsg caps the encoded size of the entries in one append
	// message: small values make probing and lost messages cheap, large ones
	// raise replication throughput. math.MaxUint64 means no cap; 0 means one
	// entry per message.
	MaxSizePerMsg uint64
	// MaxCommittedSizePerReady caps the encoded size of committed entries
	// being applied at once. Despite the name (kept from v3.6), with
	// AsyncStorageWrites the cap spans all MsgStorageApply messages not yet
	// acknowledged. 0 means MaxSizePerMsg; a page always holds at least one
	// entry, so application never stalls whatever the cap.
	MaxCommittedSizePerReady uint64
	// MaxUncommittedEntriesSize caps the total payload size of a leader's
	// uncommitted entries; beyond it proposals fail with ErrProposalDropped.
	// 0 means no cap.
	MaxUncommittedEntriesSize uint64
	// MaxInflightMsgs caps how many append messages may be in flight to one
	// follower while replicating optimistically, so as not to overflow the
	// transport's buffers. It must be greater than 0.
	MaxInflightMsgs int
	// MaxInflightBytes caps the encoded size of entries in flight to one
	// follower, bounding the bandwidth-delay product: with a 100ms round
	// trip, 1 MB caps replication to that follower at 10 MB/s. 0 means no
	// cap; otherwise it must be at least MaxSizePerMsg.
	MaxInflightBytes uint64

	// CheckQuorum makes a leader step down when it has not heard from a
	// quorum within an election timeout.
	CheckQuorum bool

	// PreVote runs a pre-election (thesis section 9.6) before a real one, so
	// that a node rejoining after a partition does not disrupt the group by
	// raising the term.
	PreVote bool

	// ReadOnlyOption chooses how ReadIndex requests are confirmed: see
	// ReadOnlySafe (the default) and ReadOnlyLeaseBased, which requires
	// CheckQuorum.
	ReadOnlyOption ReadOnlyOption

	// Logger receives this node's log lines. nil means the package default
	// at the time the node is created (see SetLogger).
	Logger Logger

	// DisableProposalForwarding makes followers drop proposals instead of
	// forwarding them to the leader, for applications in which only the
	// leader may compute a proposal's contents (a timestamp from the
	// leader's clock, say).
	DisableProposalForwarding bool

	// DisableConfChangeValidation skips the proposal-time checks of a
	// configuration change against the node's configuration. The checks are
	// best effort and can reject a valid change, since the active
	// configuration may lag behind the log. Set it only if the application
	// itself orders and validates changes: an invalid change that gets
	// applied panics.
	DisableConfChangeValidation bool

	// StepDownOnRemoval makes a leader step down once it is removed from the
	// group or demoted to learner.
	StepDownOnRemoval bool

	// TraceLogger is accepted for source compatibility with v3.6 and
	// ignored: tickraft does not trace state.
	TraceLogger TraceLogger

	// RandSeed seeds this node's own random source, which draws its
	// election timeouts, so that a run can be repeated exactly. Zero derives
	// the seed from ID: nodes of one group differ, and runs repeat. Give
	// distinct seeds to nodes that should not share a schedule across
	// groups or restarts.
	RandSeed uint64
}

// validate reports the first rule c breaks, or nil if a node can run with
// c. It does not modify c; withDefaults fills in the zero values. The rules
// are checked in v3.6's order, so a Config breaking several gets v3.6's
// error, with v3.6's text.
func (c *Config) validate() error {
	if c == nil {
		return errors.New("config is nil")
	}
	if c.ID == None {
		return errors.New("cannot use none as id")
	}
	if IsLocalMsgTarget(c.ID) {
		return errors.New("cannot use local target as id")
	}
	if err := c.validateTicks(); err != nil {
		return err
	}
	if c.Storage == nil {
		return errors.New("storage cannot be nil")
	}
	if err := c.validateFlowControl(); err != nil {
		return err
	}
	if err := c.validateReadOnly(); err != nil {
		return err
	}
	if c.ReuseReadyBuffers && c.AsyncStorageWrites {
		return errors.New("ReuseReadyBuffers cannot be combined with AsyncStorageWrites")
	}
	return nil
}

func (c *Config) validateTicks() error {
	if c.HeartbeatTick <= 0 {
		return errors.New("heartbeat tick must be greater than 0")
	}
	if c.ElectionTick <= c.HeartbeatTick {
		return errors.New("election tick must be greater than heartbeat tick")
	}
	if c.ElectionTick > maxElectionTick {
		return fmt.Errorf("election tick %d must be at most %d, so that twice it fits in an int", c.ElectionTick, maxElectionTick)
	}
	return nil
}

func (c *Config) validateFlowControl() error {
	if c.MaxInflightMsgs <= 0 {
		return errors.New("max inflight messages must be greater than 0")
	}
	if c.MaxInflightBytes != 0 && c.MaxInflightBytes < c.MaxSizePerMsg {
		return errors.New("max inflight bytes must be >= max message size")
	}
	return nil
}

func (c *Config) validateReadOnly() error {
	switch c.ReadOnlyOption {
	case ReadOnlySafe:
	case ReadOnlyLeaseBased:
		if !c.CheckQuorum {
			return errors.New("CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased")
		}
	default:
		return fmt.Errorf("ReadOnlyOption %d is unknown: it must be ReadOnlySafe or ReadOnlyLeaseBased", int(c.ReadOnlyOption))
	}
	return nil
}

// withDefaults returns a copy of c with each zero value that stands for a
// default replaced by what it stands for, so the node reads limits and
// collaborators without special cases. c itself is not modified. Call it on
// a Config that validate accepted.
func (c *Config) withDefaults() Config {
	d := *c
	if d.MaxUncommittedEntriesSize == 0 {
		d.MaxUncommittedEntriesSize = noLimit
	}
	if d.MaxCommittedSizePerReady == 0 {
		// The two limits were one parameter before v3.5, hence this default.
		d.MaxCommittedSizePerReady = d.MaxSizePerMsg
	}
	if d.MaxCommittedSizePerReady == 0 {
		// A zero quota would count as exhausted even with nothing being
		// applied, and application would stall. One byte pages exactly one
		// entry at a time, which is what 0 means for MaxSizePerMsg.
		d.MaxCommittedSizePerReady = 1
	}
	if d.MaxInflightBytes == 0 {
		d.MaxInflightBytes = noLimit
	}
	if d.Logger == nil {
		d.Logger = loggerForNewNode()
	}
	if d.RandSeed == 0 {
		d.RandSeed = seedFromID(d.ID)
	}
	return d
}

// nodeConfig is the part of Config that raft reads after newRaft, with
// defaults filled in. A full Config copy is 160 bytes per node, most of it
// only needed at start; with ten thousand groups in a process that adds up.
// The fields keep their Config names so that r.cfg.X reads the same.
type nodeConfig struct {
	// The tick limits come first: an idle leader reads nothing else here.
	ElectionTick  int
	HeartbeatTick int

	CheckQuorum                 bool
	PreVote                     bool
	DisableProposalForwarding   bool
	DisableConfChangeValidation bool
	StepDownOnRemoval           bool
	ReadOnlyOption              ReadOnlyOption

	MaxSizePerMsg             uint64
	MaxUncommittedEntriesSize uint64
	// The Inflights limits, for the tracker a node builds when it stops
	// following (a follower keeps none).
	MaxInflightMsgs  int
	MaxInflightBytes uint64
}

// nodeConfig returns what raft keeps of a Config that withDefaults filled.
func (c *Config) nodeConfig() nodeConfig {
	return nodeConfig{
		ElectionTick:                c.ElectionTick,
		HeartbeatTick:               c.HeartbeatTick,
		CheckQuorum:                 c.CheckQuorum,
		PreVote:                     c.PreVote,
		DisableProposalForwarding:   c.DisableProposalForwarding,
		DisableConfChangeValidation: c.DisableConfChangeValidation,
		StepDownOnRemoval:           c.StepDownOnRemoval,
		ReadOnlyOption:              c.ReadOnlyOption,
		MaxSizePerMsg:               c.MaxSizePerMsg,
		MaxUncommittedEntriesSize:   c.MaxUncommittedEntriesSize,
		MaxInflightMsgs:             c.MaxInflightMsgs,
		MaxInflightBytes:            c.MaxInflightBytes,
	}
}

// seedFromID spreads the bits of a node ID (often small and consecutive)
// over a 64-bit seed with the SplitMix64 finalizer, so neighbouring IDs get
// unrelated election timeouts.
func seedFromID(id uint64) uint64 {
	z := id + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
