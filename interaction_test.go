package raft_test

import (
	"path/filepath"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
	"github.com/tickraft/raft/rafttest"
)

// TestInteraction runs the scenario scripts in testdata/*.txt. When a change
// alters a transcript, regenerate with -rewrite and review the diff line by
// line: the scripts are the specification, so a changed line is a changed
// behaviour. Only the top level is read, because testdata/ also holds fuzz
// corpora.
func TestInteraction(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no scripts in testdata/*.txt")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			env := rafttest.NewInteractionEnv(&rafttest.InteractionOpts{
				SetRandomizedElectionTimeout: raft.SetRandomizedElectionTimeout,
			})
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return env.Handle(t, *d)
			})
		})
	}
}
