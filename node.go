package raft

import (
	"context"
	"errors"
	"sync"

	pb "github.com/tickraft/raft/raftpb"
)

// ErrStopped is what the methods of a Node return once it has stopped.
var ErrStopped = errors.New("raft: stopped")

// Node runs a RawNode on its own goroutine and talks to it over channels.
// It is the one place in package raft that owns a goroutine.
type Node interface {
	// Tick advances the logical clock by one tick. A tick that finds the
	// node busy for too long is dropped, with a warning.
	Tick()
	// Campaign makes the node campaign to become leader.
	Campaign(ctx context.Context) error
	// Propose proposes data to be appended to the log. A proposal may be
	// lost without notice; the application retries.
	Propose(ctx context.Context, data []byte) error
	// ProposeConfChange proposes a configuration change, ConfChange or
	// ConfChangeV2. It may be dropped, in particular while an earlier
	// change is not applied.
	ProposeConfChange(ctx context.Context, cc pb.ConfChangeI) error
	// Step feeds a message from a peer into the node. Local message types
	// are ignored.
	Step(ctx context.Context, msg pb.Message) error
	// Ready returns the channel on which the node delivers its work. After
	// each Ready the application calls Advance (unless AsyncStorageWrites
	// is set). No committed entries from the next Ready may be applied
	// before those of the previous one are.
	Ready() <-chan Ready
	// Advance tells the node that the last Ready was handled. It must not
	// be called with AsyncStorageWrites.
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
	// Stop stops the node and returns once its goroutine has exited.
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

type proposal struct {
	m pb.Message
	// data, with isData, is a proposal of one normal entry: the node's
	// goroutine builds the entry in RawNode's scratch space (see
	// RawNode.Propose), which saves allocating an entry slice per call.
	data   []byte
	isData bool
	result chan error // nil if the caller does not wait
}

type node struct {
	rn *RawNode

	propc      chan proposal
	recvc      chan pb.Message
	confc      chan pb.ConfChangeV2
	confstatec chan pb.ConfState
	readyc     chan Ready
	advancec   chan struct{}
	tickc      chan struct{}
	statusc    chan chan Status
	stopc      chan struct{}
	done       chan struct{}

	// results recycles the channels on which waiting proposers receive
	// their result; a channel whose proposer gave up is not returned.
	results sync.Pool
}

// tickBuffer is how many ticks may wait while the node is busy.
const tickBuffer = 128

func startNode(rn *RawNode) *node {
	n := &node{
		rn:         rn,
		propc:      make(chan proposal),
		recvc:      make(chan pb.Message),
		confc:      make(chan pb.ConfChangeV2),
		confstatec: make(chan pb.ConfState),
		readyc:     make(chan Ready),
		advancec:   make(chan struct{}),
		tickc:      make(chan struct{}, tickBuffer),
		statusc:    make(chan chan Status),
		stopc:      make(chan struct{}),
		done:       make(chan struct{}),
	}
	go n.run()
	return n
}

// run is the node's goroutine: it owns the RawNode.
func (n *node) run() {
	defer close(n.done)
	var (
		readyc   chan Ready
		advancec chan struct{}
		rd       Ready
	)
	r := n.rn.raft
	for {
		if readyc == nil && advancec == nil && n.rn.HasReady() {
			rd = n.rn.Ready()
			readyc = n.readyc
		}
		// Proposals wait while no leader is known, or this node was
		// removed: they could only be dropped.
		var propc chan proposal
		if r.lead != None && r.isMember(r.id) {
			propc = n.propc
		}
		select {
		case p := <-propc:
			var err error
			if p.isData {
				err = n.rn.Propose(p.data)
			} else {
				p.m.From = r.id
				err = r.stepMsg(&p.m)
			}
			if p.result != nil {
				p.result <- err
			}
		case m := <-n.recvc:
			n.stepFromRecv(m)
		case cc := <-n.confc:
			cs := r.applyConfChange(cc)
			select {
			case n.confstatec <- cs:
			case <-n.stopc:
				return
			}
		case <-n.tickc:
			n.rn.Tick()
		case readyc <- rd:
			readyc = nil
			if n.rn.asyncStorageWrites {
				rd = Ready{}
			} else {
				advancec = n.advancec
			}
		case <-advancec:
			n.rn.Advance(rd)
			rd, advancec = Ready{}, nil
		case c := <-n.statusc:
			c <- getStatus(r)
		case <-n.stopc:
			return
		}
	}
}

// stepFromRecv steps a message from a peer or a local request; responses
// from nodes outside the configuration are dropped.
func (n *node) stepFromRecv(m pb.Message) {
	r := n.rn.raft
	if IsResponseMsg(m.Type) && !IsLocalMsgTarget(m.From) && !r.isMember(m.From) {
		return
	}
	if err := r.stepMsg(&m); err != nil {
		r.logger.Debugf("%x dropped %s from %x: %v", r.id, m.Type, m.From, err)
	}
}

func (n *node) Tick() {
	select {
	case n.tickc <- struct{}{}:
	case <-n.done:
	default:
		n.rn.raft.logger.Warningf("%x A tick missed to fire. Node blocks too long!", n.rn.raft.id)
	}
}

func (n *node) Campaign(ctx context.Context) error { return n.send(ctx, pb.Message{Type: pb.MsgHup}) }

func (n *node) Propose(ctx context.Context, data []byte) error {
	return n.propose(ctx, proposal{data: data, isData: true}, true)
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
	return n.send(ctx, m)
}

// send hands a message to the node's goroutine without waiting for it to
// be stepped.
func (n *node) send(ctx context.Context, m pb.Message) error {
	if m.Type == pb.MsgProp {
		return n.propose(ctx, proposal{m: m}, false)
	}
	select {
	case n.recvc <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

// propose hands a proposal to the node's goroutine and, with wait, returns
// the result of stepping it.
func (n *node) propose(ctx context.Context, p proposal, wait bool) error {
	if wait {
		c, ok := n.results.Get().(chan error)
		if !ok {
			c = make(chan error, 1)
		}
		p.result = c
	}
	select {
	case n.propc <- p:
	case <-ctx.Done():
		n.recycleResult(p.result) // never sent: nothing will be written
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
	if !wait {
		return nil
	}
	select {
	case err := <-p.result:
		n.recycleResult(p.result)
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

// recycleResult returns an empty result channel for reuse.
func (n *node) recycleResult(c chan error) {
	if c != nil {
		n.results.Put(c)
	}
}

func (n *node) Ready() <-chan Ready { return n.readyc }

func (n *node) Advance() {
	select {
	case n.advancec <- struct{}{}:
	case <-n.done:
	}
}

func (n *node) ApplyConfChange(cc pb.ConfChangeI) *pb.ConfState {
	var cs pb.ConfState
	select {
	case n.confc <- cc.AsV2():
	case <-n.done:
		return &cs
	}
	select {
	case cs = <-n.confstatec:
	case <-n.done:
	}
	return &cs
}

func (n *node) TransferLeadership(ctx context.Context, lead, transferee uint64) {
	select {
	case n.recvc <- pb.Message{Type: pb.MsgTransferLeader, From: transferee, To: lead}:
	case <-n.done:
	case <-ctx.Done():
	}
}

func (n *node) ForgetLeader(ctx context.Context) error {
	return n.send(ctx, pb.Message{Type: pb.MsgForgetLeader})
}

func (n *node) ReadIndex(ctx context.Context, rctx []byte) error {
	return n.send(ctx, pb.Message{Type: pb.MsgReadIndex, Entries: []pb.Entry{{Data: rctx}}})
}

func (n *node) Status() Status {
	c := make(chan Status)
	select {
	case n.statusc <- c:
		return <-c
	case <-n.done:
		return Status{}
	}
}

func (n *node) ReportUnreachable(id uint64) {
	select {
	case n.recvc <- pb.Message{Type: pb.MsgUnreachable, From: id}:
	case <-n.done:
	}
}

func (n *node) ReportSnapshot(id uint64, status SnapshotStatus) {
	select {
	case n.recvc <- pb.Message{Type: pb.MsgSnapStatus, From: id, Reject: status == SnapshotFailure}:
	case <-n.done:
	}
}

// Stop stops the node's goroutine and waits for it to exit. Calling it
// again is harmless.
func (n *node) Stop() {
	select {
	case n.stopc <- struct{}{}:
	case <-n.done:
		return
	}
	<-n.done
}
