package rafttest

import (
	"fmt"
	"testing"
)

// FuzzStep drives a simulated cluster by a fuzzed schedule instead of the
// simulator's random source: each pair of bytes picks an action and its
// argument (a node, or a message in flight). The first byte picks the
// storage mode, the Raft options, and whether the cluster has five voters
// and takes membership changes (three voters otherwise). Every action is
// followed by the simulator's invariant checks; a panic or a broken
// invariant fails, an error from Step does not.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0})
	// Five voters with membership changes: elect, then alternate proposals,
	// conf changes and deliveries.
	f.Add(churnSchedule())
	f.Fuzz(func(t *testing.T, schedule []byte) {
		if len(schedule) == 0 {
			return
		}
		fs := newFuzzSim(schedule[0])
		for i := 1; i+1 < len(schedule); i += 2 {
			if msg := fs.do(schedule[i], schedule[i+1]); msg != "" {
				t.Fatalf("action %d (%s): %s\nlast events:\n%s", i/2, fs.last, msg, fs.s.trace.String())
			}
		}
	})
}

// churnSchedule is a seed schedule for five voters with membership
// changes: node 1 ticks until it campaigns, and every round all nodes do
// their work, messages are delivered, and a conf change and a proposal are
// made.
func churnSchedule() []byte {
	const tick, work, deliver, propose, confchange = 2, 0, 1, 5, 10
	s := []byte{8}
	for range 60 {
		s = append(s, tick, 0)
		for n := range byte(5) {
			s = append(s, work, n)
		}
		for range 10 {
			s = append(s, deliver, 0)
		}
		for n := range byte(5) {
			s = append(s, work, n)
		}
		for range 10 {
			s = append(s, deliver, 0)
		}
		s = append(s, confchange, 0, propose, 0)
	}
	return s
}

// fuzzSim is a Sim with its faults off: the schedule alone decides what is
// delivered, dropped, ticked, proposed, reconfigured and crashed.
type fuzzSim struct {
	s    *Sim
	last string
}

func newFuzzSim(mode byte) *fuzzSim {
	churn := mode&8 != 0
	s := newSim(SimOptions{Seed: uint64(mode), Steps: 1, TraceLen: 40, Churn: churn}, func(p *simParams) {
		p.nodes = 3
		if churn {
			p.nodes = 5 // churn demotes only while more than three voters remain
		}
		p.async = mode&1 != 0
		p.preVote = mode&2 != 0
		p.checkQuorum = mode&4 != 0
	})
	// Without faults the simulator's own chances are off and every node does
	// its work when asked.
	s.faulty = false
	return &fuzzSim{s: s}
}

// fuzzActions are the schedule's verbs, chosen by a byte modulo their count.
var fuzzActions = [...]string{"work", "deliver", "tick", "drop", "duplicate", "propose", "crash", "read", "compact", "transfer", "confchange"}

// do runs one action and the invariant checks after it; it returns a
// violation or "".
func (fs *fuzzSim) do(action, arg byte) (failure string) {
	s := fs.s
	defer func() {
		if r := recover(); r != nil {
			failure = fmt.Sprintf("panic: %v", r)
		}
	}()
	s.step++
	n := s.nodes[int(arg)%len(s.nodes)]
	verb := fuzzActions[int(action)%len(fuzzActions)]
	fs.last = fmt.Sprintf("%s %d", verb, arg)
	switch verb {
	case "work":
		if err := n.work(); err != nil {
			return err.Error()
		}
	case "deliver", "drop", "duplicate":
		fs.flight(verb, int(arg))
	case "tick":
		n.rn.Tick()
	case "propose":
		s.propose(n)
	case "crash":
		n.crash()
	case "read":
		s.read(n, nil)
	case "compact":
		n.compact()
	case "transfer":
		n.rn.TransferLeader(s.nodes[int(arg/3)%len(s.nodes)].id)
	case "confchange":
		if s.opts.Churn {
			s.churn()
		}
	}
	return s.check.afterStep()
}

// flight delivers, drops or duplicates the message in flight at index i
// (modulo their number).
func (fs *fuzzSim) flight(verb string, i int) {
	nt := &fs.s.net
	if len(nt.flights) == 0 {
		return
	}
	i %= len(nt.flights)
	m := nt.flights[i].m
	if verb != "duplicate" {
		nt.flights = append(nt.flights[:i], nt.flights[i+1:]...)
	}
	if verb == "drop" {
		fs.s.trace.addMsg(fs.s, "drop", m)
		nt.lost(fs.s, m)
		return
	}
	nt.deliver(fs.s, m)
}

// TestChurnScheduleReconfigures checks that the churn seed of FuzzStep does
// reach membership changes, so the fuzzer starts from schedules that make
// them.
func TestChurnScheduleReconfigures(t *testing.T) {
	sched := churnSchedule()
	fs := newFuzzSim(sched[0])
	for i := 1; i+1 < len(sched); i += 2 {
		if msg := fs.do(sched[i], sched[i+1]); msg != "" {
			t.Fatalf("action %d (%s): %s", i/2, fs.last, msg)
		}
	}
	if st := fs.s.Stats; st.ConfChanges == 0 || st.Reconfigured == 0 {
		t.Fatalf("the churn schedule proposed %d conf changes and applied %d, want some of each", st.ConfChanges, st.Reconfigured)
	}
	t.Logf("conf changes proposed %d, applied (per node) %d", fs.s.Stats.ConfChanges, fs.s.Stats.Reconfigured)
}
