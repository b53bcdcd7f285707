package rafttest

import (
	"strings"
	"testing"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// TestCheckerFlagsViolations feeds each invariant check a history that
// breaks it, and a near miss that does not.
func TestCheckerFlagsViolations(t *testing.T) {
	leader := func(term uint64) raft.BasicStatus {
		return raft.BasicStatus{HardState: pb.HardState{Term: term}, SoftState: raft.SoftState{RaftState: raft.StateLeader}}
	}
	ent := func(index, term uint64, data string) pb.Entry {
		return pb.Entry{Index: index, Term: term, Data: []byte(data)}
	}
	for _, tc := range []struct {
		name string
		want string // "" for a history that breaks nothing
		run  func(c *checker, n1, n2 *simNode)
	}{
		{"two leaders in one term", "election safety", func(c *checker, n1, n2 *simNode) {
			c.checkLeader(n1, leader(5))
			c.checkLeader(n2, leader(5))
		}},
		{"leaders of different terms", "", func(c *checker, n1, n2 *simNode) {
			c.checkLeader(n1, leader(5))
			c.checkLeader(n2, leader(6))
			c.checkLeader(n1, leader(5))
		}},
		{"one id, two contents", "log matching", func(c *checker, n1, n2 *simNode) {
			c.recordWritten(n1, []pb.Entry{ent(2, 2, "a")})
			c.recordWritten(n2, []pb.Entry{ent(2, 2, "b")})
		}},
		{"one id, two predecessors", "log matching", func(c *checker, n1, n2 *simNode) {
			c.recordWritten(n1, []pb.Entry{ent(2, 2, "a"), ent(3, 3, "c")})
			c.recordWritten(n2, []pb.Entry{ent(2, 1, "x"), ent(3, 3, "c")})
		}},
		{"same entries twice", "", func(c *checker, n1, n2 *simNode) {
			c.recordWritten(n1, []pb.Entry{ent(2, 2, "a"), ent(3, 3, "c")})
			c.recordWritten(n2, []pb.Entry{ent(2, 2, "a"), ent(3, 3, "c")})
		}},
		{"leader rewrites its entries", "leader append-only", func(c *checker, n1, _ *simNode) {
			c.leaderWrite, c.leaderTerm = true, 4
			c.beforeWrite(n1, simOp{kind: opEntries, ents: []pb.Entry{ent(2, 4, "a"), ent(3, 4, "b")}})
			c.beforeWrite(n1, simOp{kind: opEntries, ents: []pb.Entry{ent(3, 4, "c")}})
		}},
		{"leader appends, then leads again later", "", func(c *checker, n1, _ *simNode) {
			c.leaderWrite, c.leaderTerm = true, 4
			c.beforeWrite(n1, simOp{kind: opEntries, ents: []pb.Entry{ent(2, 4, "a"), ent(3, 4, "b")}})
			c.beforeWrite(n1, simOp{kind: opEntries, ents: []pb.Entry{ent(4, 4, "c")}})
			c.leaderTerm = 6
			c.beforeWrite(n1, simOp{kind: opEntries, ents: []pb.Entry{ent(3, 6, "d")}})
		}},
		{"different entries applied at one index", "state machine safety", func(c *checker, n1, n2 *simNode) {
			c.applied(n1, ent(5, 2, "a"), 5)
			c.applied(n2, ent(5, 3, "b"), 5)
		}},
		{"same entry applied twice", "", func(c *checker, n1, n2 *simNode) {
			c.applied(n1, ent(5, 2, "a"), 5)
			c.applied(n2, ent(5, 2, "a"), 7)
		}},
		{"applied beyond commit", "apply:", func(c *checker, n1, _ *simNode) {
			c.applied(n1, ent(6, 2, "a"), 5)
		}},
		{"commit moves back", "commit:", func(c *checker, n1, _ *simNode) {
			c.per[n1.id].commit = 10
			c.checkCommit(n1, raft.BasicStatus{HardState: pb.HardState{Commit: 9}})
		}},
		{"two votes in one term", "vote safety", func(c *checker, n1, _ *simNode) {
			c.checkVote(n1, pb.HardState{Term: 3, Vote: 1})
			c.checkVote(n1, pb.HardState{Term: 3, Vote: 2})
		}},
		{"one vote per term", "", func(c *checker, n1, _ *simNode) {
			c.checkVote(n1, pb.HardState{Term: 3, Vote: 1})
			c.checkVote(n1, pb.HardState{Term: 3, Vote: 1})
			c.checkVote(n1, pb.HardState{Term: 4, Vote: 2})
		}},
		{"commit of an entry nobody holds durably", "durable before acknowledged", func(c *checker, n1, _ *simNode) {
			c.checkDurableQuorum(n1, raft.BasicStatus{HardState: pb.HardState{Commit: 2}})
		}},
		{"commit of the durable bootstrap entry", "", func(c *checker, n1, _ *simNode) {
			c.checkDurableQuorum(n1, raft.BasicStatus{HardState: pb.HardState{Commit: 1}})
		}},
		{"read below a completed write", "read linearizability", func(c *checker, n1, _ *simNode) {
			c.readServed(n1, "r1", 6, 7)
		}},
		{"read at the last completed write", "", func(c *checker, n1, _ *simNode) {
			c.readServed(n1, "r1", 7, 7)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := NewSim(SimOptions{Seed: 1, Steps: 1})
			tc.run(sim.check, sim.nodes[0], sim.nodes[1])
			got := sim.check.failure
			if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
				t.Fatalf("failure %q, want prefix %q", got, tc.want)
			}
		})
	}
}
