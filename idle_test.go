package raft

import (
	"runtime"
	"slices"
	"testing"
	"unsafe"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// Idle groups: what a node keeps while nothing happens, and what a tick of
// an idle leader costs. Thousands of groups share a process, so these are
// guarded by size, by allocation count and by retained heap.

// The raft struct, its log inline, fits the 512-byte allocation class
// (past 512 bytes an object with pointers carries an 8-byte header and
// the next class is 576). By hand (amd64): state 8, two elapsed counters
// 16, id/term/vote/lead 32, lease 24, cfg 64, raftLog 176,
// msgs/msgsAfterAppend/peers/readStates 96, trk and conf 16, reads 8,
// leadTransferee/pendingConfIndex/uncommittedSize 24,
// randomizedElectionTimeout 8, rng 16, logger 16: 504 bytes. Apart, the
// two took 480 + 176.
func TestRaftStructSize(t *testing.T) {
	if got := unsafe.Sizeof(nodeConfig{}); got != 64 {
		t.Errorf("nodeConfig is %d bytes, want 64 (2 ticks, 5 flags in one word, read option, 2 size limits, 2 inflight limits)", got)
	}
	if got := unsafe.Sizeof(leaseState{}); got != 24 {
		t.Errorf("leaseState is %d bytes, want 24 (ticks, vote floor, the lease leader's part behind a pointer)", got)
	}
	if got := unsafe.Sizeof(raft{}); got > 512 {
		t.Errorf("raft is %d bytes, past the 512-byte allocation class", got)
	}
	// The fields an idle leader's tick reads come within the struct's
	// first 128 bytes: its state, clocks, limits and lease tick count.
	if off := unsafe.Offsetof(raft{}.lease) + unsafe.Offsetof(leaseState{}.ticks); off >= 120 {
		t.Errorf("lease.ticks sits at offset %d, past the first 128 bytes", off)
	}
}

// MemoryStorage fits the 144-byte allocation class. By hand: mutex 8, hard
// state 24, snapshot 64 (index and term 16, data 24, the ConfState as one
// array of words 24), prevIndex and prevTerm 16, buf 24, the dead slots'
// count with the shared flag 8. Tests count Storage calls through a
// wrapper (countingStorage), so the storage carries no counters.
func TestMemoryStorageSize(t *testing.T) {
	if got := unsafe.Sizeof(MemoryStorage{}); got > 144 {
		t.Errorf("MemoryStorage is %d bytes, past the 144-byte allocation class", got)
	}
}

// Only a leader holds Inflights windows, and only for the other peers; a
// follower, a candidate and a deposed leader hold none.
func TestInflightsOnlyOnLeader(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	checkInflights := func(stage string, id uint64, wantOthers bool) {
		t.Helper()
		r := tn.nodes[id].raft
		for _, p := range r.peers {
			want := wantOthers && p.id != r.id
			if got := p.pr.Inflights != nil; got != want {
				t.Errorf("%s: node %d holds a window for %d: %v, want %v", stage, id, p.id, got, want)
			}
		}
	}
	checkInflights("elected", 1, true)
	checkInflights("elected", 2, false)
	checkInflights("elected", 3, false)

	// A conf change gives new peers a window only on the leader.
	for _, id := range []uint64{1, 2} {
		tn.nodes[id].raft.applyConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 4}.AsV2())
	}
	checkInflights("learner added", 1, true)
	checkInflights("learner added", 2, false)

	// Replication still flows through the windows.
	if err := tn.nodes[1].Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	tn.settle()
	for _, id := range []uint64{2, 3} {
		if got := string(tn.applied[id][len(tn.applied[id])-1].Data); got != "x" {
			t.Fatalf("node %d applied %q last, want x", id, got)
		}
		if pr := tn.nodes[1].raft.trk.Progress[id]; pr.State != tracker.StateReplicate || pr.Inflights.Count() != 0 {
			t.Fatalf("leader's progress of %d: %s, want replicating with nothing in flight", id, pr)
		}
	}

	r := tn.nodes[1].raft
	r.becomeFollower(r.term+1, None)
	checkInflights("deposed", 1, false)
}

