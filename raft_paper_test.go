package raft

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
)

// Tests of the Raft paper's §5 (Ongaro and Ousterhout, "In Search of an
// Understandable Consensus Algorithm", extended version), one property or
// rule each. Node 1 is the node under test unless said otherwise.

// readyOf takes node rn's Ready, persists it to s, and advances, returning
// it. Advance steps the node's messages to itself (its own vote).
func readyOf(t *testing.T, rn *RawNode, s Storage) Ready {
	t.Helper()
	rd := rn.Ready()
	ms := s.(*MemoryStorage)
	if len(rd.Entries) > 0 {
		if err := ms.Append(rd.Entries); err != nil {
			t.Fatal(err)
		}
	}
	if !IsEmptyHardState(rd.HardState) {
		if err := ms.SetHardState(rd.HardState); err != nil {
			t.Fatal(err)
		}
	}
	rn.Advance(rd)
	return rd
}

func mustStep(t *testing.T, rn *RawNode, m pb.Message) {
	t.Helper()
	if err := rn.Step(m); err != nil {
		t.Fatalf("Step(%s): %v", DescribeMessage(m, nil), err)
	}
}

// msgsOfType returns the messages of type typ in ms, sorted by recipient.
func msgsOfType(ms []pb.Message, typ pb.MessageType) []pb.Message {
	var out []pb.Message
	for _, m := range ms {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b pb.Message) int { return int(a.To) - int(b.To) })
	return out
}

// §5.2: "When servers start up, they begin as followers."
func TestPaperServersStartAsFollowers(t *testing.T) {
	rn := newPaperNode(t, 1, 3, 1, 1)
	if st := rn.Status(); st.RaftState != StateFollower || st.Term != 1 || st.Lead != None {
		t.Fatalf("a started node is %v in term %d with leader %d, want a follower in term 1 with no leader", st.RaftState, st.Term, st.Lead)
	}
}

// §5.2: "If a follower receives no communication over a period of time
// called the election timeout, then it ... begins an election": it
// increments its term, votes for itself and sends RequestVote to every
// other server. Its own vote counts only once durable.
func TestPaperFollowerStartsElectionAfterTimeout(t *testing.T) {
	rn := newPaperNode(t, 1, 3, 1, 2) // last entry 3/2
	s := rn.raft.raftLog.storage
	ticks := 0
	for rn.raft.state == StateFollower {
		rn.Tick()
		if ticks++; ticks > 20 {
			t.Fatal("no election after 20 ticks (twice ElectionTick)")
		}
	}
	if ticks < 10 {
		t.Fatalf("the election started after %d ticks, before ElectionTick (10)", ticks)
	}
	if st := rn.raft.state; st != StateCandidate || rn.raft.term != 3 {
		t.Fatalf("after the timeout the node is %v in term %d, want a candidate in term 3", st, rn.raft.term)
	}
	rd := rn.Ready()
	if rd.HardState.Term != 3 || rd.HardState.Vote != 1 || !rd.MustSync {
		t.Fatalf("Ready.HardState = %+v (MustSync %v), want term 3 and its own vote, synced", rd.HardState, rd.MustSync)
	}
	votes := msgsOfType(rd.Messages, pb.MsgVote)
	if len(votes) != 2 || len(rd.Messages) != 2 {
		t.Fatalf("Ready.Messages = %v, want one MsgVote to each of 2 and 3", rd.Messages)
	}
	for i, m := range votes {
		if m.To != uint64(i+2) || m.Term != 3 || m.LogTerm != 2 || m.Index != 3 {
			t.Errorf("vote request %d = %s, want to %d in term 3 with last entry 3/2", i, DescribeMessage(m, nil), i+2)
		}
	}
	// A peer's grant is not a majority of 3 while its own vote is not
	// durable.
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 2, To: 1, Term: 3})
	if st := rn.raft.state; st != StateCandidate {
		t.Fatalf("state = %v before its own vote is durable, want candidate", st)
	}
	if err := s.(*MemoryStorage).SetHardState(rd.HardState); err != nil {
		t.Fatal(err)
	}
	rn.Advance(rd)
	if st := rn.raft.state; st != StateLeader {
		t.Fatalf("state = %v with its durable vote and one grant, want leader", st)
	}
}

