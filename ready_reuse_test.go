package raft

import (
	"fmt"
	"math/rand/v2"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// leaderMessagesRound proposes on the leader of tn and returns the Ready
// carrying the MsgApps, after persisting and advancing it, with a copy of
// its messages taken before Advance. The followers' acknowledgements are
// then settled through tn.
func leaderMessagesRound(t *testing.T, tn *testNet, data string) (Ready, []pb.Message) {
	t.Helper()
	rn := tn.nodes[1]
	if err := rn.Propose([]byte(data)); err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready()
	if len(rd.Messages) != 2 || rd.Messages[0].Type != pb.MsgApp || rd.Messages[1].Type != pb.MsgApp {
		t.Fatalf("proposal Ready has messages %v, want two MsgApps", describeAll(rd.Messages))
	}
	tn.persist(1, rd.HardState, nil, rd.Entries)
	tn.route(rd.Messages)
	copied := append([]pb.Message(nil), rd.Messages...)
	rn.Advance(rd)
	tn.settle()
	return rd, copied
}

func describeAll(ms []pb.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, DescribeMessage(m, nil))
	}
	return out
}

// By default a Ready's Messages belong to the application: rounds after
// Advance must neither write into them nor reuse their array.
func TestReadyMessagesSurviveAdvanceByDefault(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	first, copied := leaderMessagesRound(t, tn, "a")
	want := describeAll(copied)
	for i := range 5 {
		rd, _ := leaderMessagesRound(t, tn, fmt.Sprintf("b%d", i))
		if &rd.Messages[0] == &first.Messages[0] {
			t.Fatalf("round %d reused the first Ready's Messages array", i)
		}
	}
	if got := describeAll(first.Messages); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kept Messages changed after later rounds:\n got %v\nwant %v", got, want)
	}
	if string(first.Messages[0].Entries[0].Data) != "a" {
		t.Fatalf("kept MsgApp carries %q, want %q", first.Messages[0].Entries[0].Data, "a")
	}
	if len(first.Entries) != 1 || string(first.Entries[0].Data) != "a" {
		t.Fatalf("kept Entries are %v, want the one entry %q", first.Entries, "a")
	}
}

// With ReuseReadyBuffers the next Ready's Messages live in the previous
// one's array, the entries of a drained log go back to the start of theirs
// (so a MsgApp copied out of the Ready reads later entries), and the
// cluster still replicates and applies everything.
func TestReuseReadyBuffersReusesMessages(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.ReuseReadyBuffers = true })
	tn.elect(1)
	first, copied := leaderMessagesRound(t, tn, "a")
	kept := copied[0]
	reused, rewound := 0, 0
	for i := range 5 {
		rd, msgs := leaderMessagesRound(t, tn, fmt.Sprintf("b%d", i))
		if &rd.Messages[0] == &first.Messages[0] {
			reused++
		}
		if &rd.Entries[0] == &first.Entries[0] && &msgs[0].Entries[0] == &kept.Entries[0] {
			rewound++
		}
	}
	// The leader's Ready between two proposal Readies (the commit) has
	// messages of its own, so the array may alternate between two; it
	// must come back.
	if reused == 0 {
		t.Fatalf("no proposal Ready reused the first one's Messages array")
	}
	// Each round drains the leader's log (committed, applied) before the
	// next proposal, so every proposal lands where "a" was.
	if rewound != 5 {
		t.Fatalf("%d of 5 proposal Readies reused the first one's entry slot, want all", rewound)
	}
	if string(kept.Entries[0].Data) != "b4" {
		t.Fatalf("a copied-out MsgApp carries %q, want the last round's %q", kept.Entries[0].Data, "b4")
	}
	for id := uint64(1); id <= 3; id++ {
		if got, want := tn.appliedData(id), "[a b0 b1 b2 b3 b4]"; got != want {
			t.Errorf("node %d applied %s, want %s", id, got, want)
		}
	}
}