// Status shows an Inflights window for every peer, the leader's own
// included, as v3.6 does, and copies them.
func TestStatusInflightsForEveryPeer(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.MaxInflightMsgs = 2 })
	tn.elect(1)
	rn := tn.nodes[1]
	st := rn.Status()
	if len(st.Progress) != 3 {
		t.Fatalf("status has %d progresses, want 3", len(st.Progress))
	}
	for id, pr := range st.Progress {
		if pr.Inflights == nil {
			t.Fatalf("status progress of %d has no Inflights", id)
		}
		if pr.Inflights.Count() != 0 || pr.Inflights.Full() {
			t.Fatalf("status progress of %d: %d in flight, full %v; want an empty open window", id, pr.Inflights.Count(), pr.Inflights.Full())
		}
		if id != 1 && pr.Inflights == rn.raft.trk.Progress[id].Inflights {
			t.Fatalf("status shares the Inflights of %d with the leader", id)
		}
	}
	// The copy of the leader's own window has MaxInflightMsgs room.
	own := st.Progress[1].Inflights
	own.Add(1, 1)
	own.Add(2, 1)
	if !own.Full() {
		t.Fatalf("own window not full after 2 adds with MaxInflightMsgs 2")
	}
	if rn.raft.trk.Progress[1].Inflights != nil {
		t.Fatalf("Status gave the leader a window of its own")
	}
}

// No election, no Votes map; an election makes one and the next term
// drops it.
func TestVotesMapOnlyDuringElection(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	r := tn.nodes[1].raft
	if r.trk != nil {
		t.Fatalf("a new node keeps a tracker: %v", r.trk)
	}
	tn.elect(1)
	if r.trk.Votes != nil {
		t.Fatalf("the leader keeps the votes of its election: %v", r.trk.Votes)
	}
	if trk := tn.nodes[2].raft.trk; trk != nil {
		t.Fatalf("a follower keeps a tracker: %v", trk)
	}
}

// idleGroup returns node keep of a freshly elected three-voter group whose
// storage starts, as in bench/, at a snapshot at index 1.
func idleGroup(t testing.TB, keep int, tweak func(*Config)) *RawNode {
	return idleGroupNodes(t, tweak)[keep]
}

// idleGroupNodes returns the three nodes of a freshly elected group whose
// storage starts, as in bench/, at a snapshot at index 1; node 1 leads.
func idleGroupNodes(t testing.TB, tweak func(*Config)) [3]*RawNode {
	var nodes [3]*RawNode
	var stores [3]*MemoryStorage
	voters := []uint64{1, 2, 3}
	for i := range nodes {
		s := NewMemoryStorage()
		if err := s.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: 1, Term: 1, ConfState: pb.ConfState{Voters: voters}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetHardState(pb.HardState{Term: 1, Commit: 1}); err != nil {
			t.Fatal(err)
		}
		c := newTestConfig(uint64(i+1), s)
		if tweak != nil {
			tweak(c)
		}
		rn, err := NewRawNode(c)
		if err != nil {
			t.Fatal(err)
		}
		nodes[i], stores[i] = rn, s
	}
	if err := nodes[0].Campaign(); err != nil {
		t.Fatal(err)
	}
	settleGroup(t, nodes, &stores)
	for i, rn := range nodes {
		if lead := rn.BasicStatus().Lead; lead != 1 {
			t.Fatalf("node %d sees leader %d, want 1", i+1, lead)
		}
	}
	return nodes
}

