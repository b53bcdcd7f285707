package raft

import (
	"context"
	"errors"
	"sync"

	pb "github.com/tickraft/raft/raftpb"
)

// ErrStopped is what the methods of a Node return once it has stopped.
var ErrStopped = errors.New("raft: stopped")

// Node wraps a RawNode for concurrent use: every method acts on the
// RawNode under a mutex, in the caller's goroutine, and the Ready channel
// delivers the work that results. With AsyncStorageWrites one small
// goroutine keeps that channel fed; it is the one place in package raft
// that owns a goroutine.
type Node interface {
	// Tick advances the logical clock by one tick.
	Tick()
	// Campaign makes the node campaign to become leader.
	Campaign(ctx context.Context) error
	// Propose proposes data to be appended to the log. It waits while no
	// leader is known, and returns the error of stepping the proposal
	// (ErrProposalDropped when it could not be appended or forwarded). An
	// accepted proposal may still be lost; the application retries.
	Propose(ctx context.Context, data []byte) error
	// ProposeConfChange proposes a configuration change, ConfChange or
	// ConfChangeV2. It may be dropped, in particular while an earlier
	// change is not applied.
	ProposeConfChange(ctx context.Context, cc pb.ConfChangeI) error
	// Step feeds a message from a peer into the node. Local message types
	// are ignored. When Step returns the message has been stepped (or, a
	// proposal waiting for a leader, abandoned), and the node keeps no
	// reference to its entries.
	Step(ctx context.Context, msg pb.Message) error
	// Ready returns the channel on which the node delivers its work. After
	// each Ready the application calls Advance (unless AsyncStorageWrites
	// is set). No committed entries from the next Ready may be applied
	// before those of the previous one are.
	Ready() <-chan Ready
	// Advance tells the node that the last Ready received was handled; the
	// next one, if there is work, is then already in the channel. It must
	// not be called with AsyncStorageWrites.
	Advance()
	// ApplyConfChange installs a committed configuration change and
	// returns the resulting configuration, to be recorded in snapshots.
	ApplyConfChange(cc pb.ConfChangeI) *pb.ConfState
	// TransferLeadership asks leader lead to hand over to transferee.
	TransferLeadership(ctx context.Context, lead, transferee uint64)
	// ForgetLeader makes a follower forget its leader without campaigning.
	ForgetLeader(ctx context.Context) error
	// ReadIndex requests a read index; the answer arrives as a ReadState
	// carrying rctx.
	ReadIndex(ctx context.Context, rctx []byte) error
	// Status returns the node's current status.
	Status() Status
	// ReportUnreachable reports that the last message to id failed.
	ReportUnreachable(id uint64)
	// ReportSnapshot reports how sending a snapshot to id went.
	ReportSnapshot(id uint64, status SnapshotStatus)
	// Stop stops the node. Once it returns, the node's goroutine (if any)
	// has exited, no Ready is left in the channel, and every method
	// returns ErrStopped or a zero value at once.
	Stop()
}

// StartNode starts a node for a new group with the given initial voters,
// which are appended to its log as conf changes. It panics on an invalid
// Config, as v3.6 does.
func StartNode(c *Config, peers []Peer) Node {
	rn, err := NewRawNode(c)
	if err != nil {
		panic(err)
	}
	if err := rn.Bootstrap(peers); err != nil {
		rn.raft.logger.Warningf("error occurred during starting a new node: %v", err)
	}
	return startNode(rn)
}

// RestartNode starts a node from what its Storage holds. It panics on an
// invalid Config or unreadable Storage, as v3.6 does.
func RestartNode(c *Config) Node {
	rn, err := NewRawNode(c)
	if err != nil {
		panic(err)
	}
	return startNode(rn)
}

// node is the Node. A Ready is built by whichever call leaves work behind
// (publishLocked) and put into readyc, whose one slot is empty whenever
// a Ready may be built: the application receives it without waiting for
// another goroutine to be scheduled. See "Node" in
// docs/design/raft-core.md.
type node struct {
	mu sync.Mutex // guards everything below but the channels
	rn *RawNode
	// unadvanced: a synchronous Ready was built and not yet advanced, so
	// no other may be built.
	unadvanced bool
	// held: with AsyncStorageWrites, pump holds a built Ready it is
	// waiting to put into the full readyc; nothing else may be sent.
	held    bool
	stopped bool
	// leaderc is closed when proposals can be stepped again; nil unless
	// a proposer waits.
	leaderc chan struct{}
	// heldHook, if set (by tests), runs in pump between releasing mu with
	// a held Ready and sending it: the window that held protects.
	heldHook func()

	readyc chan Ready    // capacity 1; sent to only under mu or by pump while held
	wakec  chan struct{} // capacity 1; tells pump there is work; nil without pump
	stopc  chan struct{} // closed by Stop
	done   chan struct{} // closed when pump exits; nil without pump
}

