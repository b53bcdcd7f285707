package raft

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/tickraft/raft/raftpb"
)

// waitForLeaderWaiter waits until a proposer of n is blocked for lack of a
// leader. Polling is for setup only; nothing is timed.
func waitForLeaderWaiter(t *testing.T, n Node) {
	t.Helper()
	waitForLeaderWaiters(t, n, 1)
}

// waitForLeaderWaiters waits until n has a leader channel and at least
// want proposers are parked on it (or on their context or Stop), so that
// what the test does next finds them waiting rather than on their way in.
func waitForLeaderWaiters(t *testing.T, n Node, want int) {
	t.Helper()
	nd := n.(*node)
	deadline := time.Now().Add(10 * time.Second)
	for {
		nd.mu.Lock()
		waiting := nd.leaderc != nil
		nd.mu.Unlock()
		if waiting && parkedProposers() >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d proposers started waiting for a leader", want)
		}
		time.Sleep(time.Millisecond)
	}
}

// parkedProposers counts the goroutines blocked in node.propose's select.
func parkedProposers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	parked := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, frames, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "[select") && strings.HasPrefix(frames, "github.com/tickraft/raft.(*node).propose(") {
			parked++
		}
	}
	return parked
}

// receive takes the next Ready, failing the test if none comes.
func receive(t *testing.T, n Node) Ready {
	t.Helper()
	select {
	case rd := <-n.Ready():
		return rd
	case <-time.After(10 * time.Second):
		t.Fatal("no Ready")
		return Ready{}
	}
}

// Proposals from many goroutines are each applied exactly once, in the
// order of the log, and each proposer's own proposals in the order it made
// them: Propose has stepped its entry when it returns.
func TestNodeConcurrentProposalsAppliedOnceInOrder(t *testing.T) {
	n, s := singleVoterNode(t, nil)
	defer n.Stop()
	const proposers, each = 8, 50
	var wg sync.WaitGroup
	errc := make(chan error, proposers)
	for p := range proposers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := n.Propose(context.Background(), fmt.Appendf(nil, "%d/%d", p, i)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var last uint64
	seen := map[string]bool{}
	next := make([]int, proposers)
	for len(seen) < proposers*each {
		var rd Ready
		select {
		case rd = <-n.Ready():
		case err := <-errc:
			t.Fatal(err)
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out with %d of %d applied", len(seen), proposers*each)
		}
		_ = s.Append(rd.Entries)
		for _, e := range rd.CommittedEntries {
			if last != 0 && e.Index != last+1 {
				t.Fatalf("applied index %d after %d", e.Index, last)
			}
			last = e.Index
			if len(e.Data) == 0 {
				continue
			}
			d := string(e.Data)
			if seen[d] {
				t.Fatalf("%s applied twice", d)
			}
			seen[d] = true
			var p, i int
			if _, err := fmt.Sscanf(d, "%d/%d", &p, &i); err != nil {
				t.Fatal(err)
			}
			if i != next[p] {
				t.Fatalf("proposer %d: applied its proposal %d, want %d", p, i, next[p])
			}
			next[p]++
		}
		n.Advance()
	}
	wg.Wait()
}

// A proposal made while no leader is known waits for the election, and is
// then stepped and applied.
func TestNodeProposalBlockedUntilElection(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(1, s), []Peer{{ID: 1}})
	defer n.Stop()
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 1 })
	errc := make(chan error, 1)
	go func() { errc <- n.Propose(context.Background(), []byte("x")) }()
	waitForLeaderWaiter(t, n)
	select {
	case err := <-errc:
		t.Fatalf("Propose returned %v without a leader", err)
	default:
	}
	if err := n.Campaign(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := drive(t, n, s, false, func(a []string) bool { return len(a) == 1 })
	if err := <-errc; err != nil || got[0] != "x" {
		t.Fatalf("Propose: %v, applied %v", err, got)
	}
}

