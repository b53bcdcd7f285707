package rafttest

import (
	"fmt"
	"math"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// Defaults for add-nodes. Flow control is off unless a script asks for it,
// so that transcripts show it only where it is the point.
const (
	defaultElectionTick  = 10
	defaultHeartbeatTick = 1
)

// handleAddNodes adds N nodes with the next free IDs:
//
//	add-nodes N [voters=(..)] [learners=(..)] [index=I] [content=S]
//	  [applied=A] [async-storage-writes] [prevote] [checkquorum]
//	  [step-down-on-removal] [disable-conf-change-validation]
//	  [disable-proposal-forwarding] [read-only=safe|lease]
//	  [max-size-per-msg=B] [max-committed-size-per-ready=B]
//	  [max-uncommitted-size=B] [max-inflight=N] [max-inflight-bytes=B]
//	  [election-tick=N] [heartbeat-tick=N] [no-hard-state]
//	  [log=(T1,...,Tn)] [term=T]
//
// With voters or learners, each new node's storage starts from a snapshot at
// index I (default 1, term 1) holding that configuration and content S, and
// a hard state at term 0 that records I as committed, as an application that
// bootstraps its storage would write. no-hard-state leaves the hard state
// empty, which v3.6 also accepts (commit then starts at the snapshot index).
// log=(T1,...,Tn) prepares a log: entry i has term Ti. Entries up to I are
// stood for by the snapshot (term 1), so their terms must be 1; the rest
// are written to storage with empty data. term=T sets the hard state's
// term (default: the last prepared entry's), which must be at least the
// last entry's term: a node only holds entries from terms it has seen.
// Without a configuration the nodes start empty and wait to be sent a
// snapshot.
func (env *InteractionEnv) handleAddNodes(t *testing.T, d datadriven.TestData) error {
	a := parseArgs(d)
	count, err := a.oneID()
	if err != nil {
		return usagef("add-nodes wants the number of nodes to add")
	}
	snap, err := bootstrapSnapshot(a)
	if err != nil {
		return err
	}
	cfgs := make([]*raft.Config, count)
	for i := range cfgs {
		if cfgs[i], err = nodeConfig(a, uint64(len(env.Nodes)+i+1), snap.Metadata.Index); err != nil {
			return err
		}
	}
	prep, err := preparedLog(a, snap)
	if err != nil {
		return err
	}
	prep.noHardState = a.flag("no-hard-state")
	if prep.noHardState && (len(prep.ents) > 0 || prep.term > 0) {
		return usagef("no-hard-state cannot be combined with log or term")
	}
	if err := a.checkUsed(); err != nil {
		return err
	}
	for _, cfg := range cfgs {
		if err := env.addNode(cfg, snap, prep); err != nil {
			return err
		}
	}
	return nil
}

func bootstrapSnapshot(a *args) (pb.Snapshot, error) {
	voters, err := a.uints("voters")
	if err != nil {
		return pb.Snapshot{}, err
	}
	learners, err := a.uints("learners")
	if err != nil {
		return pb.Snapshot{}, err
	}
	index, err := a.uint("index", 1)
	if err != nil {
		return pb.Snapshot{}, err
	}
	content, err := a.str("content", "")
	if err != nil {
		return pb.Snapshot{}, err
	}
	if len(voters) == 0 && len(learners) == 0 {
		return pb.Snapshot{}, nil
	}
	if index == 0 {
		return pb.Snapshot{}, usagef("index must be at least 1 when a configuration is given")
	}
	var data []byte
	if content != "" {
		data = []byte(content)
	}
	return pb.Snapshot{
		Data: data,
		Metadata: pb.SnapshotMetadata{
			Index:     index,
			Term:      1,
			ConfState: pb.ConfState{Voters: voters, Learners: learners},
		},
	}, nil
}

// prepared is what add-nodes writes to a new node's storage after the
// bootstrap snapshot.
type prepared struct {
	noHardState bool
	ents        []pb.Entry
	term        uint64
}

// preparedLog reads the log and term options.
func preparedLog(a *args, snap pb.Snapshot) (prepared, error) {
	terms, err := a.uints("log")
	if err != nil {
		return prepared{}, err
	}
	term, err := a.uint("term", 0)
	if err != nil {
		return prepared{}, err
	}
	p := prepared{term: term}
	if len(terms) == 0 && term == 0 {
		return p, nil
	}
	if raft.IsEmptySnap(snap) {
		return p, usagef("log and term need a configuration (voters or learners)")
	}
	index := snap.Metadata.Index
	if uint64(len(terms)) < index {
		return p, usagef("log=%v does not reach the bootstrap index %d", terms, index)
	}
	prev := snap.Metadata.Term
	for i, t := range terms {
		if uint64(i) < index {
			if t != snap.Metadata.Term {
				return p, usagef("log: entry %d is in the snapshot, so its term must be %d", i+1, snap.Metadata.Term)
			}
			continue
		}
		if t < prev {
			return p, usagef("log: entry %d has term %d, below the term %d before it", i+1, t, prev)
		}
		prev = t
		p.ents = append(p.ents, pb.Entry{Index: uint64(i) + 1, Term: t})
	}
	switch {
	case term == 0 && len(p.ents) > 0:
		p.term = prev
	case term < prev:
		return p, usagef("term=%d is below the last entry's term %d", term, prev)
	}
	return p, nil
}

// nodeConfig builds node id's Config from the add-nodes options. Applied
// defaults to the bootstrap index, where the snapshot leaves the node.
func nodeConfig(a *args, id, index uint64) (*raft.Config, error) {
	cfg := &raft.Config{
		ID:                          id,
		ElectionTick:                defaultElectionTick,
		HeartbeatTick:               defaultHeartbeatTick,
		MaxSizePerMsg:               math.MaxUint64,
		MaxInflightMsgs:             math.MaxInt32,
		AsyncStorageWrites:          a.flag("async-storage-writes"),
		PreVote:                     a.flag("prevote"),
		CheckQuorum:                 a.flag("checkquorum"),
		StepDownOnRemoval:           a.flag("step-down-on-removal"),
		DisableConfChangeValidation: a.flag("disable-conf-change-validation"),
		DisableProposalForwarding:   a.flag("disable-proposal-forwarding"),
	}
	var err error
	set := func(dst *uint64, key string) {
		if err == nil {
			*dst, err = a.uint(key, *dst)
		}
	}
	set(&cfg.Applied, "applied")
	if _, ok := a.values["applied"]; !ok {
		cfg.Applied = index
	}
	set(&cfg.MaxSizePerMsg, "max-size-per-msg")
	set(&cfg.MaxCommittedSizePerReady, "max-committed-size-per-ready")
	set(&cfg.MaxUncommittedEntriesSize, "max-uncommitted-size")
	set(&cfg.MaxInflightBytes, "max-inflight-bytes")
	inflight := uint64(cfg.MaxInflightMsgs)
	set(&inflight, "max-inflight")
	election, heartbeat := uint64(defaultElectionTick), uint64(defaultHeartbeatTick)
	set(&election, "election-tick")
	set(&heartbeat, "heartbeat-tick")
	if err != nil {
		return nil, err
	}
	for _, v := range []uint64{inflight, election, heartbeat} {
		if v > math.MaxInt32 {
			return nil, usagef("%d is too large for a tick count or an inflight limit", v)
		}
	}
	cfg.MaxInflightMsgs = int(inflight)
	cfg.ElectionTick, cfg.HeartbeatTick = int(election), int(heartbeat)
	readOnly, err := a.str("read-only", "safe")
	if err != nil {
		return nil, err
	}
	switch readOnly {
	case "safe":
		cfg.ReadOnlyOption = raft.ReadOnlySafe
	case "lease":
		cfg.ReadOnlyOption = raft.ReadOnlyLeaseBased
	default:
		return nil, usagef("read-only=%s: want safe or lease", readOnly)
	}
	return cfg, nil
}

// addNode creates the node's storage (from snap, if not empty, then the
// prepared entries and a hard state committing the snapshot unless
// prep.noHardState) and RawNode.
func (env *InteractionEnv) addNode(cfg *raft.Config, snap pb.Snapshot, prep prepared) error {
	n := &Node{Config: cfg, Storage: raft.NewMemoryStorage()}
	if !raft.IsEmptySnap(snap) {
		if err := n.Storage.ApplySnapshot(snap); err != nil {
			return fmt.Errorf("bootstrapping node %d: %w", cfg.ID, err)
		}
		if err := n.Storage.Append(prep.ents); err != nil {
			return fmt.Errorf("bootstrapping node %d: %w", cfg.ID, err)
		}
		if !prep.noHardState {
			hs := pb.HardState{Term: prep.term, Commit: snap.Metadata.Index}
			if err := n.Storage.SetHardState(hs); err != nil {
				return fmt.Errorf("bootstrapping node %d: %w", cfg.ID, err)
			}
		}
		n.applied = snap.Metadata.Index
		n.confs = []indexedConf{{index: snap.Metadata.Index, cs: snap.Metadata.ConfState}}
	}
	cfg.Storage = n.Storage
	cfg.Logger = &env.logger
	if env.Options.OnConfig != nil {
		env.Options.OnConfig(cfg)
	}
	rn, err := raft.NewRawNode(cfg)
	if err != nil {
		return fmt.Errorf("creating node %d: %w", cfg.ID, err)
	}
	n.RawNode = rn
	env.Nodes = append(env.Nodes, n)
	return nil
}