func startNode(rn *RawNode) *node {
	n := &node{
		rn:     rn,
		readyc: make(chan Ready, 1),
		stopc:  make(chan struct{}),
	}
	if rn.asyncStorageWrites {
		n.wakec = make(chan struct{}, 1)
		n.done = make(chan struct{})
		go n.pump()
	}
	n.mu.Lock()
	n.publishLocked() // a bootstrapped or restarted node has work already
	n.mu.Unlock()
	return n
}

// canPropose reports whether a proposal can be stepped: with no leader
// known, or this node removed, it could only be dropped, so proposers
// wait instead.
func (n *node) canPropose() bool {
	r := n.rn.raft
	return r.lead != None && r.isMember(r.id)
}

// publishLocked runs after every change to the RawNode: it wakes waiting
// proposers if they may go on, and hands out the next Ready if one may be
// built.
func (n *node) publishLocked() {
	if n.leaderc != nil && n.canPropose() {
		close(n.leaderc)
		n.leaderc = nil
	}
	if n.unadvanced || n.held || !n.rn.HasReady() {
		return
	}
	if len(n.readyc) > 0 {
		// Only with AsyncStorageWrites: the last Ready was accepted when
		// it was built, and the application has not taken it yet. pump
		// hands out the next one once it has, even if no call comes.
		select {
		case n.wakec <- struct{}{}:
		default: // already woken
		}
		return
	}
	n.readyc <- n.rn.Ready() // the slot is empty and only mu's holder sends
	n.unadvanced = !n.rn.asyncStorageWrites
}

// pump runs with AsyncStorageWrites, where no Advance tells the node that
// the application took a Ready: woken when work was left behind a full
// channel, it builds the next Ready and blocks until the channel takes
// it. Building first is what v3.6 does too: the Ready is accepted then,
// and later input waits for the next one.
func (n *node) pump() {
	defer close(n.done)
	for {
		select {
		case <-n.wakec:
		case <-n.stopc:
			return
		}
		n.mu.Lock()
		if !n.rn.HasReady() {
			// The application took the last Ready before this wake-up,
			// and a call built the next one.
			n.mu.Unlock()
			continue
		}
		rd := n.rn.Ready()
		n.held = true
		hook := n.heldHook
		n.mu.Unlock()
		if hook != nil {
			hook()
		}
		select {
		case n.readyc <- rd:
		case <-n.stopc:
			return
		}
		n.mu.Lock()
		n.held = false
		n.publishLocked()
		n.mu.Unlock()
	}
}

// lock takes mu unless the node has stopped.
func (n *node) lock() bool {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return false
	}
	return true
}

// unlock hands out what the caller's change produced, then releases mu.
func (n *node) unlock() {
	n.publishLocked()
	n.mu.Unlock()
}

// abandonIfHeld runs deferred by every call that runs raft under mu, with
// held cleared once the call released mu. Raft panics on a broken
// invariant or a failed Storage; the panic goes on to the caller, but the
// node stops first and lets go of mu, so that an application recovering
// from it (net/http does, for one) gets ErrStopped from later calls
// instead of blocking on mu for ever. With v3.6 the panic ended the process
// from the node's goroutine.
func (n *node) abandonIfHeld(held *bool) {
	if !*held {
		return
	}
	if !n.stopped {
		n.stopped = true
		close(n.stopc)
	}
	n.mu.Unlock()
}

// stepLocal steps a message from a peer or a local request; responses
// from nodes outside the configuration are dropped.
func (n *node) stepLocal(m *pb.Message) error {
	if !n.lock() {
		return ErrStopped
	}
	held := true
	defer n.abandonIfHeld(&held)
	r := n.rn.raft
	if IsResponseMsg(m.Type) && !IsLocalMsgTarget(m.From) && !r.isMember(m.From) {
		held = false
		n.mu.Unlock() // nothing changed
		return nil
	}
	if err := r.stepMsg(m); err != nil {
		r.logger.Debugf("%x dropped %s from %x: %v", r.id, m.Type, m.From, err)
	}
	n.unlock()
	held = false
	return nil
}

// propose steps data as one normal entry, or else m, once proposals can
// be stepped. stepErr is the result of stepping; err says why it was not
// stepped.
func (n *node) propose(ctx context.Context, data []byte, m *pb.Message) (stepErr, err error) {
	for {
		var wait chan struct{}
		var stepped bool
		wait, stepped, stepErr, err = n.tryPropose(data, m)
		if stepped || err != nil {
			return stepErr, err
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-n.stopc:
			return nil, ErrStopped
		}
	}
}

