package rafttest

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
)

// restart ID [applied=A] [keep=K]
//
// Simulates a crash and restart of node ID: the RawNode is recreated from
// what its storage holds, with Config.Applied set to A (default: the index
// the node had applied). Storage work queued for the async threads is lost,
// as it would be in a crash; messages already on the network stay there.
// Entries in (A, commit] are handed out for applying again. keep=K also
// loses the log after index K and lowers the persisted commit index to K, as
// a disk that acknowledged writes it did not keep would: this breaks Raft's
// durability assumption and is only for checking that the node survives it.
func (env *InteractionEnv) handleRestart(t *testing.T, d datadriven.TestData) error {
	var applied, keep uint64
	var hasApplied, hasKeep bool
	n, err := env.oneNode(d, func(a *args) (err error) {
		_, hasApplied = a.values["applied"]
		_, hasKeep = a.values["keep"]
		if applied, err = a.uint("applied", 0); err != nil {
			return err
		}
		keep, err = a.uint("keep", 0)
		return err
	})
	if err != nil {
		return err
	}
	if hasKeep {
		if err := n.loseLogAfter(keep); err != nil {
			return err
		}
	}
	if !hasApplied {
		applied = n.applied
		if hasKeep {
			applied = min(applied, keep)
		}
	}
	if applied > n.applied {
		return fmt.Errorf("cannot restart node %d at applied=%d: only %d is applied", n.Config.ID, applied, n.applied)
	}
	cfg := *n.Config
	cfg.Storage = n.Storage
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

// loseLogAfter replaces the node's storage with a copy that ends at index
// keep and whose hard state commits no further.
func (n *Node) loseLogAfter(keep uint64) error {
	old := n.Storage
	snap, err := old.Snapshot()
	if err != nil {
		return err
	}
	first, _ := old.FirstIndex()
	last, _ := old.LastIndex()
	if keep+1 < first || keep > last {
		return fmt.Errorf("node %d: keep=%d is outside its log [%d, %d]", n.Config.ID, keep, first-1, last)
	}
	ents, err := old.Entries(first, keep+1, noLimit)
	if err != nil {
		return err
	}
	hs, _, err := old.InitialState()
	if err != nil {
		return err
	}
	hs.Commit = min(hs.Commit, keep)
	s := raft.NewMemoryStorage()
	if !raft.IsEmptySnap(snap) {
		if err := s.ApplySnapshot(snap); err != nil {
			return err
		}
	}
	if err := s.Append(ents); err != nil {
		return err
	}
	if err := s.SetHardState(hs); err != nil {
		return err
	}
	n.Storage = s
	return nil
}