// Messages queued between Ready and Advance are kept by Advance: the
// recycled array is given back to raft only if nothing is queued.
func TestReuseReadyBuffersKeepsMessagesQueuedBeforeAdvance(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.ReuseReadyBuffers = true })
	tn.elect(1)
	rn := tn.nodes[1]
	if err := rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready()
	tn.persist(1, rd.HardState, nil, rd.Entries)
	// A heartbeat round queued while the Ready is being handled.
	for range rn.raft.cfg.HeartbeatTick {
		rn.Tick()
	}
	queued := describeAll(rn.raft.msgs)
	if len(queued) == 0 {
		t.Fatal("ticking to the heartbeat queued no message")
	}
	rn.Advance(rd)
	got := describeAll(rn.raft.msgs)
	if len(got) < len(queued) || fmt.Sprint(got[:len(queued)]) != fmt.Sprint(queued) {
		t.Fatalf("after Advance queued messages are %v, want them to start with %v", got, queued)
	}
}

// Recycling clears the old messages so that entries they carried can be
// collected.
func TestReuseReadyBuffersClearsRecycledMessages(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.ReuseReadyBuffers = true })
	tn.elect(1)
	rn := tn.nodes[1]
	if err := rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready()
	if len(rd.Messages) == 0 {
		t.Fatal("proposal Ready has no messages")
	}
	tn.persist(1, rd.HardState, nil, rd.Entries)
	rn.Advance(rd)
	// Advance stepped the leader's own acknowledgement only; nothing new
	// was sent, so the Messages array is raft's, emptied.
	if len(rn.raft.msgs) != 0 || cap(rn.raft.msgs) == 0 {
		t.Fatalf("after Advance raft.msgs has len %d cap %d, want an empty reused array", len(rn.raft.msgs), cap(rn.raft.msgs))
	}
	for i, m := range rd.Messages {
		if m.Type != 0 || m.Entries != nil {
			t.Fatalf("recycled message %d still holds %s", i, DescribeMessage(m, nil))
		}
	}
}

func TestReuseReadyBuffersRejectsAsyncStorageWrites(t *testing.T) {
	c := newTestConfig(1, NewMemoryStorage())
	c.ReuseReadyBuffers, c.AsyncStorageWrites = true, true
	_, err := NewRawNode(c)
	if err == nil {
		t.Fatal("NewRawNode accepted ReuseReadyBuffers with AsyncStorageWrites")
	}
	c.AsyncStorageWrites = false
	if _, err := NewRawNode(c); err != nil {
		t.Fatalf("NewRawNode with ReuseReadyBuffers alone: %v", err)
	}
}

// syncCluster drives RawNodes 1..n in the synchronous mode with nothing
// in between: each Ready is persisted, its messages stepped straight into
// their recipients, its committed entries counted, and it is advanced.
type syncCluster struct {
	t       testing.TB
	nodes   []*RawNode
	stores  []*MemoryStorage
	applied []int // proposals applied per node
}

func newSyncCluster(t testing.TB, n int, reuse bool) *syncCluster {
	tn := newTestNet(t, n, func(c *Config) { c.ReuseReadyBuffers = reuse })
	tn.elect(1)
	c := &syncCluster{t: t, applied: make([]int, n)}
	for id := uint64(1); id <= uint64(n); id++ {
		c.nodes = append(c.nodes, tn.nodes[id])
		c.stores = append(c.stores, tn.stores[id])
	}
	return c
}

func (c *syncCluster) settle() {
	for busy := true; busy; {
		busy = false
		for i, rn := range c.nodes {
			if !rn.HasReady() {
				continue
			}
			busy = true
			rd := rn.Ready()
			if !IsEmptyHardState(rd.HardState) {
				_ = c.stores[i].SetHardState(rd.HardState)
			}
			if err := c.stores[i].Append(rd.Entries); err != nil {
				c.t.Fatal(err)
			}
			for _, m := range rd.Messages {
				if err := c.nodes[m.To-1].Step(m); err != nil {
					c.t.Fatal(err)
				}
			}
			for _, e := range rd.CommittedEntries {
				if e.Type == pb.EntryNormal && len(e.Data) > 0 {
					c.applied[i]++
				}
			}
			rn.Advance(rd)
		}
	}
}

