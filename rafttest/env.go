package rafttest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// InteractionOpts configures an InteractionEnv.
type InteractionOpts struct {
	// OnConfig, if set, sees every Config just before its node is created,
	// for settings no add-nodes argument covers.
	OnConfig func(*raft.Config)
	// SetRandomizedElectionTimeout backs set-randomized-election-timeout. The
	// value lives inside package raft, so only that package's tests can
	// supply the hook; the command fails when it is nil.
	SetRandomizedElectionTimeout func(rn *raft.RawNode, ticks int)
}

// Node is one member of an InteractionEnv cluster: a RawNode, the storage it
// persists into, and in async mode the storage work it has handed out but
// the script has not yet let run.
type Node struct {
	*raft.RawNode
	Config  *raft.Config
	Storage *raft.MemoryStorage

	// applied is the index of the last entry applied to the state machine.
	applied uint64
	// confs records the configuration after each applied conf change (and
	// after the bootstrap or an installed snapshot), oldest first, so that a
	// snapshot at any applied index can carry the right ConfState.
	confs []indexedConf
	// appendWork and applyWork hold MsgStorageAppend and MsgStorageApply
	// messages (async mode) until process-append-thread or
	// process-apply-thread runs them.
	appendWork []pb.Message
	applyWork  []pb.Message
}

type indexedConf struct {
	index uint64
	cs    pb.ConfState
}

// InteractionEnv runs a cluster of RawNodes from datadriven commands. Nodes
// have IDs 1..n in the order they were added. See Handle for the commands.
type InteractionEnv struct {
	Options *InteractionOpts
	Nodes   []*Node
	Net     Network

	out    strings.Builder
	logger captureLogger
}

// NewInteractionEnv returns an empty environment. Logging starts at
// LevelNone: transcripts specify behaviour through messages and state, and a
// script turns logging on (log-level) where a log line is the point.
func NewInteractionEnv(opts *InteractionOpts) *InteractionEnv {
	if opts == nil {
		opts = &InteractionOpts{}
	}
	env := &InteractionEnv{Options: opts}
	env.logger = captureLogger{out: &env.out, level: LevelNone}
	return env
}

// Handle runs one datadriven command and returns its transcript. A command
// that fails prints "error: ..." rather than failing the test, so scripts
// can specify rejected operations too; a malformed command line fails the
// test.
func (env *InteractionEnv) Handle(t *testing.T, d datadriven.TestData) string {
	env.out.Reset()
	h, ok := handlers[d.Cmd]
	if !ok {
		t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	}
	if err := h(env, t, d); err != nil {
		var u usageError
		if errors.As(err, &u) {
			t.Fatalf("%s: %s: %v", d.Pos, d.Cmd, u.error)
		}
		fmt.Fprintf(&env.out, "error: %s\n", err)
	}
	if env.out.Len() == 0 {
		return "ok\n"
	}
	return env.out.String()
}

type handler func(env *InteractionEnv, t *testing.T, d datadriven.TestData) error

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"add-nodes":                       (*InteractionEnv).handleAddNodes,
		"campaign":                        (*InteractionEnv).handleCampaign,
		"propose":                         (*InteractionEnv).handlePropose,
		"propose-conf-change":             (*InteractionEnv).handleProposeConfChange,
		"tick":                            (*InteractionEnv).handleTick,
		"tick-heartbeat":                  (*InteractionEnv).handleTickHeartbeat,
		"tick-election":                   (*InteractionEnv).handleTickElection,
		"transfer-leadership":             (*InteractionEnv).handleTransferLeadership,
		"forget-leader":                   (*InteractionEnv).handleForgetLeader,
		"report-unreachable":              (*InteractionEnv).handleReportUnreachable,
		"read-index":                      (*InteractionEnv).handleReadIndex,
		"deliver-msgs":                    (*InteractionEnv).handleDeliverMsgs,
		"process-ready":                   (*InteractionEnv).handleProcessReady,
		"process-append-thread":           (*InteractionEnv).handleProcessAppendThread,
		"process-apply-thread":            (*InteractionEnv).handleProcessApplyThread,
		"stabilize":                       (*InteractionEnv).handleStabilize,
		"compact":                         (*InteractionEnv).handleCompact,
		"create-snapshot":                 (*InteractionEnv).handleCreateSnapshot,
		"send-snapshot":                   (*InteractionEnv).handleSendSnapshot,
		"raft-log":                        (*InteractionEnv).handleRaftLog,
		"raft-state":                      (*InteractionEnv).handleRaftState,
		"storage-state":                   (*InteractionEnv).handleStorageState,
		"status":                          (*InteractionEnv).handleStatus,
		"log-level":                       (*InteractionEnv).handleLogLevel,
		"restart":                         (*InteractionEnv).handleRestart,
		"set-randomized-election-timeout": (*InteractionEnv).handleSetRandomizedElectionTimeout,
	}
}

// node returns the node with the given ID.
func (env *InteractionEnv) node(id uint64) (*Node, error) {
	if id == 0 || id > uint64(len(env.Nodes)) {
		return nil, usagef("no node %d (the cluster has nodes 1..%d)", id, len(env.Nodes))
	}
	return env.Nodes[id-1], nil
}

// entryFormatter prints entry payloads as quoted strings.
func entryFormatter(data []byte) string { return fmt.Sprintf("%q", data) }

// indent prefixes every line of s with two spaces.
func indent(s string) string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n"
}