// A proposer waiting for a leader leaves when its context ends, and the
// node still serves the next one.
func TestNodeProposalBlockedHonoursCancel(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(1, s), []Peer{{ID: 1}})
	defer n.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- n.Propose(ctx, []byte("x")) }()
	waitForLeaderWaiter(t, n)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Propose: %v", err)
	}
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 1 })
	if err := n.Campaign(context.Background()); err != nil {
		t.Fatal(err)
	}
	go func() { errc <- n.Propose(context.Background(), []byte("y")) }()
	got := drive(t, n, s, false, func(a []string) bool { return len(a) == 1 })
	if err := <-errc; err != nil || got[0] != "y" {
		t.Fatalf("Propose after a cancelled one: %v, applied %v", err, got)
	}
}

// Stop releases a proposer waiting for a leader, and a Step(MsgProp)
// waiting likewise.
func TestNodeStopReleasesBlockedProposers(t *testing.T) {
	n := StartNode(newTestConfig(1, NewMemoryStorage()), []Peer{{ID: 1}})
	errc := make(chan error, 2)
	go func() { errc <- n.Propose(context.Background(), []byte("x")) }()
	go func() {
		errc <- n.Step(context.Background(), pb.Message{Type: pb.MsgProp, From: 2, Entries: []pb.Entry{{Data: []byte("y")}}})
	}()
	waitForLeaderWaiters(t, n, 2)
	n.Stop()
	for range 2 {
		if err := <-errc; !errors.Is(err, ErrStopped) {
			t.Fatalf("blocked proposal after Stop: %v", err)
		}
	}
}

// A Ready left in the channel is dropped by Stop: none is received after
// Stop, in either mode, and no goroutine is left.
func TestNodeStopWithReadyPending(t *testing.T) {
	for _, async := range []bool{false, true} {
		before := nodeGoroutines()
		c := newTestConfig(1, NewMemoryStorage())
		c.AsyncStorageWrites = async
		n := StartNode(c, []Peer{{ID: 1}})
		if nd := n.(*node); len(nd.readyc) != 1 {
			t.Fatalf("async=%v: the bootstrap Ready is not waiting in the channel", async)
		}
		if async {
			// Work behind the full channel: pump builds the next Ready
			// and waits to hand it out.
			n.Tick()
			if err := n.Campaign(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		n.Stop()
		select {
		case rd := <-n.Ready():
			t.Fatalf("async=%v: received a Ready after Stop: %+v", async, rd)
		default:
		}
		if after := nodeGoroutinesSettle(before); after != before {
			t.Fatalf("async=%v: %d node goroutines after Stop, %d before", async, after, before)
		}
	}
}

// Every method returns at once after Stop, with ErrStopped where it
// returns an error.
func TestNodeMethodsAfterStop(t *testing.T) {
	n, _ := singleVoterNode(t, nil)
	n.Stop()
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"Propose":           func() error { return n.Propose(ctx, []byte("x")) },
		"ProposeConfChange": func() error { return n.ProposeConfChange(ctx, pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: 2}) },
		"Step":              func() error { return n.Step(ctx, pb.Message{Type: pb.MsgHeartbeat, From: 2, Term: 9}) },
		"Campaign":          func() error { return n.Campaign(ctx) },
		"ForgetLeader":      func() error { return n.ForgetLeader(ctx) },
		"ReadIndex":         func() error { return n.ReadIndex(ctx, []byte("r")) },
	} {
		if err := f(); !errors.Is(err, ErrStopped) {
			t.Errorf("%s after Stop: %v, want ErrStopped", name, err)
		}
	}
	if cs := n.ApplyConfChange(pb.ConfChange{Type: pb.ConfChangeAddNode, NodeID: 2}); len(cs.Voters) != 0 {
		t.Errorf("ApplyConfChange after Stop: %v", cs)
	}
	if st := n.Status(); st.ID != 0 {
		t.Errorf("Status after Stop: %v", st)
	}
	n.Tick()
	n.Advance()
	n.TransferLeadership(ctx, 1, 2)
	n.ReportUnreachable(2)
	n.ReportSnapshot(2, SnapshotFailure)
	n.Stop()
}