// A three-voter proposal round, every Ready of every node handled, costs
// under one allocation per proposal with ReuseReadyBuffers, and at most
// one without it: the round's six Readies with messages (the leader's
// proposal and commit Readies, each follower's two acknowledgements) take
// their messages from chunks (msgchunk.go), about 0.4 allocations per
// round, and each node's unstable log gets a new array every few entries.
func TestThreeVoterRoundAllocations(t *testing.T) {
	for _, tc := range []struct {
		reuse    bool
		min, max float64
	}{
		{reuse: false, min: 0, max: 1},
		// AllocsPerRun truncates: 0 is below one per round.
		{reuse: true, min: 0, max: 0},
	} {
		t.Run(fmt.Sprintf("reuse=%v", tc.reuse), func(t *testing.T) {
			c := newSyncCluster(t, 3, tc.reuse)
			allocs := proposalRoundAllocations(t, c.nodes[0], c.settle, c.applied)
			if allocs < tc.min || allocs > tc.max {
				t.Fatalf("%.2f allocations per round, want within [%v, %v]", allocs, tc.min, tc.max)
			}
		})
	}
}

// Messages queued while the application holds a Ready (a Node steps
// messages and ticks until Advance) go into the spare arrays: a leader
// that heartbeats both inside and outside its Ready allocates nothing with
// ReuseReadyBuffers, and a Messages slice per Ready without it.
func TestReuseReadyBuffersSpareForMessagesBeforeAdvance(t *testing.T) {
	for _, tc := range []struct {
		reuse bool
		want  float64
	}{{false, 1}, {true, 0}} {
		tn := newTestNet(t, 3, func(c *Config) { c.ReuseReadyBuffers = tc.reuse })
		tn.elect(1)
		rn := tn.nodes[1]
		round := func() {
			rn.Tick() // heartbeats, handed out by the Ready below
			rd := rn.Ready()
			if len(rd.Messages) != 2 || rd.Messages[0].Type != pb.MsgHeartbeat {
				t.Fatalf("reuse=%v: Ready messages %v, want two heartbeats", tc.reuse, describeAll(rd.Messages))
			}
			rn.Tick() // queued while the Ready is held
			rn.Advance(rd)
			if len(rn.raft.msgs) != 2 {
				t.Fatalf("reuse=%v: %d messages queued after Advance, want 2", tc.reuse, len(rn.raft.msgs))
			}
			rn.raft.msgs = rn.raft.msgs[:0] // as if sent by the next Ready
		}
		for range 10 {
			round()
		}
		if got := testing.AllocsPerRun(100, round); got != tc.want {
			t.Errorf("reuse=%v: %.0f allocations per round, want %.0f", tc.reuse, got, tc.want)
		}
	}
}

// Clusters with ReuseReadyBuffers under message loss, reordering, ticks
// (elections, heartbeats) and proposals on random nodes apply one sequence
// everywhere once the network heals: recycling the message arrays
// corrupts nothing a node sends, persists or applies.
func TestReuseReadyBuffersRandomClusters(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		tn := newTestNet(t, 3, func(c *Config) {
			c.ReuseReadyBuffers = true
			c.PreVote = seed%2 == 0
			c.MaxInflightMsgs = 1 + int(seed%3)
			c.RandSeed = seed*10 + c.ID
		})
		tn.settle()
		tn.drop = func(pb.Message) bool { return rng.IntN(100) < 20 }
		tn.reorder = func(ms []pb.Message) { rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] }) }
		for i := range 120 {
			if rng.IntN(3) == 0 {
				_ = tn.nodes[uint64(1+rng.IntN(3))].Propose([]byte(fmt.Sprint(i)))
				tn.settle()
			} else {
				tn.tickAll(1)
			}
		}
		tn.drop, tn.reorder = nil, nil
		tn.tickAll(30)
		want := tn.appliedData(1)
		for id := uint64(2); id <= 3; id++ {
			if got := tn.appliedData(id); got != want {
				t.Fatalf("seed %d: node %d applied %s, node 1 %s", seed, id, got, want)
			}
		}
		if len(tn.applied[1]) == 0 {
			t.Fatalf("seed %d: nothing was applied", seed)
		}
	}
}