// §5.2: "A candidate wins an election if it receives votes from a majority
// of the servers ... it then sends heartbeat messages to all of the other
// servers to establish its authority"; here that is the new leader's empty
// entry (§8), sent to each follower.
func TestPaperCandidateWinsWithMajority(t *testing.T) {
	rn := newPaperNode(t, 1, 5, 1) // last entry 2/1
	s := rn.raft.raftLog.storage
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	readyOf(t, rn, s) // its own vote is durable: 1 of 5
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 2, To: 1, Term: 2})
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 3, To: 1, Term: 2, Reject: true})
	if st := rn.raft.state; st != StateCandidate {
		t.Fatalf("state = %v with 2 of 5 votes, want candidate", st)
	}
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 4, To: 1, Term: 2})
	if st := rn.raft.state; st != StateLeader {
		t.Fatalf("state = %v with 3 of 5 votes, want leader", st)
	}
	rd := readyOf(t, rn, s)
	if want := []pb.Entry{{Term: 2, Index: 3}}; !slices.EqualFunc(rd.Entries, want, func(a, b pb.Entry) bool { return a.Term == b.Term && a.Index == b.Index && len(a.Data) == 0 }) {
		t.Fatalf("the new leader appends %v, want one empty entry 3/2", rd.Entries)
	}
	apps := msgsOfType(rd.Messages, pb.MsgApp)
	if len(apps) != 4 {
		t.Fatalf("the new leader sends %v, want a MsgApp to each of 4 followers", rd.Messages)
	}
	for i, m := range apps {
		if m.To != uint64(i+2) || m.Term != 2 || m.Index != 2 || m.LogTerm != 1 || len(m.Entries) != 1 || m.Entries[0].Index != 3 {
			t.Errorf("append %d = %s, want to %d after 2/1 carrying 3/2", i, DescribeMessage(m, nil), i+2)
		}
	}
}

// §5.2: a candidate that loses (a majority rejects it) gives up the
// election and waits for a leader.
func TestPaperCandidateLosesToMajorityRejection(t *testing.T) {
	rn := newPaperNode(t, 1, 3, 1)
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	readyOf(t, rn, rn.raft.raftLog.storage)
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 2, To: 1, Term: 2, Reject: true})
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 3, To: 1, Term: 2, Reject: true})
	if st, term := rn.raft.state, rn.raft.term; st != StateFollower || term != 2 {
		t.Fatalf("after 2 of 3 rejections the node is %v in term %d, want a follower in term 2", st, term)
	}
}

// §5.2: "If the leader's term ... is at least as large as the candidate's
// current term, then the candidate recognizes the leader as legitimate and
// returns to follower state. If the term in the RPC is smaller ... the
// candidate rejects the RPC and continues in candidate state."
func TestPaperCandidateStepsDownForLeaderOfItsTermOrHigher(t *testing.T) {
	for _, tc := range []struct {
		typ      pb.MessageType
		term     uint64
		want     StateType
		wantTerm uint64
		wantLead uint64
	}{
		{pb.MsgApp, 1, StateCandidate, 2, None}, // a stale leader
		{pb.MsgHeartbeat, 1, StateCandidate, 2, None},
		{pb.MsgApp, 2, StateFollower, 2, 3}, // the leader of its term
		{pb.MsgHeartbeat, 2, StateFollower, 2, 3},
		{pb.MsgApp, 4, StateFollower, 4, 3}, // a leader of a later term
		{pb.MsgHeartbeat, 4, StateFollower, 4, 3},
	} {
		t.Run(fmt.Sprintf("%s/term%d", tc.typ, tc.term), func(t *testing.T) {
			rn := newPaperNode(t, 1, 3, 1)
			if err := rn.Campaign(); err != nil {
				t.Fatal(err)
			}
			readyOf(t, rn, rn.raft.raftLog.storage)
			m := pb.Message{Type: tc.typ, From: 3, To: 1, Term: tc.term}
			if tc.typ == pb.MsgApp {
				m.Index, m.LogTerm = 2, 1 // its last entry: the append matches
			}
			mustStep(t, rn, m)
			if r := rn.raft; r.state != tc.want || r.term != tc.wantTerm || r.lead != tc.wantLead {
				t.Fatalf("node is %v in term %d led by %d, want %v in term %d led by %d", r.state, r.term, r.lead, tc.want, tc.wantTerm, tc.wantLead)
			}
		})
	}
}

