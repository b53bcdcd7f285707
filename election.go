package raft

import (
	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// tickElection is the clock of followers and candidates: past the
// randomized election timeout, a promotable node campaigns.
func (r *raft) tickElection() {
	r.electionElapsed++
	if r.promotable() && r.pastElectionTimeout() {
		r.electionElapsed = 0
		r.hup(r.electionCampaignType())
	}
}

// tickHeartbeat is the leader's clock: heartbeats, and once per election
// timeout the quorum check and the end of a stuck leader transfer.
func (r *raft) tickHeartbeat() {
	r.heartbeatElapsed++
	r.electionElapsed++
	if r.electionElapsed >= r.cfg.ElectionTick {
		r.electionElapsed = 0
		if r.cfg.CheckQuorum {
			r.checkQuorum()
		}
		if r.state == StateLeader && r.leadTransferee != None {
			r.logger.Infof("%x aborts the transfer to %x: it did not take over within an election timeout", r.id, r.leadTransferee)
			r.abortLeaderTransfer()
		}
	}
	if r.state != StateLeader {
		return
	}
	if r.heartbeatElapsed >= r.cfg.HeartbeatTick {
		r.heartbeatElapsed = 0
		r.bcastHeartbeat()
	}
}

// checkQuorum makes the leader step down unless a quorum was active within
// the last election timeout.
func (r *raft) checkQuorum() {
	if !r.trk.QuorumActive() {
		r.logger.Warningf("%x stepped down to follower since quorum is not active", r.id)
		r.becomeFollower(r.term, None)
	}
	// Activity is counted afresh for the next period.
	for _, p := range r.peers {
		if p.id != r.id {
			p.pr.RecentActive = false
		}
	}
}

func (r *raft) electionCampaignType() CampaignType {
	if r.cfg.PreVote {
		return campaignPreElection
	}
	return campaignElection
}

// promotable reports whether this node may become leader: it is a voter of
// the current configuration and its log is not behind a pending snapshot.
func (r *raft) promotable() bool {
	return r.isVoter(r.id) && !r.raftLog.hasNextOrInProgressSnapshot()
}

// hup starts a campaign of type t if this node may campaign now. No
// campaign of any kind starts while a committed conf change is unapplied:
// the node might campaign under a configuration that is about to change.
func (r *raft) hup(t CampaignType) {
	if r.state == StateLeader {
		r.logger.Debugf("%x ignoring MsgHup because already leader", r.id)
		return
	}
	if !r.promotable() {
		r.logger.Warningf("%x is unpromotable and can not campaign", r.id)
		return
	}
	if r.hasUnappliedConfChanges() {
		r.logger.Warningf("%x cannot campaign at term %d since there are still pending configuration changes to apply", r.id, r.term)
		return
	}
	r.logger.Infof("%x is starting a new election at term %d", r.id, r.term)
	r.campaign(t)
}

// campaign becomes a (pre-)candidate and requests votes. A pre-candidate
// counts its own pre-vote at once: nothing is persisted for it. A
// candidate's own vote is part of the hard state it has just changed, so it
// sends that vote to itself as a response that waits for the write
// (msgsAfterAppend): counting it earlier would let the candidate win, crash
// before the vote is durable, and vote for another candidate in the same
// term after restarting.
func (r *raft) campaign(t CampaignType) {
	var term uint64
	var voteMsg pb.MessageType
	if t == campaignPreElection {
		r.becomePreCandidate()
		voteMsg = pb.MsgPreVote
		term = r.term + 1 // the term the election would be held in
		if r.recordAndTally(r.id, true) == quorum.VoteWon {
			r.campaign(campaignElection)
			return
		}
	} else {
		r.becomeCandidate()
		voteMsg = pb.MsgVote
		term = r.term
		r.send(&pb.Message{To: r.id, Term: term, Type: pb.MsgVoteResp})
	}
	last := r.raftLog.lastEntryID()
	var ctx []byte
	if t == campaignTransfer {
		ctx = []byte(t)
	}
	for _, id := range r.trk.VoterNodes() {
		if id == r.id {
			continue
		}
		r.send(&pb.Message{To: id, Term: term, Type: voteMsg, Index: last.index, LogTerm: last.term, Context: ctx})
	}
}

func (r *raft) recordAndTally(id uint64, granted bool) quorum.VoteResult {
	r.trk.RecordVote(id, granted)
	_, _, res := r.trk.TallyVotes()
	return res
}

func (r *raft) becomeCandidate() {
	if r.state == StateLeader {
		r.logger.Panicf("raft: a leader must not become a candidate directly")
	}
	r.reset(r.term + 1)
	r.holdTracker()
	r.vote = r.id
	r.state = StateCandidate
	r.logger.Infof("%x became candidate at term %d", r.id, r.term)
}

// becomePreCandidate keeps the term and vote: a pre-election changes no
// persistent state.
func (r *raft) becomePreCandidate() {
	if r.state == StateLeader {
		r.logger.Panicf("raft: a leader must not become a pre-candidate directly")
	}
	r.holdTracker()
	r.trk.ResetVotes()
	r.lead = None
	r.state = StatePreCandidate
	r.logger.Infof("%x became pre-candidate at term %d", r.id, r.term)
}

// becomeLeader takes over the log under its term and appends an empty entry:
// committing it commits everything before it (Figure 8: only entries of the
// leader's own term are committed by counting).
func (r *raft) becomeLeader() {
	if r.state == StateFollower {
		r.logger.Panicf("raft: a follower must not become leader directly")
	}
	r.reset(r.term)
	r.holdTracker()
	r.lead = r.id
	r.state = StateLeader
	r.openInflights()
	r.raftLog.unstable.setTerm(r.term)
	pr := r.trk.Progress[r.id]
	pr.BecomeReplicate()
	pr.RecentActive = true
	// The latest conf change may still be unapplied; be conservative.
	r.pendingConfIndex = r.raftLog.lastIndex()
	if !r.appendEntry(pb.Entry{Data: nil}) {
		r.logger.Panicf("raft: the empty entry of a new leader must be appended")
	}
	r.logger.Infof("%x became leader at term %d", r.id, r.term)
}

// refusesVote reports whether the (pre-)vote m for a higher term must be
// ignored: a transfer does not force it, and this node heard from a leader
// within the election timeout (v3.6, with CheckQuorum) or, with lease-based
// reads, may have (lease.go).
func (r *raft) refusesVote(m *pb.Message) bool {
	force := string(m.Context) == string(campaignTransfer)
	return (!force && r.inLease()) || r.leaseRefusesVote(m)
}

// handleVoteRequest answers a (pre-)vote. A vote is granted to a candidate
// whose log is at least as up to date, if this node has not voted for
// another in the term and, for a real vote, knows no leader. A pre-vote for
// a future term is granted on the log alone.
func (r *raft) handleVoteRequest(m *pb.Message) {
	// A term raised by a message from no leader (a delayed response) leaves
	// lead unset but the lease window open; repeating a vote already cast
	// grants nothing new.
	if !(m.Term == r.term && r.vote == m.From) && r.leaseRefusesVote(m) {
		r.logger.Infof("%x [term: %d] ignored %s from %x at term %d: lease is not expired",
			r.id, r.term, m.Type, m.From, m.Term)
		return
	}
	canVote := r.vote == m.From ||
		(r.vote == None && r.lead == None) ||
		(m.Type == pb.MsgPreVote && m.Term > r.term)
	resp := voteRespMsgType(m.Type)
	if canVote && r.raftLog.isUpToDate(entryID{term: m.LogTerm, index: m.Index}) {
		r.logger.Infof("%x [term: %d] cast %s for %x at term %d", r.id, r.term, m.Type, m.From, m.Term)
		// The response carries the request's term: for a pre-vote that is
		// a future term, and the pre-candidate counts only responses in it.
		r.send(&pb.Message{To: m.From, Term: m.Term, Type: resp})
		if m.Type == pb.MsgVote {
			r.electionElapsed = 0
			r.vote = m.From
		}
		return
	}
	r.logger.Infof("%x [term: %d] rejected %s from %x at term %d", r.id, r.term, m.Type, m.From, m.Term)
	r.send(&pb.Message{To: m.From, Term: r.term, Type: resp, Reject: true})
}

// handleVoteResponse counts a vote for the current campaign.
func (r *raft) handleVoteResponse(m *pb.Message) {
	want := pb.MsgVoteResp
	if r.state == StatePreCandidate {
		want = pb.MsgPreVoteResp
	}
	if m.Type != want {
		return
	}
	granted, rejected, res := r.tallyWith(m.From, !m.Reject)
	r.logger.Infof("%x has received %d %s votes and %d vote rejections", r.id, granted, m.Type, rejected)
	switch res {
	case quorum.VoteWon:
		if r.state == StatePreCandidate {
			r.campaign(campaignElection)
		} else {
			r.becomeLeader()
			r.bcastAppend()
		}
	case quorum.VoteLost:
		// Stay in the term; a pre-candidate never left it.
		r.becomeFollower(r.term, None)
	}
}

func (r *raft) tallyWith(id uint64, granted bool) (int, int, quorum.VoteResult) {
	r.trk.RecordVote(id, granted)
	return r.trk.TallyVotes()
}