// With AsyncStorageWrites no Advance says that the application took a
// Ready: work left behind a full channel still reaches the application
// with no further call to the node.
func TestNodeAsyncDeliversWithoutFurtherInput(t *testing.T) {
	n := startAsyncLeader(t)
	defer n.Stop()
	ctx := context.Background()
	for {
		select {
		case rd := <-n.Ready():
			if len(rd.Messages) > 0 {
				t.Fatalf("an idle leader has storage work: %v", rd.Messages)
			}
			continue
		default:
		}
		break
	}
	// "a" fills the channel; "b" is appended behind it.
	for _, d := range []string{"a", "b"} {
		if err := n.Propose(ctx, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	var appended []string
	for len(appended) < 2 {
		rd := receive(t, n) // the second one comes with no call in between
		for _, m := range rd.Messages {
			if m.Type == pb.MsgStorageAppend {
				for _, e := range m.Entries {
					appended = append(appended, string(e.Data))
				}
			}
		}
	}
	if !reflect.DeepEqual(appended, []string{"a", "b"}) {
		t.Fatalf("appended %q, want a then b", appended)
	}
}

// Advance puts the next Ready in the channel before it returns: a single
// voter's commit is there for a receive that does not wait.
func TestNodeAdvanceExposesNextReady(t *testing.T) {
	n, s := singleVoterNode(t, nil)
	defer n.Stop()
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 2 })
	if err := n.Propose(context.Background(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	rd := receive(t, n)
	if len(rd.Entries) != 1 || string(rd.Entries[0].Data) != "x" {
		t.Fatalf("Ready after Propose: entries %v", rd.Entries)
	}
	_ = s.Append(rd.Entries)
	n.Advance()
	select {
	case rd = <-n.Ready():
	default:
		t.Fatal("no Ready in the channel when Advance returned")
	}
	if len(rd.CommittedEntries) != 1 || string(rd.CommittedEntries[0].Data) != "x" {
		t.Fatalf("Ready after Advance: committed %v", rd.CommittedEntries)
	}
	n.Advance()
}

// An Advance with the Ready still in the channel acknowledges nothing: the
// application has not handled it.
func TestNodeAdvanceBeforeReceiveIsNoOp(t *testing.T) {
	n, s := singleVoterNode(t, nil)
	defer n.Stop()
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 2 })
	if err := n.Propose(context.Background(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	n.Advance()
	if st := n.Status(); st.Commit != 2 {
		t.Fatalf("commit %d after an early Advance, want 2: the write was acknowledged unwritten", st.Commit)
	}
	got := drive(t, n, s, false, func(a []string) bool { return len(a) == 1 })
	if got[0] != "x" {
		t.Fatalf("applied %v", got)
	}
}

// Advance with AsyncStorageWrites is a misuse that would otherwise never
// be acknowledged; it panics, naming the rule.
func TestNodeAdvanceAsyncPanics(t *testing.T) {
	c := newTestConfig(1, NewMemoryStorage())
	c.AsyncStorageWrites = true
	n := StartNode(c, []Peer{{ID: 1}})
	defer n.Stop()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "AsyncStorageWrites") {
			t.Fatalf("recovered %v, want a panic naming AsyncStorageWrites", r)
		}
		if st := n.Status(); st.ID != 1 {
			t.Fatal("the panic left the node locked") // Status would block
		}
	}()
	<-n.Ready()
	n.Advance()
}

// The application may call the Node from its Ready loop: a configuration
// change applied there takes effect.
func TestNodeApplyConfChangeFromReadyLoop(t *testing.T) {
	n, s := singleVoterNode(t, nil)
	defer n.Stop()
	if err := n.ProposeConfChange(context.Background(), pb.ConfChange{Type: pb.ConfChangeAddLearnerNode, NodeID: 2}); err != nil {
		t.Fatal(err)
	}
	var cs *pb.ConfState
	for cs == nil {
		rd := receive(t, n)
		_ = s.Append(rd.Entries)
		for _, e := range rd.CommittedEntries {
			if e.Type == pb.EntryConfChange {
				var cc pb.ConfChange
				if err := cc.Unmarshal(e.Data); err != nil {
					t.Fatal(err)
				}
				cs = n.ApplyConfChange(cc)
			}
		}
		_ = n.Status() // anytime, from this goroutine too
		if err := n.Propose(context.Background(), []byte("from the loop")); err != nil {
			t.Fatal(err)
		}
		n.Advance()
	}
	if !reflect.DeepEqual(cs.Learners, []uint64{2}) {
		t.Fatalf("ConfState %v, want learner 2", cs)
	}
	if _, ok := n.Status().Progress[2]; !ok {
		t.Fatal("the leader tracks no progress for the new learner")
	}
}

