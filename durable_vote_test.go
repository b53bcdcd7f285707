package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// newCampaignNet returns n bootstrapped voters with the bootstrap entries
// applied, so that any of them may campaign.
func newCampaignNet(t *testing.T, n int, tweak func(*Config)) *testNet {
	tn := newTestNet(t, n, tweak)
	tn.settle()
	return tn
}

// takeAppends returns and clears the queued MsgStorageAppends of node id.
func takeAppends(tn *testNet, id uint64) []pb.Message {
	q := tn.appendQ[id]
	tn.appendQ[id] = nil
	return q
}

// stepResponses persists the held writes of node id, then steps their
// responses addressed to id.
func stepResponses(t *testing.T, tn *testNet, id uint64, writes []pb.Message) {
	t.Helper()
	for _, m := range writes {
		tn.persist(id, pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}, m.Snapshot, m.Entries)
		for _, resp := range m.Responses {
			if resp.To != id {
				continue
			}
			if err := tn.nodes[id].Step(resp); err != nil {
				t.Fatalf("stepping %s: %v", resp.Type, err)
			}
		}
	}
}

// grant steps a granted vote of from for node to's current term.
func grant(t *testing.T, tn *testNet, from, to uint64) {
	t.Helper()
	term := tn.nodes[to].raft.term
	if err := tn.nodes[to].Step(pb.Message{Type: pb.MsgVoteResp, From: from, To: to, Term: term}); err != nil {
		t.Fatal(err)
	}
}

func TestAsyncCandidateWinsOnlyWithDurableOwnVote(t *testing.T) {
	tn := newCampaignNet(t, 3, func(c *Config) { c.AsyncStorageWrites = true })
	rn := tn.nodes[1]
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	tn.handleReady(1)
	writes := takeAppends(tn, 1)
	if len(writes) != 1 || writes[0].Vote != 1 || writes[0].Term != 2 {
		t.Fatalf("the campaign's write = %v, want one holding Term 2 Vote 1", writes)
	}
	if rs := writes[0].Responses; len(rs) != 1 || rs[0].Type != pb.MsgVoteResp || rs[0].To != 1 || rs[0].From != 1 || rs[0].Term != 2 || rs[0].Reject {
		t.Fatalf("the write's responses = %v, want the self vote for term 2", rs)
	}
	// A peer's grant plus a vote that is not durable is not a quorum.
	grant(t, tn, 2, 1)
	if st := rn.raft.state; st != StateCandidate {
		t.Fatalf("state = %v with its own vote not durable, want candidate", st)
	}
	stepResponses(t, tn, 1, writes)
	if st := rn.raft.state; st != StateLeader {
		t.Fatalf("state = %v once its own vote is durable, want leader", st)
	}
}

func TestSyncSingleVoterWinsAtAdvance(t *testing.T) {
	tn := newCampaignNet(t, 1, nil)
	rn := tn.nodes[1]
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	if st := rn.raft.state; st != StateCandidate {
		t.Fatalf("state = %v before the vote is persisted, want candidate", st)
	}
	rd := rn.Ready()
	if rd.HardState.Vote != 1 || rd.HardState.Term != 2 || !rd.MustSync {
		t.Fatalf("Ready.HardState = %+v MustSync=%v, want Term 2 Vote 1 synced", rd.HardState, rd.MustSync)
	}
	if len(rd.Messages) != 0 {
		t.Fatalf("Ready.Messages = %v: the self vote is stepped by Advance, not sent", rd.Messages)
	}
	tn.persist(1, rd.HardState, nil, rd.Entries)
	rn.Advance(rd)
	if st := rn.raft.state; st != StateLeader {
		t.Fatalf("state = %v after Advance, want leader", st)
	}
}

func TestPreVoteCountsItselfAtOnce(t *testing.T) {
	// A lone pre-candidate wins the pre-vote at once, nothing being
	// persisted for it, and then waits for its real vote to be durable.
	tn := newCampaignNet(t, 1, func(c *Config) { c.PreVote = true })
	rn := tn.nodes[1]
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	if st, term := rn.raft.state, rn.raft.term; st != StateCandidate || term != 2 {
		t.Fatalf("state = %v term %d, want candidate in term 2", st, term)
	}
	tn.settle()
	if st := rn.raft.state; st != StateLeader {
		t.Fatalf("state = %v, want leader", st)
	}
}

func TestStaleOwnVoteIsIgnored(t *testing.T) {
	tn := newCampaignNet(t, 3, func(c *Config) { c.AsyncStorageWrites = true })
	rn := tn.nodes[1]
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	tn.handleReady(1)
	term2 := takeAppends(tn, 1)
	// It campaigns again before the term-2 write lands; the term-2 vote
	// must not count in term 3.
	rn.raft.becomeFollower(rn.raft.term, None)
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	tn.handleReady(1)
	term3 := takeAppends(tn, 1)
	grant(t, tn, 2, 1)
	stepResponses(t, tn, 1, term2)
	if st, term := rn.raft.state, rn.raft.term; st != StateCandidate || term != 3 {
		t.Fatalf("state = %v term %d after a stale own vote, want candidate in term 3", st, term)
	}
	// A candidate that stepped down in its term ignores its own vote.
	if err := rn.Step(pb.Message{Type: pb.MsgHeartbeat, From: 3, To: 1, Term: 3}); err != nil {
		t.Fatal(err)
	}
	stepResponses(t, tn, 1, term3)
	if st, lead := rn.raft.state, rn.raft.lead; st != StateFollower || lead != 3 {
		t.Fatalf("state = %v lead %d, want follower of 3", st, lead)
	}
}

func TestForgedOwnVoteIsRefused(t *testing.T) {
	tn := newCampaignNet(t, 3, nil)
	rn := tn.nodes[1]
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	term := rn.raft.term
	for _, m := range []pb.Message{
		{Type: pb.MsgVoteResp, From: 1, To: 1, Term: term + 1},           // a term not reached
		{Type: pb.MsgVoteResp, From: 1, To: 1, Term: term, Reject: true}, // never sent to itself
		{Type: pb.MsgPreVoteResp, From: 1, To: 1, Term: term},            // counted at once, never sent
	} {
		if err := rn.Step(m); err == nil {
			t.Errorf("Step(%v) accepted", m)
		}
	}
	if st, got := rn.raft.state, rn.raft.term; st != StateCandidate || got != term {
		t.Fatalf("state = %v term %d, want candidate in term %d", st, got, term)
	}
}