// settleGroup handles Readys, delivering every message, until none is
// left. With stores nil it persists nothing (the log must not change).
func settleGroup(t testing.TB, nodes [3]*RawNode, stores *[3]*MemoryStorage) {
	for busy := true; busy; {
		busy = false
		for i, rn := range nodes {
			if !rn.HasReady() {
				continue
			}
			busy = true
			rd := rn.Ready()
			if stores != nil {
				if !IsEmptyHardState(rd.HardState) {
					if err := stores[i].SetHardState(rd.HardState); err != nil {
						t.Fatal(err)
					}
				}
				if err := stores[i].Append(rd.Entries); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range rd.Messages {
				if err := nodes[m.To-1].Step(m); err != nil {
					t.Fatalf("node %d: %v", m.To, err)
				}
			}
			rn.Advance(rd)
		}
	}
}

// A tick lets the unstable entries array go once the log has drained, and
// not before: entries not yet durable or applied stay, and appends after
// the release work.
func TestTickReleasesDrainedLog(t *testing.T) {
	nodes := idleGroupNodes(t, nil)
	u := &nodes[1].raft.raftLog.unstable
	if cap(u.entries) == 0 {
		t.Fatalf("the follower holds no entries array after the election's entry; the test does not test")
	}
	nodes[1].Tick()
	if u.entries != nil || u.durable != nil {
		t.Fatalf("a drained follower keeps its array after a tick: entries cap %d, durable cap %d", cap(u.entries), cap(u.durable))
	}
	// A quiesced tick releases it too.
	q := &nodes[2].raft.raftLog.unstable
	if cap(q.entries) == 0 {
		t.Fatalf("node 3 holds no entries array after the election's entry; the test does not test")
	}
	nodes[2].TickQuiesced()
	if q.entries != nil || q.durable != nil {
		t.Fatalf("a drained follower keeps its array after a quiesced tick: entries cap %d, durable cap %d", cap(q.entries), cap(q.durable))
	}

	lu := &nodes[0].raft.raftLog.unstable
	if err := nodes[0].Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	nodes[0].Tick()
	if len(lu.entries) != 1 {
		t.Fatalf("the leader holds %d unstable entries after a tick, want its proposal", len(lu.entries))
	}
	// Durable but not applied: the array still holds the entry.
	rd := nodes[0].Ready()
	if err := nodes[0].raft.raftLog.storage.(*MemoryStorage).Append(rd.Entries); err != nil {
		t.Fatal(err)
	}
	for _, m := range rd.Messages {
		if err := nodes[m.To-1].Step(m); err != nil {
			t.Fatal(err)
		}
	}
	nodes[0].Advance(rd)
	nodes[0].Tick()
	if len(lu.durable) != 1 || lu.durable[0].Index != 3 {
		t.Fatalf("the leader keeps durable entries %v after a tick, want the proposal at 3", lu.durable)
	}
	// The followers append into a new array and all apply the proposal.
	var stores [3]*MemoryStorage
	for i, rn := range nodes {
		stores[i] = rn.raft.raftLog.storage.(*MemoryStorage)
	}
	settleGroup(t, nodes, &stores)
	for i, rn := range nodes {
		if got := rn.raft.raftLog.applied; got != 3 {
			t.Fatalf("node %d applied up to %d, want 3", i+1, got)
		}
		rn.Tick()
		if u := &rn.raft.raftLog.unstable; u.entries != nil || u.durable != nil {
			t.Fatalf("node %d keeps its drained array after a tick", i+1)
		}
	}
}

// An idle follower group (RawNode, raft, log, configuration,
// MemoryStorage) retains at most 1,016 bytes. By hand, in allocation
// classes: RawNode 192, raft with its log inline 512, its compact
// configuration 24 with its array 32 (a header word and three ids),
// MemoryStorage 144 with its one entry 48 and its snapshot's array 32:
// 984 bytes. A follower keeps no tracker (so no Progresses and no maps),
// no read queue and no lease leader's part; the unstable entries array
// goes at the first tick.
func TestIdleFollowerRetainedHeap(t *testing.T) {
	const groups = 200
	keep := make([]*RawNode, groups)
	before := liveHeap()
	for i := range keep {
		keep[i] = idleGroup(t, 1, nil)
		keep[i].Tick() // an idle node ticks: it lets the drained log array go
	}
	per := (float64(liveHeap()) - float64(before)) / groups
	runtime.KeepAlive(keep)
	t.Logf("%.0f bytes per idle follower group", per)
	if per > 1016 {
		t.Errorf("an idle follower group retains %.0f bytes, want at most 1016", per)
	}
}

// idleTick is one tick of an idle leader with its Ready, if it has one;
// the heartbeats are dropped. It reports how many messages the Ready held.
func idleTick(rn *RawNode) (msgs int, ready bool) {
	rn.Tick()
	if !rn.HasReady() {
		return 0, false
	}
	rd := rn.Ready()
	rn.Advance(rd)
	return len(rd.Messages), true
}

// An idle leader's tick allocates only the Messages array handed to the
// application, and nothing with ReuseReadyBuffers; a tick that sends no
// heartbeat leaves no Ready.
func TestIdleLeaderTickAllocations(t *testing.T) {
	for _, tc := range []struct {
		name      string
		heartbeat int
		reuse     bool
		allocs    float64
	}{
		{"heartbeat every tick", 1, false, 1},
		{"heartbeat every tick, reused buffers", 1, true, 0},
		{"heartbeat every other tick", 2, false, 1},
		{"heartbeat every other tick, reused buffers", 2, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rn := idleGroup(t, 0, func(c *Config) {
				c.HeartbeatTick = tc.heartbeat
				c.ReuseReadyBuffers = tc.reuse
			})
			msgs, readies := 0, 0
			for range 2 * tc.heartbeat {
				n, ready := idleTick(rn)
				msgs += n
				if ready {
					readies++
				}
			}
			// Two heartbeat periods: two Readies of two heartbeats each.
			if msgs != 4 || readies != 2 {
				t.Fatalf("%d ticks: %d Readies with %d messages, want 2 with 4", 2*tc.heartbeat, readies, msgs)
			}
			// Whole heartbeat periods, so that every run does the same.
			allocs := testing.AllocsPerRun(100, func() {
				for range tc.heartbeat {
					idleTick(rn)
				}
			})
			if allocs != tc.allocs {
				t.Fatalf("%v allocations per heartbeat period, want %v", allocs, tc.allocs)
			}
			if rn.BasicStatus().RaftState != StateLeader {
				t.Fatalf("the leader stepped down while idle")
			}
		})
	}
}