// Ticks from a goroutine of their own elect a restarted single voter
// while the application drives Readies.
func TestNodeTicksFromAnotherGoroutineElect(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(1, s), []Peer{{ID: 1}})
	defer n.Stop()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				n.Tick()
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	drive(t, n, s, false, func([]string) bool { return n.Status().RaftState == StateLeader })
	close(stop)
	wg.Wait()
}

// With AsyncStorageWrites, a Ready built by a call while pump is about to
// hand out the one it holds waits for it: the application receives them
// in the order they were accepted.
func TestNodeAsyncHeldReadyKeepsItsPlace(t *testing.T) {
	n := startAsyncLeader(t)
	defer n.Stop()
	ctx := context.Background()
	for len(n.Ready()) > 0 {
		<-n.Ready()
	}
	nd := n.(*node)
	holding, release := make(chan struct{}), make(chan struct{})
	nd.mu.Lock()
	nd.heldHook = func() {
		close(holding)
		<-release
	}
	nd.mu.Unlock()
	// "a" fills the channel; "b" is held by pump, which stops in the hook.
	for _, d := range []string{"a", "b"} {
		if err := n.Propose(ctx, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	<-holding
	nd.mu.Lock()
	nd.heldHook = nil
	nd.mu.Unlock()
	var appended []string
	collect := func(rd Ready) {
		for _, m := range rd.Messages {
			if m.Type == pb.MsgStorageAppend {
				for _, e := range m.Entries {
					appended = append(appended, string(e.Data))
				}
			}
		}
	}
	collect(receive(t, n)) // the channel is empty, "b" not yet in it
	if err := n.Propose(ctx, []byte("c")); err != nil {
		t.Fatal(err)
	}
	close(release)
	for len(appended) < 3 {
		collect(receive(t, n))
	}
	if !reflect.DeepEqual(appended, []string{"a", "b", "c"}) {
		t.Fatalf("appended %q, want a, b, c", appended)
	}
}

// Responses from nodes outside the configuration are dropped before the
// term rules: a stale or foreign peer cannot depose the leader.
func TestNodeStepDropsResponsesFromNonMembers(t *testing.T) {
	n, _ := singleVoterNode(t, nil)
	defer n.Stop()
	term := n.Status().Term
	if err := n.Step(context.Background(), pb.Message{Type: pb.MsgAppResp, From: 9, To: 1, Term: term + 3}); err != nil {
		t.Fatal(err)
	}
	if st := n.Status(); st.RaftState != StateLeader || st.Term != term {
		t.Fatalf("after a response from non-member 9: %s at term %d, want leader at %d", st.RaftState, st.Term, term)
	}
}

// pump woken for work that a call handed out before pump got the lock
// builds nothing: it would hand out an empty Ready.
func TestNodeAsyncPumpSkipsWorkAlreadyHandedOut(t *testing.T) {
	n := startAsyncLeader(t)
	ctx := context.Background()
	for len(n.Ready()) > 0 {
		<-n.Ready()
	}
	if err := n.Propose(ctx, []byte("a")); err != nil {
		t.Fatal(err)
	}
	nd := n.(*node)
	var held bool // written by pump under mu, read after Stop
	nd.mu.Lock()
	nd.heldHook = func() { held = true }
	// Wake pump for "b" behind the full channel, and let it take the
	// wake-up: it then waits for mu.
	if err := nd.rn.Propose([]byte("b")); err != nil {
		t.Fatal(err)
	}
	nd.publishLocked()
	for deadline := time.Now().Add(10 * time.Second); len(nd.wakec) > 0; {
		if time.Now().After(deadline) {
			t.Fatal("pump did not take its wake-up within 10s")
		}
		time.Sleep(time.Millisecond)
	}
	// Meanwhile the application takes "a" and a call hands out "b".
	<-n.Ready()
	nd.publishLocked()
	nd.mu.Unlock()
	rd := receive(t, n)
	if len(rd.Entries) != 1 || string(rd.Entries[0].Data) != "b" {
		t.Fatalf("Ready after a: entries %v, want b", rd.Entries)
	}
	n.Stop()
	if held {
		t.Fatal("pump built a Ready with nothing in it")
	}
}

// Step has stepped the message when it returns and keeps no reference to
// its entries: the caller may reuse their array at once (as
// ReuseReadyBuffers does at the sender's next Advance).
func TestNodeStepKeepsNoReferenceToEntries(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(2, s), []Peer{{ID: 1}, {ID: 2}})
	defer n.Stop()
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 2 })
	ents := []pb.Entry{{Term: 2, Index: 3, Data: []byte("x")}}
	m := pb.Message{Type: pb.MsgApp, From: 1, To: 2, Term: 2, LogTerm: 1, Index: 2, Commit: 2, Entries: ents}
	if err := n.Step(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	clear(ents)
	for {
		rd := receive(t, n)
		_ = s.Append(rd.Entries)
		n.Advance()
		if len(rd.Entries) > 0 {
			if e := rd.Entries[0]; len(rd.Entries) != 1 || e.Index != 3 || e.Term != 2 || string(e.Data) != "x" {
				t.Fatalf("appended %v, want 3@2 x", rd.Entries)
			}
			return
		}
	}
}

