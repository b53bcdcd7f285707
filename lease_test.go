package raft

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// The lease holds for ElectionTick-2 ticks after a quorum last answered,
// is renewed by one follower's answer (with the leader, a quorum of
// three), and ends for the term once MsgTimeoutNow goes out.
func TestLeaseWindow(t *testing.T) {
	rn, _ := steadyLeader(t)
	r := rn.raft
	if !r.leaseHolds() {
		t.Fatal("lease does not hold right after both followers answered")
	}
	if allocs := testing.AllocsPerRun(100, func() { r.leaseHolds() }); allocs != 0 {
		t.Fatalf("leaseHolds allocates %v times, want 0", allocs)
	}
	for i := 1; i <= r.cfg.ElectionTick-2; i++ {
		rn.Tick()
		if !r.leaseHolds() {
			t.Fatalf("lease does not hold %d ticks after the answers (ElectionTick %d)", i, r.cfg.ElectionTick)
		}
	}
	rn.Tick()
	if r.leaseHolds() {
		t.Fatalf("lease holds %d ticks after the answers (ElectionTick %d)", r.cfg.ElectionTick-1, r.cfg.ElectionTick)
	}
	if r.state != StateLeader {
		t.Fatalf("node stepped down early: %s", r.state)
	}
	last := r.raftLog.lastIndex()
	if err := rn.Step(pb.Message{Type: pb.MsgHeartbeatResp, From: 2, To: 1, Term: r.term}); err != nil {
		t.Fatal(err)
	}
	if !r.leaseHolds() {
		t.Fatal("lease does not hold after 2 answered (1 and 2 are a quorum of three)")
	}
	if err := rn.Step(pb.Message{Type: pb.MsgTransferLeader, From: 2, To: 1, Term: r.term}); err != nil {
		t.Fatal(err)
	}
	if r.trk.Progress[2].Match != last || r.leadTransferee != 2 {
		t.Fatalf("transfer to an up-to-date 2 did not start: match %d last %d transferee %d", r.trk.Progress[2].Match, last, r.leadTransferee)
	}
	r.abortLeaderTransfer()
	if err := rn.Step(pb.Message{Type: pb.MsgHeartbeatResp, From: 3, To: 1, Term: r.term}); err != nil {
		t.Fatal(err)
	}
	if r.leaseHolds() {
		t.Fatal("lease holds after MsgTimeoutNow was sent, although the transferee may win at any time")
	}
}