// An idle group with CheckQuorum whose messages are all delivered keeps
// its leader, and with reused buffers a whole election timeout of ticks
// (heartbeats, their responses, the quorum check) allocates nothing.
func TestIdleCheckQuorumAllocations(t *testing.T) {
	nodes := idleGroupNodes(t, func(c *Config) {
		c.CheckQuorum = true
		c.ReuseReadyBuffers = true
	})
	period := func() {
		for range nodes[0].raft.cfg.ElectionTick {
			for _, rn := range nodes {
				rn.Tick()
			}
			settleGroup(t, nodes, nil)
		}
	}
	period() // the first Readies size the reused arrays
	if allocs := testing.AllocsPerRun(20, period); allocs != 0 {
		t.Fatalf("an election timeout of idle ticks allocates %v times, want 0", allocs)
	}
	for i, rn := range nodes {
		if st := rn.BasicStatus(); st.Lead != 1 {
			t.Fatalf("node %d sees leader %d after idle periods, want 1", i+1, st.Lead)
		}
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkIdleLeaderTick: one tick of one idle leader with its Ready, the
// heartbeats dropped. One group stays in cache, so this is the tick's CPU
// cost alone; bench/'s MultiGroup adds the cache misses of 10,000 groups.
func BenchmarkIdleLeaderTick(b *testing.B) {
	for _, reuse := range []bool{false, true} {
		name := "fresh"
		if reuse {
			name = "reuse"
		}
		b.Run("buffers="+name, func(b *testing.B) {
			rn := idleGroup(b, 0, func(c *Config) { c.ReuseReadyBuffers = reuse })
			b.ReportAllocs()
			for b.Loop() {
				idleTick(rn)
			}
		})
	}
}

// A follower holds no Progress map, no peers array and none of the
// tracker's sets, only its compact configuration: a (pre-)candidate and a
// leader build them from it, stepping down drops them, and a follower
// applies conf changes, answers WithProgress and Status and checks
// responses' senders against the compact configuration alone.
func TestProgressOnlyOffFollower(t *testing.T) {
	holds := func(r *raft) bool {
		return r.trk != nil || r.peers != nil || r.conf == nil
	}
	tn := newTestNet(t, 3, func(c *Config) { c.PreVote = true })
	for _, id := range tn.ids() {
		if holds(tn.nodes[id].raft) {
			t.Fatalf("new node %d holds Progresses", id)
		}
	}
	tn.settle() // conf changes not applied block campaigns
	r := tn.nodes[1].raft
	r.hup(campaignPreElection)
	if r.state != StatePreCandidate || len(r.trk.Progress) != 3 || len(r.peers) != 3 || len(r.trk.Voters[0]) != 3 || r.conf != nil {
		t.Fatalf("pre-candidate in %s holds %d Progresses, %d peers and %d voters (compact %v), want 3 of each, not compact",
			r.state, len(r.trk.Progress), len(r.peers), len(r.trk.Voters[0]), r.conf)
	}
	tn.settle()
	if r.state != StateLeader || len(r.trk.Progress) != 3 {
		t.Fatalf("node 1 is %s with %d Progresses, want a leader with 3", r.state, len(r.trk.Progress))
	}
	for _, id := range []uint64{2, 3} {
		if holds(tn.nodes[id].raft) {
			t.Fatalf("follower %d holds Progresses after the election", id)
		}
	}

	// A conf change applied on a follower updates its configuration only.
	f := tn.nodes[2]
	cs := f.ApplyConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 4})
	if holds(f.raft) || len(cs.Learners) != 1 || !f.raft.isMember(4) || f.raft.isVoter(4) {
		t.Fatalf("follower after adding learner 4: holds %v, conf state %s, member %v, voter %v",
			holds(f.raft), cs.String(), f.raft.isMember(4), f.raft.isVoter(4))
	}
	type seen struct {
		id    uint64
		typ   ProgressType
		match uint64
		next  uint64
	}
	var got []seen
	f.WithProgress(func(id uint64, typ ProgressType, pr tracker.Progress) {
		got = append(got, seen{id, typ, pr.Match, pr.Next})
	})
	last := f.raft.raftLog.lastIndex()
	durable := f.raft.raftLog.unstable.prev.index
	want := []seen{{1, ProgressTypePeer, 0, last + 1}, {2, ProgressTypePeer, durable, last + 1},
		{3, ProgressTypePeer, 0, last + 1}, {4, ProgressTypeLearner, 0, last + 1}}
	if !slices.Equal(got, want) || holds(f.raft) {
		t.Fatalf("follower's WithProgress: %v, want %v (holds Progresses after: %v)", got, want, holds(f.raft))
	}
	if st := f.Status(); st.Progress != nil || st.Config.String() != "voters=(1 2 3) learners=(4)" {
		t.Fatalf("follower's Status has Progress %v and config %s, want none as in v3.6 and voters=(1 2 3) learners=(4)", st.Progress, st.Config.String())
	}
	// A response from a member is stepped, one from elsewhere refused.
	if err := f.Step(pb.Message{Type: pb.MsgHeartbeatResp, From: 4, To: 2, Term: r.term}); err != nil {
		t.Fatalf("follower refused a response from learner 4: %v", err)
	}
	if err := f.Step(pb.Message{Type: pb.MsgHeartbeatResp, From: 5, To: 2, Term: r.term}); err != ErrStepPeerNotFound {
		t.Fatalf("follower stepped a response from non-member 5: %v, want ErrStepPeerNotFound", err)
	}

	// The deposed leader lets its Progresses go.
	r.becomeFollower(r.term+1, None)
	if holds(r) {
		t.Fatalf("deposed leader holds Progresses")
	}
	// A follower that is a learner in its configuration does not campaign.
	l := tn.nodes[3]
	l.ApplyConfChange(pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 3})
	l.raft.hup(campaignElection)
	if l.raft.state != StateFollower || holds(l.raft) || !l.raft.isMember(3) {
		t.Fatalf("learner 3 campaigned: %s, holds %v, member %v", l.raft.state, holds(l.raft), l.raft.isMember(3))
	}
}