// ticksToCampaign ticks rn until it starts a new election term and returns
// how many ticks that took.
func ticksToCampaign(t *testing.T, rn *RawNode) int {
	t.Helper()
	term := rn.raft.term
	for n := 1; n <= 40; n++ {
		rn.Tick()
		if rn.raft.term > term {
			readyOf(t, rn, rn.raft.raftLog.storage)
			return n
		}
	}
	t.Fatal("no new election within 40 ticks")
	return 0
}

// §5.2: with a split vote "each candidate will time out and start a new
// election by incrementing its term"; "election timeouts are chosen
// randomly from a fixed interval" (here [ElectionTick, 2*ElectionTick)).
func TestPaperSplitVoteRetriesInNextTerm(t *testing.T) {
	rn := newPaperNode(t, 1, 3, 1)
	ticksToCampaign(t, rn)
	for term := uint64(3); term <= 12; term++ {
		// Nobody answers: the vote is split or lost.
		n := ticksToCampaign(t, rn)
		if r := rn.raft; r.state != StateCandidate || r.term != term || r.vote != 1 {
			t.Fatalf("retry: node is %v in term %d voting %d, want a candidate in term %d voting for itself", r.state, r.term, r.vote, term)
		}
		if n < 10 || n >= 20 {
			t.Fatalf("the retry for term %d came after %d ticks, outside [10, 20)", term, n)
		}
	}
}

