package rafttest

import (
	"fmt"
	"testing"
)

// FuzzSchedule drives a three-node simulated cluster by a fuzzed schedule
// instead of the simulator's random source: each pair of bytes picks an
// action and its argument (a node, or a message in flight). The first byte
// picks the storage mode and Raft options. Every action is followed by the
// simulator's invariant checks; a panic or a broken invariant fails, an
// error from Step does not.
func FuzzSchedule(f *testing.F) {
	f.Add([]byte{0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0})
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

// fuzzSim is a Sim with its faults off: the schedule alone decides what is
// delivered, dropped, ticked, proposed and crashed.
type fuzzSim struct {
	s    *Sim
	last string
}

func newFuzzSim(mode byte) *fuzzSim {
	s := newSim(SimOptions{Seed: uint64(mode), Steps: 1, TraceLen: 40}, func(p *simParams) {
		p.nodes = 3
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
var fuzzActions = [...]string{"work", "deliver", "tick", "drop", "duplicate", "propose", "crash", "read", "compact", "transfer"}

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
