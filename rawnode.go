package raft

import (
	"errors"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// RawNode is a raft node driven by the caller, without goroutines: Step
// and Tick feed it, Ready and Advance (or, with AsyncStorageWrites, the
// storage messages' responses) drain it. It is not safe for concurrent use.
type RawNode struct {
	raft               *raft
	asyncStorageWrites bool
	// readies counts recent Readies with messages (halved by each tick),
	// and chunked says raft's queues may hold a chunk's room; both only
	// without ReuseReadyBuffers (see msgchunk.go). They sit in the
	// padding after asyncStorageWrites.
	readies uint8
	chunked bool

	prevSoftSt SoftState
	prevHardSt pb.HardState
	// stepsOnAdvance are messages the last Readies leave for Advance to
	// step, in order: a candidate's own vote, and the acknowledgements of
	// a Ready that was not advanced before the next one was taken (see
	// flushAcks). Rarely used, so Advance drops its array.
	stepsOnAdvance []pb.Message
	// acks is what the last Ready asks Advance to acknowledge, in the
	// synchronous mode.
	acks pendingAcks
	// propEnt holds the entry of the proposal being stepped by Propose.
	propEnt [1]pb.Entry
	// bufs keeps the last Ready's message arrays for reuse; nil unless
	// Config.ReuseReadyBuffers is set, so that idle nodes pay one word.
	bufs *readyBuffers
}

// NewRawNode returns a RawNode for config. A new group's nodes are then
// bootstrapped with Bootstrap (or the application writes the initial
// configuration to Storage itself); a restarted node reads its state from
// Storage.
func NewRawNode(config *Config) (*RawNode, error) {
	r, err := newRaft(config)
	if err != nil {
		return nil, err
	}
	rn := &RawNode{raft: r, asyncStorageWrites: config.AsyncStorageWrites}
	if config.ReuseReadyBuffers {
		rn.bufs = &readyBuffers{}
	}
	rn.prevSoftSt = r.softState()
	rn.prevHardSt = r.hardState()
	return rn, nil
}

// Tick advances the logical clock by one tick.
func (rn *RawNode) Tick() {
	rn.tickChunks()
	rn.raft.tick()
}

// TickQuiesced advances the election clock without acting on it: a leader
// sends no heartbeat and a follower does not campaign on this call. The
// elapsed time still counts, so a follower woken by a normal Tick after an
// election timeout's worth of quiesced ticks campaigns at once (as in v3.6).
// An application that quiesces idle groups must wake a group's leader first
// or accept that election. Use with care. Like Tick, it lets a drained
// log's array and a quiet node's message chunks go: a quiesced group is
// the idlest kind.
func (rn *RawNode) TickQuiesced() {
	rn.tickChunks()
	rn.raft.electionElapsed++
	rn.raft.raftLog.unstable.releaseDrained()
}

// Campaign makes the node campaign to become leader.
func (rn *RawNode) Campaign() error { return rn.raft.stepMsg(&pb.Message{Type: pb.MsgHup}) }

// Propose proposes data to be appended to the log.
func (rn *RawNode) Propose(data []byte) error {
	// The entry lives in rn.propEnt rather than a new slice: stepping a
	// proposal copies its entries into the log, and the one path that
	// keeps the message (forwarding to the leader) copies them first.
	rn.propEnt[0] = pb.Entry{Data: data}
	err := rn.raft.stepMsg(&pb.Message{Type: pb.MsgProp, From: rn.raft.id, Entries: rn.propEnt[:1:1]})
	rn.propEnt[0] = pb.Entry{} // do not keep data alive
	return err
}

// ProposeConfChange proposes a configuration change. It takes effect when
// the application applies the committed entry with ApplyConfChange.
func (rn *RawNode) ProposeConfChange(cc pb.ConfChangeI) error {
	typ, data, err := pb.MarshalConfChange(cc)
	if err != nil {
		return err
	}
	return rn.raft.stepMsg(&pb.Message{Type: pb.MsgProp, Entries: []pb.Entry{{Type: typ, Data: data}}})
}

// ApplyConfChange installs a committed configuration change; the
// application calls it when it applies the entry (unless it rejects the
// change, in which case it must not call it).
func (rn *RawNode) ApplyConfChange(cc pb.ConfChangeI) *pb.ConfState {
	cs := rn.raft.applyConfChange(cc.AsV2())
	return &cs
}

// Step feeds a message from a peer, or a storage thread's response, into
// the node. Messages only raft itself may generate are refused with
// ErrStepLocalMsg, responses from nodes outside the configuration with
// ErrStepPeerNotFound, and malformed messages with an error; none of them
// changes anything.
func (rn *RawNode) Step(m pb.Message) error {
	fromStorage := IsLocalMsgTarget(m.From)
	if IsLocalMsg(m.Type) && !fromStorage {
		return ErrStepLocalMsg
	}
	if IsResponseMsg(m.Type) && !fromStorage && !rn.raft.isMember(m.From) {
		return ErrStepPeerNotFound
	}
	return rn.raft.stepMsg(&m)
}

// Ready returns the outstanding work and marks it handed out. Its contents
// stay valid after Advance, except with Config.ReuseReadyBuffers: then its
// messages and entries last until the next Advance.
func (rn *RawNode) Ready() Ready {
	var w storageWork
	if err := rn.nextWork(&w); err != nil {
		rn.raft.logger.Panicf("raft: storage must return committed entries: %v", err)
	}
	var rd Ready
	if ss := rn.raft.softState(); !ss.equal(&rn.prevSoftSt) {
		// Copied inside the branch so that an unchanged state costs no
		// allocation.
		changed := new(SoftState)
		*changed = ss
		rd.SoftState = changed
	}
	rd.ReadStates = rn.raft.readStates
	if rn.asyncStorageWrites {
		rn.asyncReady(&w, &rd)
	} else {
		rn.syncReady(&w, &rd)
	}
	rn.accept(&w)
	return rd
}

// HasReady reports whether Ready would return anything.
func (rn *RawNode) HasReady() bool { return rn.hasWork() }

// Advance acknowledges that the last Ready was handled: its writes are
// durable and its committed entries applied. It must not be called with
// AsyncStorageWrites.
func (rn *RawNode) Advance(_ Ready) {
	if rn.asyncStorageWrites {
		rn.raft.logger.Panicf("raft: Advance must not be called when using AsyncStorageWrites")
	}
	if rn.bufs != nil {
		// Before stepping: the acknowledgements may send messages.
		rn.bufs.recycle(rn.raft)
	}
	r := rn.raft
	// Stepping cannot add to stepsOnAdvance (only Ready does).
	for i := range rn.stepsOnAdvance {
		if err := r.stepMsg(&rn.stepsOnAdvance[i]); err != nil {
			r.logger.Panicf("raft: stepping a storage acknowledgement: %v", err)
		}
	}
	rn.stepsOnAdvance = nil
	rn.acks.step(r)
	if rn.bufs != nil {
		rn.bufs.rewindLog(r)
	}
}

// Status returns the node's status, with a copy of the progress of every
// peer if it is the leader.
func (rn *RawNode) Status() Status { return getStatus(rn.raft) }

// BasicStatus returns the node's status without allocating.
func (rn *RawNode) BasicStatus() BasicStatus { return getBasicStatus(rn.raft) }

// WithProgress calls visitor for every peer's progress, in ascending id
// order, without copying Inflights (it is nil in the copy passed). A
// follower keeps no progresses: it shows what it would start from as a
// candidate. Like v3.6's, it allocates nothing (on a follower, for up to
// 16 members), so that it can be called for every group.
func (rn *RawNode) WithProgress(visitor func(id uint64, typ ProgressType, pr tracker.Progress)) {
	r := rn.raft
	if r.trk == nil {
		var onStack [maxFastVoters]uint64
		for _, id := range r.memberIDs(onStack[:0]) {
			visitProgress(visitor, id, r.freshPeer(id))
		}
		return
	}
	for _, pe := range r.peers {
		visitProgress(visitor, pe.id, *pe.pr)
	}
}

// visitProgress hands visitor p without its Inflights, typed by role.
func visitProgress(visitor func(id uint64, typ ProgressType, pr tracker.Progress), id uint64, p tracker.Progress) {
	typ := ProgressTypePeer
	if p.IsLearner {
		typ = ProgressTypeLearner
	}
	p.Inflights = nil
	visitor(id, typ, p)
}

// ReportUnreachable reports that the last message to id could not be sent.
func (rn *RawNode) ReportUnreachable(id uint64) {
	_ = rn.raft.stepMsg(&pb.Message{Type: pb.MsgUnreachable, From: id})
}

// ReportSnapshot reports how sending a snapshot to id went.
func (rn *RawNode) ReportSnapshot(id uint64, status SnapshotStatus) {
	_ = rn.raft.stepMsg(&pb.Message{Type: pb.MsgSnapStatus, From: id, Reject: status == SnapshotFailure})
}

// TransferLeader asks the leader to hand leadership to transferee.
func (rn *RawNode) TransferLeader(transferee uint64) {
	_ = rn.raft.stepMsg(&pb.Message{Type: pb.MsgTransferLeader, From: transferee})
}

// ForgetLeader makes a follower forget its leader, so that it may vote at
// once for another candidate. It is a no-op on other roles and with
// lease-based reads.
func (rn *RawNode) ForgetLeader() error {
	return rn.raft.stepMsg(&pb.Message{Type: pb.MsgForgetLeader})
}

// ReadIndex requests a read index; the answer arrives as a ReadState with
// RequestCtx rctx in a later Ready.
func (rn *RawNode) ReadIndex(rctx []byte) {
	_ = rn.raft.stepMsg(&pb.Message{Type: pb.MsgReadIndex, Entries: []pb.Entry{{Data: rctx}}})
}

var errBootstrapEmptyPeers = errors.New("must provide at least one peer to Bootstrap")