// The read queue and a lease leader's bookkeeping exist only once used and
// until the term ends: an idle group without reads, follower or leader,
// keeps two nil pointers, and so does a former leader; a transfer does not
// make a ReadIndex leader's lease part.
func TestReadAndLeaseStateOnlyWhenUsed(t *testing.T) {
	for _, lease := range []bool{false, true} {
		var tn *testNet
		if lease {
			tn = newLeaseNet(t)
		} else {
			tn = newTestNet(t, 3, nil)
			tn.elect(1)
		}
		tn.tickAll(1)
		tn.settle()
		for _, id := range tn.ids() {
			r := tn.nodes[id].raft
			// Only a lease leader's heartbeats make its part.
			if r.reads != nil || (r.lease.held != nil) != (lease && id == 1) {
				t.Fatalf("lease %v, idle node %d: read queue %v, lease part %v", lease, id, r.reads, r.lease.held)
			}
		}
		r := tn.nodes[1].raft
		tn.nodes[1].ReadIndex([]byte("x"))
		tn.settle()
		if !lease && r.reads == nil {
			t.Fatalf("a ReadIndex leader has no read queue after a read")
		}
		if tn.nodes[2].raft.reads != nil {
			t.Fatalf("lease %v: a follower made a read queue", lease)
		}
		// Node 2 is caught up: MsgTimeoutNow goes out at once.
		tn.nodes[1].TransferLeader(2)
		if !lease && r.lease.held != nil {
			t.Fatalf("a transfer gave a ReadIndex leader a lease part: %+v", r.lease.held)
		}
		tn.settle()
		if r.state != StateFollower {
			t.Fatalf("lease %v: node 1 is %s after the transfer, want follower", lease, r.state)
		}
		// Both belong to the term that ended.
		if r.reads != nil || r.lease.held != nil {
			t.Fatalf("lease %v: the former leader keeps read queue %v, lease part %v", lease, r.reads, r.lease.held)
		}
	}
}