// §5.2's randomized timeouts come from a per-node source seeded through
// Config.RandSeed (DESIGN.md, promise 3): the same seed gives the same
// sequence of timeouts, different seeds different ones.
func TestPaperRandomizedTimeoutsFollowTheSeed(t *testing.T) {
	timeouts := func(seed uint64) []int {
		s := NewMemoryStorage()
		c := newTestConfig(1, s)
		c.RandSeed = seed
		rn, err := NewRawNode(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := rn.Bootstrap([]Peer{{ID: 1}, {ID: 2}, {ID: 3}}); err != nil {
			t.Fatal(err)
		}
		tn := &testNet{t: t, nodes: map[uint64]*RawNode{1: rn}, stores: map[uint64]*MemoryStorage{1: s},
			applied: map[uint64][]pb.Entry{}, appliedIndex: map[uint64]uint64{}}
		tn.handleReady(1) // persist and apply the bootstrap
		var seq []int
		for i := 0; i < 16; i++ {
			seq = append(seq, ticksToCampaign(t, rn))
		}
		return seq
	}
	a, b, c := timeouts(7), timeouts(7), timeouts(8)
	if !slices.Equal(a, b) {
		t.Fatalf("seed 7 gave %v, then %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("seeds 7 and 8 gave the same timeouts %v", a)
	}
	if slices.Min(a) == slices.Max(a) {
		t.Fatalf("timeouts %v are not randomized", a)
	}
}

// §5.2: "Each server will vote for at most one candidate in a given term,
// on a first-come-first-served basis", and Figure 2 makes votedFor
// persistent: the vote survives a restart.
func TestPaperVotesAtMostOncePerTerm(t *testing.T) {
	rn := newPaperNode(t, 1, 3, 1)
	s := rn.raft.raftLog.storage
	vote := func(rn *RawNode, from uint64) bool {
		mustStep(t, rn, pb.Message{Type: pb.MsgVote, From: from, To: 1, Term: 2, LogTerm: 1, Index: 2})
		rd := readyOf(t, rn, s)
		resps := msgsOfType(rd.Messages, pb.MsgVoteResp)
		if len(resps) != 1 || resps[0].To != from || resps[0].Term != 2 {
			t.Fatalf("answers to %d: %v, want one MsgVoteResp in term 2", from, rd.Messages)
		}
		return !resps[0].Reject
	}
	if !vote(rn, 2) {
		t.Fatal("the first candidate of term 2 was refused")
	}
	if hs, _, _ := s.InitialState(); hs.Term != 2 || hs.Vote != 2 {
		t.Fatalf("durable hard state %+v, want term 2 vote 2", hs)
	}
	if vote(rn, 3) {
		t.Fatal("a second candidate of term 2 got a vote")
	}
	if !vote(rn, 2) {
		t.Fatal("a repeated request of the chosen candidate was refused")
	}
	restarted, err := NewRawNode(newTestConfig(1, s))
	if err != nil {
		t.Fatal(err)
	}
	if vote(restarted, 3) {
		t.Fatal("after a restart a second candidate of term 2 got a vote")
	}
}

// §5.4.1, the election restriction: a voter denies its vote if its own log
// is more up-to-date than the candidate's: "If the logs have last entries
// with different terms, then the log with the later term is more
// up-to-date. If the logs end with the same term, then whichever log is
// longer is more up-to-date."
func TestPaperVoterDeniesLessUpToDateCandidate(t *testing.T) {
	for _, tc := range []struct {
		lastTerm, lastIndex uint64
		grant               bool
	}{
		{1, 10, false}, // an earlier last term loses, however long
		{2, 3, false},  // the same last term, shorter
		{2, 4, true},   // the same log end
		{2, 5, true},   // the same last term, longer
		{3, 1, true},   // a later last term wins, however short
	} {
		t.Run(fmt.Sprintf("%d/%d", tc.lastIndex, tc.lastTerm), func(t *testing.T) {
			rn := newPaperNode(t, 1, 3, 1, 2, 2) // log ends with 4/2
			mustStep(t, rn, pb.Message{Type: pb.MsgVote, From: 2, To: 1, Term: 3, LogTerm: tc.lastTerm, Index: tc.lastIndex})
			resps := msgsOfType(rn.Ready().Messages, pb.MsgVoteResp)
			if len(resps) != 1 || resps[0].Reject == tc.grant {
				t.Fatalf("answer %v, want granted=%v", resps, tc.grant)
			}
		})
	}
}

// appendMsg is a MsgApp from leader 2 in term after prev carrying entries
// of the given terms.
func appendMsg(term uint64, prev entryID, commit uint64, terms ...uint64) pb.Message {
	m := pb.Message{Type: pb.MsgApp, From: 2, To: 1, Term: term, LogTerm: prev.term, Index: prev.index, Commit: commit}
	for i, tm := range terms {
		m.Entries = append(m.Entries, pb.Entry{Term: tm, Index: prev.index + 1 + uint64(i)})
	}
	return m
}

// §5.3, the AppendEntries consistency check: "If the follower does not
// find an entry in its log with the same index and term, then it refuses
// the new entries"; "if an existing entry conflicts with a new one (same
// index but different terms), delete the existing entry and all that
// follow it" — and only those: an entry the leader's append agrees with is
// kept.
func TestPaperFollowerChecksConsistencyAndTruncatesConflicts(t *testing.T) {
	// The follower's log: 2/1 3/2 4/2 after the snapshot 1/1.
	for _, tc := range []struct {
		name   string
		m      pb.Message
		reject bool
		want   []entryID
	}{
		{"prev term differs", appendMsg(3, entryID{term: 3, index: 3}, 1, 3), true,
			[]entryID{{1, 2}, {2, 3}, {2, 4}}},
		{"prev past the end", appendMsg(3, entryID{term: 2, index: 5}, 1, 3), true,
			[]entryID{{1, 2}, {2, 3}, {2, 4}}},
		{"conflict truncates", appendMsg(3, entryID{term: 1, index: 2}, 1, 3), false,
			[]entryID{{1, 2}, {3, 3}}},
		{"conflict after a match", appendMsg(3, entryID{term: 1, index: 2}, 1, 2, 3, 3), false,
			[]entryID{{1, 2}, {2, 3}, {3, 4}, {3, 5}}},
		{"a stale shorter append keeps the tail", appendMsg(2, entryID{term: 1, index: 2}, 1, 2), false,
			[]entryID{{1, 2}, {2, 3}, {2, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rn := newPaperNode(t, 1, 3, 1, 2, 2)
			mustStep(t, rn, tc.m)
			rd := rn.Ready()
			resps := msgsOfType(rd.Messages, pb.MsgAppResp)
			if len(resps) != 1 || resps[0].Reject != tc.reject {
				t.Fatalf("answer %v, want one MsgAppResp with reject=%v", rd.Messages, tc.reject)
			}
			if got := logIDs(t, rn.raft); !slices.Equal(got, tc.want) {
				t.Fatalf("log = %v, want %v", got, tc.want)
			}
		})
	}
}

// §5.3: "A log entry is committed once the leader that created the entry
// has replicated it on a majority of the servers"; replicated means
// durable, and the leader's own copy counts only once its write is durable.
func TestPaperLeaderCommitsOnDurableMajority(t *testing.T) {
	tn := newCampaignNet(t, 3, nil)
	tn.elect(1)
	rn := tn.nodes[1]
	committed := rn.raft.raftLog.committed // the empty entry 4/2
	if err := rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	rd := rn.Ready() // not yet written
	if len(rd.Entries) != 1 || rd.Entries[0].Index != committed+1 {
		t.Fatalf("Ready.Entries = %v, want the proposal at %d", rd.Entries, committed+1)
	}
	mustStep(t, rn, pb.Message{Type: pb.MsgAppResp, From: 2, To: 1, Term: 2, Index: committed + 1})
	if got := rn.raft.raftLog.committed; got != committed {
		t.Fatalf("commit = %d with one follower's copy and its own not durable, want %d", got, committed)
	}
	tn.persist(1, rd.HardState, nil, rd.Entries)
	rn.Advance(rd)
	if got := rn.raft.raftLog.committed; got != committed+1 {
		t.Fatalf("commit = %d once its own copy is durable, want %d", got, committed+1)
	}
}

// §5.3: a follower acknowledges an append only once the entries are
// durable: with AsyncStorageWrites its MsgAppResp travels with the write.
func TestPaperFollowerAcknowledgesOnlyDurableEntries(t *testing.T) {
	tn := newCampaignNet(t, 3, func(c *Config) { c.AsyncStorageWrites = true })
	tn.elect(2)
	f := tn.nodes[1]
	last := f.raft.raftLog.lastIndex()
	mustStep(t, f, pb.Message{Type: pb.MsgApp, From: 2, To: 1, Term: 2, Index: last, LogTerm: 2,
		Entries: []pb.Entry{{Term: 2, Index: last + 1, Data: []byte("x")}}})
	rd := f.Ready()
	if len(rd.Messages) != 1 || rd.Messages[0].To != LocalAppendThread {
		t.Fatalf("Ready.Messages = %v, want only the write", rd.Messages)
	}
	resps := msgsOfType(rd.Messages[0].Responses, pb.MsgAppResp)
	if len(resps) != 1 || resps[0].To != 2 || resps[0].Index != last+1 {
		t.Fatalf("the write's responses = %v, want the acknowledgement of %d to 2", rd.Messages[0].Responses, last+1)
	}
}

// §5.3: "The leader keeps track of the highest index it knows to be
// committed, and it includes that index in future AppendEntries RPCs
// (including heartbeats) so that the other servers eventually find out.
// Once a follower learns that a log entry is committed, it applies the
// entry to its local state machine (in log order)."
func TestPaperFollowerLearnsCommitAndAppliesInOrder(t *testing.T) {
	rn := newPaperNode(t, 1, 3, 1)
	s := rn.raft.raftLog.storage
	// Three entries, none known committed yet.
	mustStep(t, rn, appendMsg(2, entryID{term: 1, index: 2}, 1, 2, 2, 2))
	rd := readyOf(t, rn, s)
	if len(rd.CommittedEntries) != 0 {
		t.Fatalf("applied %v before learning of a commit", rd.CommittedEntries)
	}
	// A heartbeat carries commit 3.
	mustStep(t, rn, pb.Message{Type: pb.MsgHeartbeat, From: 2, To: 1, Term: 2, Commit: 3})
	rd = readyOf(t, rn, s)
	if got := indexes(rd.CommittedEntries); !slices.Equal(got, []uint64{2, 3}) {
		t.Fatalf("applied %v after a heartbeat with commit 3, want [2 3]", got)
	}
	// A later append carries commit 7, past its log: it commits what it
	// has, 4 and 5.
	mustStep(t, rn, appendMsg(2, entryID{term: 2, index: 4}, 7, 2))
	rd = readyOf(t, rn, s)
	if got := indexes(rd.CommittedEntries); !slices.Equal(got, []uint64{4, 5}) {
		t.Fatalf("applied %v after an append ending at 5 with commit 7, want [4 5]", got)
	}
}

func indexes(ents []pb.Entry) []uint64 {
	var out []uint64
	for _, e := range ents {
		out = append(out, e.Index)
	}
	return out
}

// §5.4.2 and Figure 8: "Raft never commits log entries from previous terms
// by counting replicas. Only log entries from the leader's current term are
// committed by counting replicas; once an entry from the current term has
// been committed ... all prior entries are committed indirectly."
//
//	index  1 2 3
//	S1     1 1 2  4   (leader of term 4; 3/2 is on S1, S2, S3)
//	S2     1 1 2
//	S3     1 1 2
func TestPaperLeaderDoesNotCommitOldTermByCounting(t *testing.T) {
	rn := newPaperNode(t, 1, 5, 1, 2) // log ends 3/2, term 2
	s := rn.raft.raftLog.storage
	// It hears of term 3, in which S5 led without reaching it.
	mustStep(t, rn, pb.Message{Type: pb.MsgHeartbeat, From: 5, To: 1, Term: 3})
	readyOf(t, rn, s)
	if err := rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	readyOf(t, rn, s)
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 2, To: 1, Term: 4})
	mustStep(t, rn, pb.Message{Type: pb.MsgVoteResp, From: 3, To: 1, Term: 4})
	if rn.raft.state != StateLeader || rn.raft.term != 4 {
		t.Fatalf("node is %v in term %d, want leader of term 4", rn.raft.state, rn.raft.term)
	}
	readyOf(t, rn, s) // its empty entry 4/4 is durable
	for _, from := range []uint64{2, 3} {
		mustStep(t, rn, pb.Message{Type: pb.MsgAppResp, From: from, To: 1, Term: 4, Index: 3})
	}
	if got := rn.raft.raftLog.committed; got != 1 {
		t.Fatalf("commit = %d with 3/2 on a majority, want 1: it is of an older term", got)
	}
	mustStep(t, rn, pb.Message{Type: pb.MsgAppResp, From: 2, To: 1, Term: 4, Index: 4})
	if got := rn.raft.raftLog.committed; got != 1 {
		t.Fatalf("commit = %d with 4/4 on 2 of 5, want 1", got)
	}
	mustStep(t, rn, pb.Message{Type: pb.MsgAppResp, From: 3, To: 1, Term: 4, Index: 4})
	if got := rn.raft.raftLog.committed; got != 4 {
		t.Fatalf("commit = %d with 4/4 on 3 of 5, want 4 (and 3/2 with it)", got)
	}
}

// TestPaperSafetyRandomized runs seeded clusters of 3 and 5 nodes under
// message loss, reordering, partitions, crashes that lose unsynced writes,
// and both durability modes, and checks after every event the safety
// properties of Figure 3: Election Safety, Leader Append-Only, Log
// Matching, Leader Completeness and State Machine Safety.
func TestPaperSafetyRandomized(t *testing.T) {
	leaders, applied := 0, 0
	for seed := uint64(0); seed < 16; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s := newPaperSim(t, seed)
			s.run(1600)
			leaders += len(s.check.leaders)
			applied += len(s.check.applied)
		})
	}
	// The runs must exercise what they check.
	if leaders < 48 || applied < 48 {
		t.Fatalf("%d leaderships and %d applied indexes over all seeds: too few to test anything", leaders, applied)
	}
}