// A Ready with no messages, taken while raft's after-append queue is an
// empty array left by the previous Advance, must not hand that array out
// as both of its arrays: Advance would then give one array to both of
// raft's queues, and messages queued into one would overwrite the other's.
func TestReuseReadyBuffersEmptyReadyKeepsQueuesApart(t *testing.T) {
	var b readyBuffers
	after := make([]pb.Message, 0, 2)
	// What sendAfterAppend returns with nothing queued: after itself.
	b.keep(nil, after, after)
	r := &raft{}
	b.recycle(r)
	r.msgs = append(r.msgs, pb.Message{Type: pb.MsgHeartbeatResp, To: 2})
	r.msgsAfterAppend = append(r.msgsAfterAppend, pb.Message{Type: pb.MsgAppResp, To: 3})
	if len(r.msgs) != 1 || r.msgs[0].Type != pb.MsgHeartbeatResp || r.msgs[0].To != 2 {
		t.Errorf("raft's message queue holds %v, want the one heartbeat response", r.msgs)
	}
}

// A message queued while a Ready is held may carry entries of the log's
// array that the Ready's acknowledgement then drops from memory (durable
// entries beyond MaxCommittedSizePerReady): Advance must not rewind the
// array although the log has drained, or the next proposal would
// overwrite what that message sends.
func TestReuseReadyBuffersKeepsEntriesOfQueuedMessages(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) {
		c.ReuseReadyBuffers = true
		c.MaxCommittedSizePerReady = 1 // durable entries stay in memory up to 1 byte
	})
	tn.elect(1)
	tn.propose(1, "a") // a drained round: the array is rewound from now on
	rn := tn.nodes[1]
	if err := rn.Propose([]byte("xx")); err != nil {
		t.Fatal(err)
	}
	x := rn.raft.raftLog.lastIndex()
	rd := rn.Ready()
	tn.persist(1, rd.HardState, nil, rd.Entries)
	// Node 3 rejects x while the Ready is held: the leader queues x again,
	// from the log's array.
	rej := pb.Message{Type: pb.MsgAppResp, From: 3, To: 1, Term: rn.raft.term, Index: x, Reject: true,
		RejectHint: x - 1, LogTerm: rn.raft.term}
	if err := rn.Step(rej); err != nil {
		t.Fatal(err)
	}
	if !carriesEntries(rn.raft.msgs) {
		t.Fatalf("queued after the rejection: %v, want a MsgApp carrying x", describeAll(rn.raft.msgs))
	}
	rn.Advance(rd) // x durable, and too large to stay in memory
	if u := &rn.raft.raftLog.unstable; len(u.entries) != 0 || len(u.durable) != 0 {
		t.Fatalf("after Advance the log holds %d unstable and %d durable entries, want it drained", len(u.entries), len(u.durable))
	}
	if err := rn.Propose([]byte("yy")); err != nil {
		t.Fatal(err)
	}
	rd = rn.Ready()
	var resent []string
	for _, m := range rd.Messages {
		if m.To == 3 && m.Type == pb.MsgApp {
			for _, e := range m.Entries {
				resent = append(resent, string(e.Data))
			}
		}
	}
	// Node 3 is probed: nothing more goes to it until it answers.
	if fmt.Sprint(resent) != "[xx]" {
		t.Fatalf("MsgApps to node 3 carry %v, want [xx]", resent)
	}
}