// WithProgress allocates nothing in any role, as in v3.6, where it is the
// allocation-free way to look at the peers: a follower, in a joint
// configuration and as a learner too, visits the Progresses it would
// campaign with without building them.
func TestWithProgressAllocatesNothing(t *testing.T) {
	tn := newTestNet(t, 4, nil)
	tn.elect(1)
	// Node 4 becomes a learner through a joint configuration that 1 leaves
	// only later: followers hold it compactly, LearnersNext included.
	tn.drop = func(m pb.Message) bool { return m.From == 1 && m.Type == pb.MsgApp && carriesLeaveJoint(m) }
	if err := tn.nodes[1].ProposeConfChange(pb.ConfChangeV2{Transition: pb.ConfChangeTransitionJointImplicit,
		Changes: []pb.ConfChangeSingle{{Type: pb.ConfChangeAddLearnerNode, NodeID: 4}}}); err != nil {
		t.Fatal(err)
	}
	tn.settle()
	type seen struct {
		id          uint64
		typ         ProgressType
		match, next uint64
	}
	for _, id := range tn.ids() {
		rn := tn.nodes[id]
		r := rn.raft
		if st := rn.Status(); len(st.Config.Voters[1]) == 0 || len(st.Config.LearnersNext) != 1 {
			t.Fatalf("node %d is in %s, want the joint configuration", id, st.Config.String())
		}
		if allocs := testing.AllocsPerRun(50, func() {
			rn.WithProgress(func(uint64, ProgressType, tracker.Progress) {})
		}); allocs != 0 {
			t.Errorf("node %d (%s): WithProgress allocates %v times, want 0", id, r.state, allocs)
		}
		if r.state == StateLeader {
			continue
		}
		// Node 4 still votes in the outgoing half: a peer, not a learner.
		var got, want []seen
		rn.WithProgress(func(id uint64, typ ProgressType, pr tracker.Progress) {
			got = append(got, seen{id, typ, pr.Match, pr.Next})
		})
		next := r.raftLog.lastIndex() + 1
		for peer := uint64(1); peer <= 4; peer++ {
			w := seen{peer, ProgressTypePeer, 0, next}
			if peer == id {
				w.match = r.raftLog.unstable.prev.index
			}
			want = append(want, w)
		}
		if !slices.Equal(got, want) || r.trk != nil {
			t.Errorf("follower %d visits %v, want %v (holds a tracker after: %v)", id, got, want, r.trk != nil)
		}
	}
	// Once the joint configuration is left, learner 4 sees itself as one.
	tn.drop = nil
	tn.tickAll(1)
	l := tn.nodes[4]
	var typ ProgressType = ProgressTypePeer
	l.WithProgress(func(id uint64, t ProgressType, _ tracker.Progress) {
		if id == 4 {
			typ = t
		}
	})
	if typ != ProgressTypeLearner {
		t.Errorf("learner 4 shows itself as %v in %s", typ, l.Status().Config.String())
	}
	if allocs := testing.AllocsPerRun(50, func() {
		l.WithProgress(func(uint64, ProgressType, tracker.Progress) {})
	}); allocs != 0 {
		t.Errorf("learner 4: WithProgress allocates %v times, want 0", allocs)
	}
}

// carriesLeaveJoint reports whether m carries the conf change that leaves a
// joint configuration.
func carriesLeaveJoint(m pb.Message) bool {
	for i := range m.Entries {
		if e := &m.Entries[i]; isConfChangeEntry(e) {
			if cc, err := confChangeOf(e); err == nil && cc.LeaveJoint() {
				return true
			}
		}
	}
	return false
}
