package rafttest

import (
	"errors"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/google/go-cmp/cmp"
	pb "github.com/tickraft/raft/raftpb"
)

func addNodesArgs(t *testing.T, line string) *args {
	t.Helper()
	cmd, cmdArgs, err := datadriven.ParseLine(line)
	if err != nil || cmd != "add-nodes" {
		t.Fatalf("parsing %q: %v", line, err)
	}
	return parseArgs(datadriven.TestData{Cmd: cmd, CmdArgs: cmdArgs})
}

func TestPreparedLog(t *testing.T) {
	a := addNodesArgs(t, "add-nodes 1 voters=(1) index=2 log=(1,1,3,3,5)")
	snap, err := bootstrapSnapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	p, err := preparedLog(a, snap)
	if err != nil {
		t.Fatal(err)
	}
	want := []pb.Entry{{Index: 3, Term: 3}, {Index: 4, Term: 3}, {Index: 5, Term: 5}}
	if diff := cmp.Diff(want, p.ents); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if p.term != 5 {
		t.Errorf("hard state term = %d, want the last entry's 5", p.term)
	}
}

func TestPreparedLogRefusesInconsistentLogs(t *testing.T) {
	for _, line := range []string{
		"add-nodes 1 log=(1,2)",                      // no configuration
		"add-nodes 1 voters=(1) index=3 log=(1,1)",   // ends before the snapshot
		"add-nodes 1 voters=(1) index=2 log=(1,2,3)", // entry 2 in the snapshot
		"add-nodes 1 voters=(1) log=(1,3,2)",         // terms go down
		"add-nodes 1 voters=(1) log=(1,4) term=3",    // term below the log's
	} {
		a := addNodesArgs(t, line)
		snap, err := bootstrapSnapshot(a)
		if err != nil {
			t.Fatal(err)
		}
		_, err = preparedLog(a, snap)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%s: got %v, want a usage error", line, err)
		}
	}
}
