package raft

import (
	"encoding/binary"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

func leaseConfig(c *Config) { c.ReadOnlyOption, c.CheckQuorum = ReadOnlyLeaseBased, true }

// newLeaseNet returns a settled three-node lease-based cluster led by 1.
// Every node refuses votes for its first ElectionTick ticks, so all tick
// through that window first, with election timeouts held high so that none
// campaigns on its own.
func newLeaseNet(t *testing.T) *testNet {
	t.Helper()
	tn := newTestNet(t, 3, leaseConfig)
	for _, rn := range tn.nodes {
		rn.raft.randomizedElectionTimeout = 2 * rn.raft.cfg.ElectionTick
	}
	tn.tickAll(tn.nodes[1].raft.cfg.ElectionTick)
	tn.elect(1)
	return tn
}

// heartbeats takes the leader's queued heartbeats, one per follower.
func heartbeats(t *testing.T, r *raft) []pb.Message {
	t.Helper()
	var hbs []pb.Message
	for _, m := range r.msgs {
		if m.Type == pb.MsgHeartbeat {
			hbs = append(hbs, m)
		}
	}
	r.msgs = nil
	if len(hbs) != 2 {
		t.Fatalf("%d heartbeats queued, want 2", len(hbs))
	}
	return hbs
}

// answer steps into the leader the response a follower sends to hb.
func answer(t *testing.T, r *raft, hb pb.Message) {
	t.Helper()
	if err := r.step(pb.Message{Type: pb.MsgHeartbeatResp, From: hb.To, To: r.id, Term: hb.Term, Context: hb.Context}); err != nil {
		t.Fatal(err)
	}
}

// The lease needs a heartbeat round: append responses echo no send tick.
// It then holds while the send tick is at most ElectionTick-2 ticks old.
func TestLeaseWindow(t *testing.T) {
	tn := newLeaseNet(t)
	r := tn.nodes[1].raft
	if r.leaseHolds() {
		t.Fatal("lease holds on append responses alone")
	}
	r.bcastHeartbeat()
	sent := r.lease.ticks
	for _, hb := range heartbeats(t, r) {
		if len(hb.Context) != heartbeatContextLen || binary.BigEndian.Uint64(hb.Context[8:]) != sent {
			t.Fatalf("heartbeat context %x does not carry send tick %d", hb.Context, sent)
		}
		answer(t, r, hb)
	}
	if allocs := testing.AllocsPerRun(100, func() { r.leaseHolds() }); allocs != 0 {
		t.Fatalf("leaseHolds allocates %v times, want 0", allocs)
	}
	for i := 0; i <= r.cfg.ElectionTick-2; i++ {
		if !r.leaseHolds() {
			t.Fatalf("lease does not hold %d ticks after the send (ElectionTick %d)", i, r.cfg.ElectionTick)
		}
		r.tick()
		r.msgs = nil
	}
	if r.leaseHolds() {
		t.Fatalf("lease holds %d ticks after the send (ElectionTick %d)", r.cfg.ElectionTick-1, r.cfg.ElectionTick)
	}
	if r.state != StateLeader {
		t.Fatalf("node stepped down early: %s", r.state)
	}
}

// An answer that arrives late renews the lease from its send tick only, and
// an older answer arriving after a newer one does not set it back.
func TestLeaseCountsFromSendTick(t *testing.T) {
	const delay = 3
	tn := newLeaseNet(t)
	r := tn.nodes[1].raft
	r.bcastHeartbeat()
	early := heartbeats(t, r)
	for i := 0; i < delay; i++ {
		r.msgs = nil
		r.tick()
	}
	late := heartbeats(t, r) // the broadcast of the last tick
	answer(t, r, late[0])
	answer(t, r, early[0])
	if got, want := r.lease.held.heard[2], r.lease.ticks+1; got != want {
		t.Fatalf("heard[2] = %d after a newer and an older echo, want %d", got, want)
	}
	delete(r.lease.held.heard, 2)
	answer(t, r, early[0])
	answer(t, r, early[1])
	for i := delay; i <= r.cfg.ElectionTick-2; i++ {
		if !r.leaseHolds() {
			t.Fatalf("lease does not hold %d ticks after the send", i)
		}
		r.tick()
		r.msgs = nil
	}
	if r.leaseHolds() {
		t.Fatalf("an answer received %d ticks late holds the lease %d ticks after its send", delay, r.cfg.ElectionTick-1)
	}
}

// A peer's echo is untrusted: a Context of another size, or a send tick
// the leader has not reached, earns no credit; an append response none.
func TestLeaseIgnoresBadEchoes(t *testing.T) {
	tn := newLeaseNet(t)
	r := tn.nodes[1].raft
	future := binary.BigEndian.AppendUint64(make([]byte, 8), r.lease.ticks+1)
	for _, ctx := range [][]byte{nil, make([]byte, 8), make([]byte, 15), make([]byte, 17), future} {
		for _, id := range []uint64{2, 3} {
			if err := r.step(pb.Message{Type: pb.MsgHeartbeatResp, From: id, To: 1, Term: r.term, Context: ctx}); err != nil {
				t.Fatal(err)
			}
		}
		if r.leaseHolds() || (r.lease.held != nil && len(r.lease.held.heard) != 0) {
			t.Fatalf("echo %x credited: heard %v", ctx, r.lease.held.heard)
		}
	}
	for _, id := range []uint64{2, 3} {
		if err := r.step(pb.Message{Type: pb.MsgAppResp, From: id, To: 1, Term: r.term, Index: r.raftLog.lastIndex()}); err != nil {
			t.Fatal(err)
		}
	}
	if r.leaseHolds() {
		t.Fatal("append responses renewed the lease")
	}
}

// A leader's heartbeat round allocates one Context per tick at most, and
// handling the answers allocates nothing.
func TestLeaseHeartbeatAllocations(t *testing.T) {
	tn := newLeaseNet(t)
	r := tn.nodes[1].raft
	r.bcastHeartbeat()
	hbs := heartbeats(t, r)
	answer(t, r, hbs[0])
	if allocs := testing.AllocsPerRun(100, func() { answer(t, r, hbs[1]) }); allocs != 0 {
		t.Fatalf("a heartbeat response allocates %v times, want 0", allocs)
	}
	r.msgs = nil
	if allocs := testing.AllocsPerRun(100, func() { r.bcastHeartbeat(); r.msgs = nil }); allocs != 1 {
		t.Fatalf("a broadcast in one tick allocates %v times, want 1 (the messages)", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { r.lease.ticks++; r.bcastHeartbeat(); r.msgs = nil }); allocs != 2 {
		t.Fatalf("a broadcast in a new tick allocates %v times, want 2 (the messages, the Context)", allocs)
	}
}

// voteMsg is a request from 3 for the term after r's.
func voteMsg(r *raft, typ pb.MessageType, ctx []byte) pb.Message {
	return pb.Message{Type: typ, From: 3, To: r.id, Term: r.term + 1, Index: r.raftLog.lastIndex(), LogTerm: r.raftLog.lastEntryID().term, Context: ctx}
}

// votes returns the vote responses r sent to 3, in both queues.
func votes(r *raft) []pb.Message {
	var out []pb.Message
	for _, m := range append(r.msgs, r.msgsAfterAppend...) {
		if m.To == 3 && (m.Type == pb.MsgVoteResp || m.Type == pb.MsgPreVoteResp) {
			out = append(out, m)
		}
	}
	r.msgs, r.msgsAfterAppend = nil, nil
	return out
}

// A lease-based node that starts (perhaps restarts after hearing a leader)
// ignores unforced votes and pre-votes for ElectionTick ticks; a transfer's
// campaign is answered at once. Without lease reads, votes are granted at
// once, as in v3.6.
func TestLeaseVoteWindowAtStart(t *testing.T) {
	tn := newTestNet(t, 3, leaseConfig)
	r := tn.nodes[2].raft
	r.randomizedElectionTimeout = 2 * r.cfg.ElectionTick
	term := r.term
	for i := 0; i < r.cfg.ElectionTick; i++ {
		for _, typ := range []pb.MessageType{pb.MsgPreVote, pb.MsgVote} {
			if err := r.step(voteMsg(r, typ, nil)); err != nil {
				t.Fatal(err)
			}
			if vs := votes(r); len(vs) != 0 || r.term != term {
				t.Fatalf("tick %d: %s answered %v, term %d -> %d", i, typ, vs, term, r.term)
			}
		}
		r.tick()
	}
	if err := r.step(voteMsg(r, pb.MsgVote, nil)); err != nil {
		t.Fatal(err)
	}
	if vs := votes(r); len(vs) != 1 || vs[0].Reject || r.vote != 3 {
		t.Fatalf("after the window: votes %v, vote %d", vs, r.vote)
	}

	for _, lease := range []bool{true, false} {
		tn := newTestNet(t, 3, func(c *Config) {
			c.CheckQuorum = true
			if lease {
				c.ReadOnlyOption = ReadOnlyLeaseBased
			}
		})
		r := tn.nodes[2].raft
		ctx := []byte(nil)
		if lease {
			ctx = []byte(campaignTransfer)
		}
		if err := r.step(voteMsg(r, pb.MsgVote, ctx)); err != nil {
			t.Fatal(err)
		}
		if vs := votes(r); len(vs) != 1 || vs[0].Reject {
			t.Fatalf("lease %t, context %q: votes %v at start", lease, ctx, vs)
		}
	}
}

// A follower's term raised by a delayed response (no leader, so lead is
// cleared) keeps the lease window it opened on hearing the leader.
func TestLeaseVoteWindowSurvivesTermBump(t *testing.T) {
	tn := newLeaseNet(t)
	r := tn.nodes[2].raft
	if r.lead != 1 {
		t.Fatalf("2 follows %d, want 1", r.lead)
	}
	old := r.term
	// 3 answers, in a higher term, a heartbeat 2 sent as an earlier leader.
	if err := r.step(pb.Message{Type: pb.MsgAppResp, From: 3, To: 2, Term: old + 1}); err != nil {
		t.Fatal(err)
	}
	if r.term != old+1 || r.lead != None || r.vote != None {
		t.Fatalf("term %d lead %d vote %d after the response, want %d, none, none", r.term, r.lead, r.vote, old+1)
	}
	m := pb.Message{Type: pb.MsgVote, From: 3, To: 2, Term: r.term, Index: r.raftLog.lastIndex(), LogTerm: r.raftLog.lastEntryID().term}
	if err := r.step(m); err != nil {
		t.Fatal(err)
	}
	if vs := votes(r); len(vs) != 0 || r.vote != None {
		t.Fatalf("voted %d (%v) within the window of leader 1", r.vote, vs)
	}
}

// A whole cluster restarted at once still elects a leader within the
// first round of election timeouts: a timer fires no earlier than
// ElectionTick ticks after the start, when every voter's window is over.
func TestLeaseWholeClusterRestartElects(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		tn := newLeaseNet(t)
		tn.propose(1, "x")
		for id := uint64(1); id <= 3; id++ {
			tn.restart(id, func(c *Config) { leaseConfig(c); c.RandSeed = seed*10 + id })
		}
		limit := 2 * tn.nodes[1].raft.cfg.ElectionTick
		for ticks := 1; ; ticks++ {
			if ticks > limit {
				t.Fatalf("seed %d: no leader %d ticks after the restart", seed, limit)
			}
			tn.tickAll(1)
			if hasLeader(tn) {
				break
			}
		}
	}
}

func hasLeader(tn *testNet) bool {
	for _, rn := range tn.nodes {
		if rn.raft.state == StateLeader {
			return true
		}
	}
	return false
}
