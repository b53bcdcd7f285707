package raft

import (
	"slices"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// handleTransferLeader starts handing leadership to m.From. Proposals are
// refused meanwhile so that the transferee can catch up; once its log
// matches ours it is told to campaign at once (MsgTimeoutNow). The transfer
// is abandoned after an election timeout (tickHeartbeat).
func (r *raft) handleTransferLeader(m *pb.Message, pr *tracker.Progress) {
	if pr.IsLearner {
		r.logger.Debugf("%x is learner. Ignored transferring leadership", m.From)
		return
	}
	transferee := m.From
	if last := r.leadTransferee; last != None {
		if last == transferee {
			r.logger.Infof("%x [term %d] transfer leadership to %x is in progress, ignores request to same node", r.id, r.term, transferee)
			return
		}
		r.abortLeaderTransfer()
	}
	if transferee == r.id {
		r.logger.Debugf("%x is already leader. Ignored transferring leadership to self", r.id)
		return
	}
	r.logger.Infof("%x [term %d] starts to transfer leadership to %x", r.id, r.term, transferee)
	r.electionElapsed = 0
	r.leadTransferee = transferee
	if pr.Match == r.raftLog.lastIndex() {
		r.sendTimeoutNow(transferee)
		return
	}
	r.maybeSendAppend(transferee, pr)
}

// sendTimeoutNow tells the transferee to campaign; the leader's lease ends
// with it (lease.go).
func (r *raft) sendTimeoutNow(to uint64) {
	if r.cfg.ReadOnlyOption == ReadOnlyLeaseBased {
		r.lease.leader().revoked = true // only lease-based reads look
	}
	r.send(&pb.Message{To: to, Type: pb.MsgTimeoutNow})
}

func (r *raft) abortLeaderTransfer() { r.leadTransferee = None }

// handleTimeoutNow campaigns at once at the leader's request, skipping the
// pre-vote and overriding the voters' leases.
func (r *raft) handleTimeoutNow(m pb.Message) {
	r.logger.Infof("%x [term %d] received MsgTimeoutNow from %x and starts an election to get leadership", r.id, r.term, m.From)
	r.hup(campaignTransfer)
}

// forwardToLeader passes a request on to the leader, if one is known.
func (r *raft) forwardToLeader(m *pb.Message) {
	if r.lead == None {
		r.logger.Infof("%x no leader at term %d; dropping %s", r.id, r.term, m.Type)
		return
	}
	fwd := *m
	fwd.To = r.lead
	r.send(&fwd)
}

// forwardProposal passes a follower's proposal to the leader.
func (r *raft) forwardProposal(m *pb.Message) error {
	if r.lead == None {
		r.logger.Infof("%x no leader at term %d; dropping proposal", r.id, r.term)
		return ErrProposalDropped
	}
	if r.cfg.DisableProposalForwarding {
		r.logger.Infof("%x not forwarding to leader %x at term %d; dropping proposal", r.id, r.lead, r.term)
		return ErrProposalDropped
	}
	fwd := *m
	fwd.To = r.lead
	// The message is kept until the next Ready, but its entries may be
	// the caller's scratch space (RawNode.Propose): keep a copy.
	fwd.Entries = slices.Clone(m.Entries)
	r.send(&fwd)
	return nil
}

// forgetLeader drops the known leader, so that this follower grants votes
// at once instead of waiting out its lease. With lease-based reads the
// lease must be honoured, so the leader is kept.
func (r *raft) forgetLeader() {
	if r.cfg.ReadOnlyOption == ReadOnlyLeaseBased {
		r.logger.Errorf("ignoring MsgForgetLeader due to ReadOnlyLeaseBased")
		return
	}
	if r.lead != None {
		r.logger.Infof("%x forgetting leader %x at term %d", r.id, r.lead, r.term)
		r.lead = None
	}
}
