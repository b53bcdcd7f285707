package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// TestTermRules checks how a follower at term 5 that heard from leader 1
// this tick reacts to messages of other terms.
func TestTermRules(t *testing.T) {
	type want struct {
		term  uint64
		lead  uint64
		reply pb.MessageType // 0 = no reply
		rej   bool
		rterm uint64 // the reply's term
	}
	for i, tc := range []struct {
		checkQuorum, preVote bool
		m                    pb.Message
		want                 want
	}{
		// A higher-term leader message is followed at once.
		{false, false, pb.Message{Type: pb.MsgHeartbeat, From: 2, Term: 6}, want{6, 2, pb.MsgHeartbeatResp, false, 6}},
		// A higher-term vote is ignored inside the leader lease.
		{true, false, pb.Message{Type: pb.MsgVote, From: 2, Term: 6, Index: 100, LogTerm: 5}, want{5, 1, 0, false, 0}},
		// ... unless it comes from a leader transfer.
		{true, false, pb.Message{Type: pb.MsgVote, From: 2, Term: 6, Index: 100, LogTerm: 5, Context: []byte(campaignTransfer)}, want{6, 0, pb.MsgVoteResp, false, 6}},
		// Without CheckQuorum there is no lease: the term moves, the vote is
		// granted to an up-to-date log.
		{false, false, pb.Message{Type: pb.MsgVote, From: 2, Term: 6, Index: 100, LogTerm: 5}, want{6, 0, pb.MsgVoteResp, false, 6}},
		// A pre-vote never moves the term, and is granted on the log alone,
		// answered in the future term it asks about.
		{false, true, pb.Message{Type: pb.MsgPreVote, From: 2, Term: 6, Index: 100, LogTerm: 5}, want{5, 1, pb.MsgPreVoteResp, false, 6}},
		// A stale pre-vote is rejected at our term, so the sender learns it.
		{false, true, pb.Message{Type: pb.MsgPreVote, From: 2, Term: 4, Index: 100, LogTerm: 4}, want{5, 1, pb.MsgPreVoteResp, true, 5}},
		// A stale leader's append gets an answer only with CheckQuorum or
		// PreVote, which tells it about the newer term.
		{true, false, pb.Message{Type: pb.MsgApp, From: 2, Term: 4, Index: 1, LogTerm: 1}, want{5, 1, pb.MsgAppResp, false, 5}},
		{false, false, pb.Message{Type: pb.MsgApp, From: 2, Term: 4, Index: 1, LogTerm: 1}, want{5, 1, 0, false, 0}},
		// A higher-term vote from a stale log raises the term but is refused.
		{false, false, pb.Message{Type: pb.MsgVote, From: 2, Term: 7, Index: 1, LogTerm: 1}, want{7, 0, pb.MsgVoteResp, true, 7}},
	} {
		tn := newTestNet(t, 3, func(c *Config) { c.CheckQuorum, c.PreVote = tc.checkQuorum, tc.preVote })
		tn.settle()
		r := tn.nodes[3].raft
		r.becomeFollower(5, 1)
		tc.m.To = 3
		if err := r.step(tc.m); err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		msgs := append(r.msgs, r.msgsAfterAppend...)
		got := want{term: r.term, lead: r.lead}
		if len(msgs) > 0 {
			got.reply, got.rej, got.rterm = msgs[0].Type, msgs[0].Reject, msgs[0].Term
			if msgs[0].To != tc.m.From {
				t.Errorf("#%d: reply to %d", i, msgs[0].To)
			}
		}
		if len(msgs) > 1 {
			t.Errorf("#%d: %d replies", i, len(msgs))
		}
		if got != tc.want {
			t.Errorf("#%d: got %+v, want %+v", i, got, tc.want)
		}
	}
}
