package rafttest

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
)

// restart ID [applied=A]
//
// Simulates a crash and restart of node ID: the RawNode is recreated from
// what its storage holds, with Config.Applied set to A (default: the index
// the node had applied). Storage work queued for the async threads is lost,
// as it would be in a crash; messages already on the network stay there.
// Entries in (A, commit] are handed out for applying again.
func (env *InteractionEnv) handleRestart(t *testing.T, d datadriven.TestData) error {
	var applied uint64
	var hasApplied bool
	n, err := env.oneNode(d, func(a *args) (err error) {
		_, hasApplied = a.values["applied"]
		applied, err = a.uint("applied", 0)
		return err
	})
	if err != nil {
		return err
	}
	if !hasApplied {
		applied = n.applied
	}
	if applied > n.applied {
		return fmt.Errorf("cannot restart node %d at applied=%d: only %d is applied", n.Config.ID, applied, n.applied)
	}
	cfg := *n.Config
	cfg.Applied = applied
	rn, err := raft.NewRawNode(&cfg)
	if err != nil {
		return fmt.Errorf("restarting node %d: %w", cfg.ID, err)
	}
	n.RawNode, n.Config = rn, &cfg
	n.appendWork, n.applyWork = nil, nil
	n.applied = applied
	n.truncateConfs(applied)
	return nil
}

// truncateConfs forgets the configurations recorded after index, which will
// be recorded again when their entries are applied again. The oldest one
// (the bootstrap or the latest snapshot) is always kept.
func (n *Node) truncateConfs(index uint64) {
	for len(n.confs) > 1 && n.confs[len(n.confs)-1].index > index {
		n.confs = n.confs[:len(n.confs)-1]
	}
}