// tryPropose steps the proposal if proposals can be stepped now; if not,
// it returns a channel closed once they can.
func (n *node) tryPropose(data []byte, m *pb.Message) (wait chan struct{}, stepped bool, stepErr, err error) {
	if !n.lock() {
		return nil, false, nil, ErrStopped
	}
	held := true
	defer n.abandonIfHeld(&held)
	if !n.canPropose() {
		if n.leaderc == nil {
			n.leaderc = make(chan struct{})
		}
		wait = n.leaderc
		held = false
		n.mu.Unlock()
		return wait, false, nil, nil
	}
	if m == nil {
		stepErr = n.rn.Propose(data)
	} else {
		m.From = n.rn.raft.id
		stepErr = n.rn.raft.stepMsg(m)
	}
	n.unlock()
	held = false
	return nil, true, stepErr, nil
}

func (n *node) Tick() {
	if !n.lock() {
		return
	}
	held := true
	defer n.abandonIfHeld(&held)
	n.rn.Tick()
	n.unlock()
	held = false
}

func (n *node) Campaign(context.Context) error {
	return n.stepLocal(&pb.Message{Type: pb.MsgHup})
}

func (n *node) Propose(ctx context.Context, data []byte) error {
	stepErr, err := n.propose(ctx, data, nil)
	if err != nil {
		return err
	}
	return stepErr
}

func (n *node) ProposeConfChange(ctx context.Context, cc pb.ConfChangeI) error {
	typ, data, err := pb.MarshalConfChange(cc)
	if err != nil {
		return err
	}
	return n.Step(ctx, pb.Message{Type: pb.MsgProp, Entries: []pb.Entry{{Type: typ, Data: data}}})
}

func (n *node) Step(ctx context.Context, m pb.Message) error {
	if IsLocalMsg(m.Type) && !IsLocalMsgTarget(m.From) {
		return nil // a peer cannot send local messages
	}
	if m.Type == pb.MsgProp {
		// As in v3.6, only Propose reports a dropped proposal.
		_, err := n.propose(ctx, nil, &m)
		return err
	}
	return n.stepLocal(&m)
}

func (n *node) Ready() <-chan Ready { return n.readyc }

func (n *node) Advance() {
	if !n.lock() {
		return
	}
	if n.rn.asyncStorageWrites {
		n.mu.Unlock()
		n.rn.raft.logger.Panicf("raft: Node.Advance must not be called when using AsyncStorageWrites; step the storage messages' responses instead")
		return
	}
	if !n.unadvanced || len(n.readyc) > 0 {
		// No Ready was received since the last Advance: nothing to
		// acknowledge.
		n.mu.Unlock()
		return
	}
	held := true
	defer n.abandonIfHeld(&held)
	n.rn.Advance(Ready{})
	n.unadvanced = false
	n.unlock()
	held = false
}

func (n *node) ApplyConfChange(cc pb.ConfChangeI) *pb.ConfState {
	if !n.lock() {
		return &pb.ConfState{}
	}
	held := true
	defer n.abandonIfHeld(&held)
	cs := n.rn.raft.applyConfChange(cc.AsV2())
	n.unlock()
	held = false
	return &cs
}

func (n *node) TransferLeadership(_ context.Context, lead, transferee uint64) {
	_ = n.stepLocal(&pb.Message{Type: pb.MsgTransferLeader, From: transferee, To: lead})
}

func (n *node) ForgetLeader(context.Context) error {
	return n.stepLocal(&pb.Message{Type: pb.MsgForgetLeader})
}

func (n *node) ReadIndex(_ context.Context, rctx []byte) error {
	return n.stepLocal(&pb.Message{Type: pb.MsgReadIndex, Entries: []pb.Entry{{Data: rctx}}})
}

func (n *node) Status() Status {
	if !n.lock() {
		return Status{}
	}
	st := getStatus(n.rn.raft)
	n.mu.Unlock()
	return st
}

func (n *node) ReportUnreachable(id uint64) {
	_ = n.stepLocal(&pb.Message{Type: pb.MsgUnreachable, From: id})
}

func (n *node) ReportSnapshot(id uint64, status SnapshotStatus) {
	_ = n.stepLocal(&pb.Message{Type: pb.MsgSnapStatus, From: id, Reject: status == SnapshotFailure})
}

// Stop stops the node and waits for its goroutine to exit. Calling it
// again is harmless.
func (n *node) Stop() {
	n.mu.Lock()
	if !n.stopped {
		n.stopped = true
		close(n.stopc)
	}
	n.mu.Unlock()
	if n.done != nil {
		<-n.done
	}
	// Nothing sends any more: drop a Ready the application did not take,
	// so that none is received after Stop, as with v3.6.
	select {
	case <-n.readyc:
	default:
	}
}