// The checker of TestPaperSafetyRandomized must catch each violation:
// fabricated histories break one property each.
func TestPaperSafetyCheckerCatchesViolations(t *testing.T) {
	id := func(term, index uint64) entryID { return entryID{term: term, index: index} }
	l := func(ids ...entryID) []entryID { return ids }
	for _, tc := range []struct {
		name    string
		history []nodeObs
		applies []entryID // applied by nodes 1, 2, ... in turn
		want    string
	}{
		{name: "two leaders in a term", history: []nodeObs{
			{id: 1, term: 2, leader: true, log: l(id(1, 1))},
			{id: 2, term: 2, leader: true, log: l(id(1, 1))},
		}, want: "election safety"},
		{name: "a leader drops an entry", history: []nodeObs{
			{id: 1, term: 2, leader: true, log: l(id(1, 1), id(2, 2))},
			{id: 1, term: 2, leader: true, log: l(id(1, 1))},
		}, want: "append-only"},
		{name: "a leader overwrites an entry", history: []nodeObs{
			{id: 1, term: 3, leader: true, log: l(id(1, 1), id(3, 2))},
			{id: 1, term: 3, leader: true, log: l(id(1, 1), id(2, 2))},
		}, want: "append-only"},
		{name: "logs share an entry but not its prefix", history: []nodeObs{
			{id: 1, term: 3, log: l(id(1, 1), id(2, 2), id(3, 3))},
			{id: 2, term: 3, log: l(id(1, 1), id(1, 2), id(3, 3))},
		}, want: "log matching"},
		{name: "a later leader lacks a committed entry", history: []nodeObs{
			{id: 1, term: 2, log: l(id(1, 1), id(2, 2)), committed: 2},
			{id: 3, term: 3, leader: true, log: l(id(1, 1))},
		}, want: "leader completeness"},
		{name: "two entries committed at one index", history: []nodeObs{
			{id: 1, term: 2, log: l(id(1, 1), id(2, 2)), committed: 2},
			{id: 2, term: 3, log: l(id(1, 1), id(3, 2)), committed: 2},
		}, want: "leader completeness"},
		{name: "two entries applied at one index",
			applies: []entryID{id(2, 5), id(3, 5)}, want: "state machine safety"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSafetyChecker()
			var err error
			for _, o := range tc.history {
				if err = c.observe(o); err != nil {
					break
				}
			}
			for i, e := range tc.applies {
				if err = c.stateMachineSafety(uint64(i+1), e); err != nil {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("checker said %v, want a %s violation", err, tc.want)
			}
		})
	}
	// And a legal history passes: a new leader of a later term with a
	// longer log, followers catching up and a stale follower truncated.
	c := newSafetyChecker()
	for _, o := range []nodeObs{
		{id: 1, term: 2, leader: true, log: l(id(1, 1), id(2, 2)), committed: 1},
		{id: 2, term: 2, log: l(id(1, 1), id(2, 2), id(2, 3)), committed: 1},
		{id: 3, term: 3, leader: true, log: l(id(1, 1), id(2, 2), id(3, 3)), committed: 2},
		{id: 2, term: 3, log: l(id(1, 1), id(2, 2), id(3, 3)), committed: 3},
		{id: 1, term: 3, log: l(id(1, 1), id(2, 2), id(3, 3)), committed: 3},
	} {
		if err := c.observe(o); err != nil {
			t.Fatalf("a legal history was refused: %v", err)
		}
	}
}
