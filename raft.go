package raft

import (
	"errors"
	"fmt"
	"math/rand/v2"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// raft is the state machine of one node. It is driven by step and tick and
// is not safe for concurrent use. Its outputs are the messages in msgs and
// msgsAfterAppend, the log's unstable part and committed entries, and
// readStates; RawNode turns them into Ready.
//
// Each role's handling of a message lives with its concern: elections in
// election.go, the leader's replication in replication.go, the follower's
// in append.go, reads in read.go, membership in membership.go, leader
// transfer in transfer.go, storage acknowledgements in durability.go.
type raft struct {
	// The fields an idle leader's Tick and Ready read come first, so that
	// with thousands of groups per process a tick touches few cache lines.
	state            StateType
	electionElapsed  int
	heartbeatElapsed int
	id               uint64
	term             uint64
	vote             uint64
	lead             uint64
	lease            leaseState
	cfg              nodeConfig
	// raftLog is inline: one allocation for the node and its log (see
	// TestRaftStructSize).
	raftLog raftLog

	// msgs may be sent at once. msgsAfterAppend may be sent only once the
	// log and hard state as of now are durable: acknowledgements and votes.
	msgs            []pb.Message
	msgsAfterAppend []pb.Message
	// peers holds trk.Progress's entries by ascending id, rebuilt whenever
	// the configuration changes, nil on a follower; see peers.go.
	peers      []peerProgress
	readStates []ReadState

	// trk is the configuration and a Progress per peer, nil on a
	// follower, which keeps only conf, its configuration in compact form;
	// exactly one of the two is set (see peers.go).
	trk  *tracker.ProgressTracker
	conf *compactConf
	// reads is nil until this node leads and serves a ReadIndex request,
	// and again from the next term on (reset).
	reads *readIndexQueue

	// leadTransferee is the node a leadership transfer is handing over to.
	leadTransferee uint64
	// pendingConfIndex is the index of the latest conf change in the log;
	// another may be proposed only once it is applied.
	pendingConfIndex uint64
	// uncommittedSize is the payload size of the leader's uncommitted
	// entries, bounded by cfg.MaxUncommittedEntriesSize.
	uncommittedSize uint64

	randomizedElectionTimeout int
	// rng draws election timeouts. Kept inline, not behind a *rand.Rand:
	// two fewer objects per node (see resetRandomizedElectionTimeout).
	rng    rand.PCG
	logger Logger
}

// newRaft builds a node from a Config that validate accepted.
func newRaft(c *Config) (*raft, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	cfg := c.withDefaults()
	rlog, err := newLog(cfg.Storage, cfg.Logger, entryEncodingSize(cfg.MaxCommittedSizePerReady))
	if err != nil {
		return nil, err
	}
	hs, cs, err := cfg.Storage.InitialState()
	if err != nil {
		return nil, fmt.Errorf("reading the initial state: %w", err)
	}
	r := &raft{
		id:      cfg.ID,
		raftLog: *rlog,
		rng:     *rand.NewPCG(cfg.RandSeed, cfg.RandSeed^0x5bd1e995),
		cfg:     cfg.nodeConfig(),
		logger:  cfg.Logger,
	}
	conf, prs, err := r.restoreConfig(cs, r.raftLog.lastIndex())
	if err != nil {
		return nil, fmt.Errorf("restoring the configuration %s: %w", cs.String(), err)
	}
	r.switchToConfig(conf, prs)
	// An empty hard state means none was persisted yet (a storage
	// bootstrapped by a snapshot alone): the commit index stays at the
	// snapshot's, below which everything is committed.
	if !IsEmptyHardState(hs) {
		if err := r.loadHardState(hs); err != nil {
			return nil, err
		}
	}
	if cfg.Applied > 0 {
		if cfg.Applied > r.raftLog.committed {
			return nil, fmt.Errorf("config's applied index %d is past the commit index %d", cfg.Applied, r.raftLog.committed)
		}
		r.raftLog.restoreApplied(cfg.Applied)
	}
	r.becomeFollower(r.term, None)
	// It may have heard a leader just before it stopped (lease.go).
	r.holdVotes()
	r.logger.Infof("newRaft %x [peers: %v, term: %d, commit: %d, applied: %d, lastindex: %d, lastterm: %d]",
		r.id, r.voterNodes(), r.term, r.raftLog.committed, r.raftLog.applied,
		r.raftLog.lastIndex(), r.raftLog.lastEntryID().term)
	return r, nil
}

// loadHardState installs a persisted hard state; its commit index must not
// be past the persisted log.
func (r *raft) loadHardState(hs pb.HardState) error {
	if hs.Commit > r.raftLog.lastIndex() {
		return fmt.Errorf("hard state commit %d is past the last index %d", hs.Commit, r.raftLog.lastIndex())
	}
	// A commit index below the snapshot's is stale, not wrong: with
	// AsyncStorageWrites entries may be applied, and a snapshot taken of
	// them, before the write carrying their commit index is durable. A
	// snapshot holds only committed entries, so the log stays committed up
	// to it (v3.6 panics here).
	r.raftLog.committed = max(hs.Commit, r.raftLog.committed)
	r.term = hs.Term
	r.vote = hs.Vote
	return nil
}

func (r *raft) hardState() pb.HardState {
	return pb.HardState{Term: r.term, Vote: r.vote, Commit: r.raftLog.committed}
}

func (r *raft) softState() SoftState { return SoftState{Lead: r.lead, RaftState: r.state} }

// send queues a copy of m, stamping From and the term in m first. Vote
// messages carry their own term (a pre-vote is asked and answered in the
// future term), and forwarded proposals and reads keep Term 0, as local
// requests have. Acknowledgements and vote responses wait for the next
// durable write. m is taken by pointer so that the 160-byte message is
// copied once, into the queue, rather than also into send's frame.
func (r *raft) send(m *pb.Message) {
	if m.From == None {
		m.From = r.id
	}
	switch m.Type {
	case pb.MsgVote, pb.MsgVoteResp, pb.MsgPreVote, pb.MsgPreVoteResp:
		if m.Term == 0 {
			r.logger.Panicf("raft: vote message %s must carry a term", m.Type)
		}
	case pb.MsgProp, pb.MsgReadIndex:
		m.Term = 0
	default:
		m.Term = r.term
	}
	switch m.Type {
	case pb.MsgAppResp, pb.MsgVoteResp, pb.MsgPreVoteResp:
		r.msgsAfterAppend = append(r.msgsAfterAppend, *m)
	default:
		*r.queueMsg() = *m
	}
}

// queueMsg appends a zero message to r.msgs and returns it to be filled in
// place, so that a broadcast writes each 160-byte message once rather than
// building it and copying it in.
func (r *raft) queueMsg() *pb.Message {
	if r.msgs == nil {
		// Sized for a broadcast to every other peer: one allocation per
		// Ready, not one per growth step. The slice goes to the
		// application in Ready, so it is reused only under
		// Config.ReuseReadyBuffers (see readyBuffers).
		r.msgs = make([]pb.Message, 0, max(len(r.peers)-1, 1))
	}
	r.msgs = append(r.msgs, pb.Message{})
	return &r.msgs[len(r.msgs)-1]
}

// reset moves to term, clearing everything that belongs to a term.
func (r *raft) reset(term uint64) {
	if r.term != term {
		r.term = term
		r.vote = None
	}
	r.lead = None
	r.electionElapsed = 0
	r.heartbeatElapsed = 0
	r.resetRandomizedElectionTimeout()
	r.abortLeaderTransfer()
	if r.trk != nil && len(r.trk.Votes) > 0 {
		r.trk.Votes = nil // RecordVote makes a new map when needed
	}
	last := r.raftLog.lastIndex()
	for _, p := range r.peers {
		// Only a leader sends appends, so only becomeLeader gives peers
		// an Inflights window; a follower's 64 bytes per peer are freed.
		*p.pr = tracker.Progress{Match: 0, Next: last + 1, IsLearner: p.pr.IsLearner}
		if p.id == r.id {
			p.pr.Match = r.raftLog.unstable.prev.index // what is durable
		}
	}
	r.pendingConfIndex = 0
	r.uncommittedSize = 0
	// Reads belong to a leader's term, and heartbeat responses of earlier
	// terms are dropped by term, so a new term numbers reads afresh: the
	// read queue and the lease part (each made on first use) go, and a
	// node that led holds neither once it follows.
	r.reads, r.lease.held = nil, nil
}

func (r *raft) resetRandomizedElectionTimeout() {
	// The Rand wrapper stays on the stack; it draws what a *rand.Rand
	// over the same source would, so timeouts are unchanged.
	r.randomizedElectionTimeout = r.cfg.ElectionTick + rand.New(&r.rng).IntN(r.cfg.ElectionTick)
}

func (r *raft) pastElectionTimeout() bool {
	return r.electionElapsed >= r.randomizedElectionTimeout
}

func (r *raft) becomeFollower(term, lead uint64) {
	r.reset(term)
	r.dropTracker()
	r.lead = lead
	r.state = StateFollower
	r.logger.Infof("%x became follower at term %d", r.id, r.term)
}

// tick advances the logical clock by one tick.
func (r *raft) tick() {
	r.lease.ticks++
	r.raftLog.unstable.releaseDrained()
	if r.state == StateLeader {
		r.tickHeartbeat()
	} else {
		r.tickElection()
	}
}

// errMalformed wraps every rejection of a malformed peer message.
var errMalformed = errors.New("raft: malformed message")

// step is the entry point for every message, from a peer or local. A
// malformed message is rejected with an error and changes nothing.
func (r *raft) step(m pb.Message) error { return r.stepMsg(&m) }

// stepMsg is step for a message the caller lets it read and modify in
// place. Handlers take messages by pointer: a pb.Message is 160 bytes, and
// copying it at every call on the way down was the leader round's largest
// cost. Nothing keeps the pointer; what must outlive the call is copied.
func (r *raft) stepMsg(m *pb.Message) error {
	if err := r.checkMessage(m); err != nil {
		return err
	}
	if !r.stepTerm(m) {
		return nil
	}
	switch m.Type {
	case pb.MsgHup:
		r.hup(r.electionCampaignType())
	case pb.MsgVote, pb.MsgPreVote:
		r.handleVoteRequest(m)
	case pb.MsgStorageAppendResp:
		r.handleStorageAppendResp(m)
	case pb.MsgStorageApplyResp:
		r.handleStorageApplyResp(m)
	default:
		switch r.state {
		case StateLeader:
			return r.stepLeader(m)
		case StateFollower:
			return r.stepFollower(m)
		default:
			return r.stepCandidate(m)
		}
	}
	return nil
}

// stepTerm applies the term rules to m and reports whether it should be
// handled further.
func (r *raft) stepTerm(m *pb.Message) bool {
	switch {
	case m.Term == 0:
		return true // a local message or forwarded request
	case m.Term > r.term:
		return r.stepHigherTerm(m)
	case m.Term < r.term:
		r.stepLowerTerm(m)
		return false
	}
	return true
}

func (r *raft) stepHigherTerm(m *pb.Message) bool {
	if (m.Type == pb.MsgVote || m.Type == pb.MsgPreVote) && r.refusesVote(m) {
		r.logger.Infof("%x [term: %d] ignored %s from %x at term %d: lease is not expired",
			r.id, r.term, m.Type, m.From, m.Term)
		return false
	}
	switch {
	case m.Type == pb.MsgPreVote:
		// A pre-vote does not raise the term.
	case m.Type == pb.MsgPreVoteResp && !m.Reject:
		// The term is raised when the pre-vote wins, not by each grant.
	default:
		lead := None
		if m.Type == pb.MsgApp || m.Type == pb.MsgHeartbeat || m.Type == pb.MsgSnap {
			lead = m.From
		}
		r.becomeFollower(m.Term, lead)
	}
	return true
}

// inLease reports whether this node heard from a leader within the election
// timeout, with CheckQuorum; it then ignores vote requests.
func (r *raft) inLease() bool {
	return r.cfg.CheckQuorum && r.lead != None && r.electionElapsed < r.cfg.ElectionTick
}

func (r *raft) stepLowerTerm(m *pb.Message) {
	switch {
	case (r.cfg.CheckQuorum || r.cfg.PreVote) && (m.Type == pb.MsgHeartbeat || m.Type == pb.MsgApp):
		// A stale leader cut off by a partition would otherwise never learn
		// of the new term, and with CheckQuorum or PreVote this node would
		// never raise its term to disrupt it.
		r.msgs = append(r.msgs, pb.Message{To: m.From, From: r.id, Term: r.term, Type: pb.MsgAppResp})
	case m.Type == pb.MsgPreVote:
		// Tell the pre-candidate about the higher term, or it may never
		// find out with PreVote set.
		r.msgs = append(r.msgs, pb.Message{To: m.From, From: r.id, Term: r.term, Type: pb.MsgPreVoteResp, Reject: true})
	default:
		r.logger.Debugf("%x [term: %d] ignored %s from %x at lower term %d", r.id, r.term, m.Type, m.From, m.Term)
	}
}

// followLeader notes a message from the leader: the election timer and
// the lease's vote window restart.
func (r *raft) followLeader(lead uint64) {
	r.electionElapsed, r.lead = 0, lead
	r.holdVotes()
}

func (r *raft) stepFollower(m *pb.Message) error {
	switch m.Type {
	case pb.MsgApp:
		r.followLeader(m.From)
		r.handleAppendEntries(m)
	case pb.MsgHeartbeat:
		r.followLeader(m.From)
		r.handleHeartbeat(m)
	case pb.MsgSnap:
		r.followLeader(m.From)
		r.handleSnapshot(m)
	case pb.MsgProp:
		return r.forwardProposal(m)
	case pb.MsgTransferLeader:
		r.forwardToLeader(m)
	case pb.MsgTimeoutNow:
		r.handleTimeoutNow(*m)
	case pb.MsgReadIndex:
		r.forwardReadIndex(m)
	case pb.MsgReadIndexResp:
		r.handleReadIndexResp(m)
	case pb.MsgForgetLeader:
		r.forgetLeader()
	}
	return nil
}

func (r *raft) stepCandidate(m *pb.Message) error {
	switch m.Type {
	case pb.MsgProp:
		r.logger.Infof("%x no leader at term %d; dropping proposal", r.id, r.term)
		return ErrProposalDropped
	case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
		// A leader of this term exists: step down and handle it.
		r.becomeFollower(m.Term, m.From)
		return r.stepFollower(m)
	case pb.MsgVoteResp, pb.MsgPreVoteResp:
		r.handleVoteResponse(m)
	case pb.MsgTimeoutNow:
		r.logger.Debugf("%x [term %d state %v] ignored MsgTimeoutNow from %x", r.id, r.term, r.state, m.From)
	}
	return nil
}

func (r *raft) stepLeader(m *pb.Message) error {
	switch m.Type {
	case pb.MsgBeat:
		r.bcastHeartbeat()
	case pb.MsgCheckQuorum:
		r.checkQuorum()
	case pb.MsgProp:
		return r.handleProposal(m)
	case pb.MsgReadIndex:
		r.handleReadIndex(m)
	case pb.MsgForgetLeader:
		// Only followers forget.
	default:
		pr := r.trk.Progress[m.From]
		if pr == nil {
			r.logger.Debugf("%x no progress available for %x", r.id, m.From)
			return nil
		}
		r.stepLeaderFromPeer(m, pr)
	}
	return nil
}

// stepLeaderFromPeer handles the messages a leader gets about one follower.
func (r *raft) stepLeaderFromPeer(m *pb.Message, pr *tracker.Progress) {
	switch m.Type {
	case pb.MsgAppResp:
		// An append response echoes no send tick, so it cannot renew the
		// lease: its delay is unknown (lease.go).
		pr.RecentActive = true
		r.handleAppendResponse(m, pr)
	case pb.MsgHeartbeatResp:
		pr.RecentActive = true
		r.recordEcho(m)
		r.handleHeartbeatResponse(m, pr)
	case pb.MsgSnapStatus:
		r.handleSnapStatus(m, pr)
	case pb.MsgUnreachable:
		if pr.State == tracker.StateReplicate {
			pr.BecomeProbe()
		}
	case pb.MsgTransferLeader:
		r.handleTransferLeader(m, pr)
	}
}
