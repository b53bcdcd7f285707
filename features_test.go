package raft

import (
	"encoding/binary"
	"errors"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

func TestLeaderTransfer(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	// Node 3 misses an entry, so the leader must catch it up first.
	tn.drop = func(m pb.Message) bool { return m.To == 3 }
	tn.propose(1, "a")
	tn.drop = nil
	tn.nodes[1].TransferLeader(3)
	if err := tn.nodes[1].Propose([]byte("b")); !errors.Is(err, ErrProposalDropped) {
		t.Fatalf("proposal during a transfer: %v, want ErrProposalDropped", err)
	}
	tn.settle()
	if tn.nodes[3].raft.state == StateLeader {
		t.Fatal("the transferee took over before it caught up")
	}
	tn.tickAll(1) // a heartbeat round finds the lost append
	if tn.nodes[3].raft.state != StateLeader || tn.nodes[1].raft.lead != 3 {
		t.Fatalf("node 3 is %v, node 1 follows %d", tn.nodes[3].raft.state, tn.nodes[1].raft.lead)
	}
	tn.propose(3, "c")
	if got := tn.appliedData(1); got != "[a c]" {
		t.Fatalf("node 1 applied %s", got)
	}
}

func TestLeaderTransferAbortsAfterElectionTimeout(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.drop = func(m pb.Message) bool { return m.To == 3 }
	tn.propose(1, "a")
	tn.nodes[1].TransferLeader(3)
	tn.settle()
	if tn.nodes[1].raft.leadTransferee != 3 {
		t.Fatal("transfer not started")
	}
	for i := 0; i < 10; i++ {
		tn.nodes[1].Tick()
	}
	tn.settle()
	if got := tn.nodes[1].BasicStatus().LeadTransferee; got != None {
		t.Fatalf("transfer still pending after an election timeout: %d", got)
	}
	tn.propose(1, "b")
}

func TestReadIndexConfirmedBySequence(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	rn := tn.nodes[1]
	rn.ReadIndex([]byte("r1"))
	// Hold the heartbeats, then issue the same context again: the answers
	// to the first round must not confirm the retry.
	rd := rn.Ready()
	var hbs []pb.Message
	for _, m := range rd.Messages {
		if m.Type == pb.MsgHeartbeat {
			hbs = append(hbs, m)
		}
	}
	rn.Advance(rd)
	if len(hbs) != 2 {
		t.Fatalf("expected 2 heartbeats, got %v", rd.Messages)
	}
	rn.ReadIndex([]byte("r1"))
	resp := pb.Message{Type: pb.MsgHeartbeatResp, From: 2, To: 1, Term: hbs[0].Term, Context: hbs[0].Context}
	if err := rn.Step(resp); err != nil {
		t.Fatal(err)
	}
	rd = rn.Ready()
	if len(rd.ReadStates) != 1 || string(rd.ReadStates[0].RequestCtx) != "r1" {
		t.Fatalf("ReadStates = %v, want only the first request confirmed", rd.ReadStates)
	}
	rn.Advance(rd)
	// A duplicate of the stale answer confirms nothing more.
	if err := rn.Step(resp); err != nil {
		t.Fatal(err)
	}
	if rd := rn.Ready(); len(rd.ReadStates) != 0 {
		t.Fatalf("stale heartbeat answer confirmed the retry: %v", rd.ReadStates)
	}
	tn.settle()
	tn.tickAll(1) // the next heartbeats carry the retry's number

	if n := len(tn.nodes[1].raft.reads.pending); n != 0 {
		t.Fatalf("%d reads still pending", n)
	}
}

// Each term numbers its reads from 1 (the read queue goes with the term),
// so a heartbeat answer of an earlier term echoes a number the new term
// issues too; it is dropped by its term and confirms nothing.
func TestReadIndexNotConfirmedByEarlierTerm(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	var stale []pb.Message
	tn.drop = func(m pb.Message) bool {
		if m.Type == pb.MsgHeartbeatResp && len(m.Context) > 0 {
			stale = append(stale, m)
		}
		return false
	}
	tn.nodes[1].ReadIndex([]byte("old"))
	tn.settle()
	if len(stale) == 0 || len(tn.nodes[1].raft.reads.pending) != 0 {
		t.Fatalf("the first read: %d answers seen, %d reads pending", len(stale), len(tn.nodes[1].raft.reads.pending))
	}
	tn.drop = nil
	tn.elect(2)
	tn.elect(1)
	r := tn.nodes[1].raft
	// Answers to the new term's heartbeats are lost; only the stale ones
	// arrive.
	tn.drop = func(m pb.Message) bool { return m.Type == pb.MsgHeartbeatResp }
	tn.nodes[1].ReadIndex([]byte("new"))
	tn.settle()
	if r.reads == nil || r.reads.seq != 1 || binary.BigEndian.Uint64(stale[0].Context) != 1 {
		t.Fatalf("term %d numbers its read %v, the stale answer echoes %x; want both 1", r.term, r.reads, stale[0].Context)
	}
	for _, m := range stale {
		if err := tn.nodes[1].Step(m); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.readStates) != 0 || len(r.reads.pending) != 1 {
		t.Fatalf("answers of term %d confirmed a read of term %d: %v", stale[0].Term, r.term, r.readStates)
	}
	tn.drop = nil
	tn.tickAll(1)
	if len(r.reads.pending) != 0 {
		t.Fatalf("the new term's own answers left %d reads pending", len(r.reads.pending))
	}
}

func TestReadIndexWaitsForFirstCommitInTerm(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.settle()
	if err := tn.nodes[1].Campaign(); err != nil {
		t.Fatal(err)
	}
	// Deliver the votes, but not yet the leader's first append.
	tn.handleReady(1)
	tn.deliver()
	tn.handleReady(2)
	tn.handleReady(3)
	tn.deliver()
	r := tn.nodes[1].raft
	if r.state != StateLeader || r.raftLog.committed != 3 {
		t.Fatalf("node 1 is %v with commit %d", r.state, r.raftLog.committed)
	}
	tn.nodes[1].ReadIndex([]byte("early"))
	if len(r.reads.waiting) != 1 || len(r.readStates) != 0 {
		t.Fatal("a read before the leader's first commit must wait")
	}
	tn.settle()
	if len(r.reads.waiting) != 0 || len(r.reads.pending) != 0 {
		t.Fatal("the read was not served after the first commit")
	}
}

func TestReadStatesReachTheApplication(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	var seen []string
	collect := func(id uint64) {
		rn := tn.nodes[id]
		for rn.HasReady() {
			rd := rn.Ready()
			for _, rs := range rd.ReadStates {
				if rs.Index != 4 {
					t.Errorf("read %q at index %d, want 4", rs.RequestCtx, rs.Index)
				}
				seen = append(seen, string(rs.RequestCtx))
			}
			tn.queue = append(tn.queue, rd.Messages...)
			tn.persist(id, rd.HardState, nil, rd.Entries)
			tn.apply(id, rd.CommittedEntries)
			rn.Advance(rd)
		}
	}
	tn.nodes[1].ReadIndex([]byte("on-leader"))
	tn.nodes[2].ReadIndex([]byte("on-follower"))
	for i := 0; i < 6; i++ {
		collect(1)
		collect(2)
		collect(3)
		tn.deliver()
	}
	if len(seen) != 2 || seen[0] != "on-leader" || seen[1] != "on-follower" {
		t.Fatalf("read states %v", seen)
	}
}

func TestLeaseReadAnswersAtOnce(t *testing.T) {
	tn := newLeaseNet(t)
	tn.tickAll(1) // a heartbeat round: append responses do not renew the lease
	tn.nodes[1].ReadIndex([]byte("x"))
	if rs := tn.nodes[1].raft.readStates; len(rs) != 1 || rs[0].Index != 4 {
		t.Fatalf("lease read: %v", rs)
	}
}

func TestMaxUncommittedEntriesSize(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.MaxUncommittedEntriesSize = 10 })
	tn.elect(1)
	tn.drop = func(m pb.Message) bool { return m.From != 1 } // nothing commits
	rn := tn.nodes[1]
	if err := rn.Propose(make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	if err := rn.Propose(make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if err := rn.Propose(make([]byte, 1)); !errors.Is(err, ErrProposalDropped) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := rn.Propose(nil); err != nil {
		t.Fatalf("an empty proposal never counts: %v", err)
	}
	tn.drop = nil
	tn.settle()
	tn.tickAll(2)
	if err := rn.Propose(make([]byte, 10)); err != nil {
		t.Fatalf("after commit the budget is free again: %v", err)
	}
}

func TestZeroSizeLimitsKeepApplying(t *testing.T) {
	for _, async := range []bool{false, true} {
		tn := newTestNet(t, 3, func(c *Config) {
			c.MaxSizePerMsg, c.MaxCommittedSizePerReady, c.MaxInflightMsgs = 0, 0, 2
			c.AsyncStorageWrites = async
		})
		tn.elect(1)
		for _, d := range []string{"a", "b", "c", "d", "e"} {
			if err := tn.nodes[1].Propose([]byte(d)); err != nil {
				t.Fatal(err)
			}
		}
		tn.settle()
		for id := uint64(1); id <= 3; id++ {
			if got := tn.appliedData(id); got != "[a b c d e]" {
				t.Errorf("async=%v node %d applied %s", async, id, got)
			}
		}
	}
}

func TestAsyncApplyPagingSpansOutstandingApplies(t *testing.T) {
	tn := newTestNet(t, 1, func(c *Config) { c.AsyncStorageWrites = true; c.MaxCommittedSizePerReady = 1 })
	tn.elect(1)
	rn := tn.nodes[1]
	for _, d := range []string{"a", "b", "c"} {
		if err := rn.Propose([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	// Persist without applying: only one entry may be out for applying.
	for i := 0; i < 5; i++ {
		tn.handleReady(1)
		for _, m := range tn.appendQ[1] {
			tn.persist(1, pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}, m.Snapshot, m.Entries)
			tn.route(m.Responses)
		}
		tn.appendQ[1] = nil
		tn.deliver()
	}
	if n := len(tn.applyQ[1]); n != 1 || len(tn.applyQ[1][0].Entries) != 1 {
		t.Fatalf("outstanding applies: %v", tn.applyQ[1])
	}
	tn.settle()
	if got := tn.appliedData(1); got != "[a b c]" {
		t.Fatalf("applied %s", got)
	}
}

func TestStaleAppendAckAfterLeaderChanges(t *testing.T) {
	// A follower's write issued under one leader is acknowledged only after
	// two leader changes; the ack must not mark the newer log durable.
	tn := newTestNet(t, 1, func(c *Config) { c.AsyncStorageWrites = true })
	tn.settle()
	r := tn.nodes[1].raft
	r.becomeFollower(2, 5)
	s1 := pb.Message{Type: pb.MsgApp, From: 5, To: 1, Term: 2, Index: 1, LogTerm: 1, Entries: []pb.Entry{{Index: 2, Term: 2}, {Index: 3, Term: 2}}}
	if err := r.step(s1); err != nil {
		t.Fatal(err)
	}
	tn.handleReady(1) // the write of 2..3 under term 2 is now in flight
	stale := tn.appendQ[1]
	tn.appendQ[1] = nil
	// Leader 3 overwrites index 3, leader 4 rewrites it as term 2's again.
	if err := r.step(pb.Message{Type: pb.MsgApp, From: 6, To: 1, Term: 3, Index: 2, LogTerm: 2, Entries: []pb.Entry{{Index: 3, Term: 3}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.step(pb.Message{Type: pb.MsgApp, From: 7, To: 1, Term: 4, Index: 1, LogTerm: 1, Entries: []pb.Entry{{Index: 2, Term: 2}, {Index: 3, Term: 2}}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range stale {
		for _, resp := range m.Responses {
			if resp.To == 1 {
				if err := r.step(resp); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if got := r.raftLog.unstable.prev.index; got != 1 {
		t.Fatalf("a stale ack made the log durable up to %d", got)
	}
}

func TestNoCampaignWithUnappliedConfChange(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	// Bootstrap entries are committed but not applied yet.
	if err := tn.nodes[1].Campaign(); err != nil {
		t.Fatal(err)
	}
	if tn.nodes[1].raft.state != StateFollower {
		t.Fatal("campaigned with an unapplied conf change")
	}
	tn.nodes[1].raft.handleTimeoutNow(pb.Message{From: 2})
	if tn.nodes[1].raft.state != StateFollower {
		t.Fatal("MsgTimeoutNow campaigned with an unapplied conf change")
	}
}

func TestForgetLeaderAndDisableForwarding(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.DisableProposalForwarding = true })
	tn.elect(1)
	if err := tn.nodes[2].Propose([]byte("x")); !errors.Is(err, ErrProposalDropped) {
		t.Fatalf("forwarding disabled: %v", err)
	}
	if err := tn.nodes[2].ForgetLeader(); err != nil {
		t.Fatal(err)
	}
	if tn.nodes[2].raft.lead != None {
		t.Fatal("leader not forgotten")
	}
	if err := tn.nodes[1].ForgetLeader(); err != nil || tn.nodes[1].raft.lead != 1 {
		t.Fatal("a leader does not forget itself")
	}
}

func TestReportUnreachableAndSnapshot(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	tn.nodes[1].ReportUnreachable(2)
	if pr := tn.nodes[1].raft.trk.Progress[2]; pr.State != tracker.StateProbe {
		t.Fatalf("after ReportUnreachable: %v", pr)
	}
	tn.nodes[1].raft.trk.Progress[3].BecomeSnapshot(4)
	tn.nodes[1].ReportSnapshot(3, SnapshotFailure)
	if pr := tn.nodes[1].raft.trk.Progress[3]; pr.State != tracker.StateProbe || pr.Next != pr.Match+1 || !pr.MsgAppFlowPaused {
		t.Fatalf("after a failed snapshot: %v", pr)
	}
}

func TestSnapshotCatchesUpLaggingFollower(t *testing.T) {
	for _, async := range []bool{false, true} {
		tn := newTestNet(t, 3, func(c *Config) { c.AsyncStorageWrites = async })
		tn.elect(1)
		tn.drop = func(m pb.Message) bool { return m.To == 3 || m.From == 3 }
		tn.propose(1, "a")
		tn.propose(1, "b")
		s := tn.stores[1]
		cs := tn.nodes[1].raft.confState()
		if _, err := s.CreateSnapshot(6, &cs, tn.stateMachineData(1)); err != nil {
			t.Fatal(err)
		}
		if err := s.Compact(6); err != nil {
			t.Fatal(err)
		}
		tn.drop = nil
		tn.tickAll(1)
		var sent bool
		for _, id := range []uint64{3} {
			if tn.nodes[id].raft.raftLog.committed == 6 {
				sent = true
			}
		}
		if !sent {
			t.Fatalf("async=%v: node 3 did not get the snapshot (committed %d)", async, tn.nodes[3].raft.raftLog.committed)
		}
		tn.nodes[1].ReportSnapshot(3, SnapshotFinish)
		tn.propose(1, "c")
		if got := tn.appliedData(3); got != "[a b c]" {
			t.Fatalf("async=%v: node 3 applied %s after the snapshot", async, got)
		}
		if pr := tn.nodes[1].raft.trk.Progress[3]; pr.State != tracker.StateReplicate || pr.Match != 7 {
			t.Fatalf("async=%v: progress of 3: %v", async, pr)
		}
	}
}