// startAsyncLeader starts a single-voter Node with AsyncStorageWrites and
// drives it until it leads and has applied its leader's empty entry, so no
// work is left. The caller stops it.
func startAsyncLeader(t *testing.T) Node {
	t.Helper()
	s := NewMemoryStorage()
	c := newTestConfig(1, s)
	c.AsyncStorageWrites = true
	n := StartNode(c, []Peer{{ID: 1}})
	drive(t, n, s, true, func([]string) bool { return n.Status().Applied >= 1 })
	if err := n.Campaign(context.Background()); err != nil {
		n.Stop()
		t.Fatal(err)
	}
	drive(t, n, s, true, func([]string) bool { return n.Status().Applied >= 2 })
	return n
}

// A panic inside raft (here: applying a conf change the configuration
// cannot take) reaches the caller, and the node stops on the way out: an
// application that recovers gets ErrStopped from later calls, a proposer
// waiting for a leader is released, and Stop returns, instead of all of
// them blocking on the node's lock.
func TestNodePanicStopsTheNode(t *testing.T) {
	s := NewMemoryStorage()
	n := StartNode(newTestConfig(1, s), []Peer{{ID: 1}})
	drive(t, n, s, false, func([]string) bool { return n.Status().Applied >= 1 })
	waiting := make(chan error, 1)
	go func() { waiting <- n.Propose(context.Background(), []byte("x")) }() // no leader yet: waits
	waitForLeaderWaiter(t, n)

	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "conf change") {
				t.Fatalf("recovered %v, want the conf change panic", r)
			}
		}()
		n.ApplyConfChange(pb.ConfChangeV2{}) // leaves a joint config: there is none
	}()

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := n.Propose(context.Background(), []byte("y")); !errors.Is(err, ErrStopped) {
			t.Errorf("Propose after the panic: %v, want ErrStopped", err)
		}
		if err := n.Campaign(context.Background()); !errors.Is(err, ErrStopped) {
			t.Errorf("Campaign after the panic: %v, want ErrStopped", err)
		}
		if st := n.Status(); st.ID != 0 {
			t.Errorf("Status after the panic: %+v, want the zero Status of a stopped node", st.BasicStatus)
		}
		n.Tick()
		n.Advance()
		if err := <-waiting; !errors.Is(err, ErrStopped) {
			t.Errorf("the waiting proposer got %v, want ErrStopped", err)
		}
		n.Stop()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("calls after the panic block: the node's lock was left held")
	}
}
