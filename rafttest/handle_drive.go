package rafttest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	pb "github.com/tickraft/raft/raftpb"
)

// This file holds the commands that feed a node input other than messages.
// Their effects show up in the node's next Ready.

// oneNode parses a command that names a single node and no options beyond
// those read by extra.
func (env *InteractionEnv) oneNode(d datadriven.TestData, extra func(*args) error) (*Node, error) {
	a := parseArgs(d)
	id, err := a.oneID()
	if err != nil {
		return nil, err
	}
	n, err := env.node(id)
	if err != nil {
		return nil, err
	}
	if extra != nil {
		if err := extra(a); err != nil {
			return nil, err
		}
	}
	return n, a.checkUsed()
}

// campaign ID
func (env *InteractionEnv) handleCampaign(t *testing.T, d datadriven.TestData) error {
	n, err := env.oneNode(d, nil)
	if err != nil {
		return err
	}
	return n.Campaign()
}

// propose ID DATA  (DATA is a bare word, or the command's input block)
func (env *InteractionEnv) handlePropose(t *testing.T, d datadriven.TestData) error {
	if len(d.CmdArgs) == 0 {
		return usagef("propose wants a node ID")
	}
	id, data := d.CmdArgs[0], d.Input
	if len(d.CmdArgs) == 2 {
		data = d.CmdArgs[1].Key
	} else if len(d.CmdArgs) > 2 {
		return usagef("propose wants a node ID and one word of data")
	}
	n, err := env.node(mustID(id.Key))
	if err != nil {
		return err
	}
	return n.Propose([]byte(data))
}

// propose-conf-change ID [v1] [transition=auto|implicit|explicit]
// with the changes ("v2 l3 r1 u4") as input. v1 proposes a ConfChange and
// takes exactly one change; otherwise a ConfChangeV2 is proposed.
func (env *InteractionEnv) handleProposeConfChange(t *testing.T, d datadriven.TestData) error {
	var v1 bool
	var transition string
	n, err := env.oneNode(d, func(a *args) (err error) {
		v1 = a.flag("v1")
		transition, err = a.str("transition", "auto")
		return err
	})
	if err != nil {
		return err
	}
	ccs, err := pb.ConfChangesFromString(strings.TrimSpace(d.Input))
	if err != nil {
		return usagef("parsing conf changes: %v", err)
	}
	var cc pb.ConfChangeI
	if v1 {
		if len(ccs) != 1 || transition != "auto" {
			return usagef("v1 takes exactly one change and no transition")
		}
		cc = pb.ConfChange{Type: ccs[0].Type, NodeID: ccs[0].NodeID}
	} else {
		v2 := pb.ConfChangeV2{Changes: ccs}
		switch transition {
		case "auto":
			v2.Transition = pb.ConfChangeTransitionAuto
		case "implicit":
			v2.Transition = pb.ConfChangeTransitionJointImplicit
		case "explicit":
			v2.Transition = pb.ConfChangeTransitionJointExplicit
		default:
			return usagef("transition=%s: want auto, implicit or explicit", transition)
		}
		cc = v2
	}
	return n.ProposeConfChange(cc)
}

// tick ID count=N [quiesced] (quiesced calls TickQuiesced instead of Tick)
func (env *InteractionEnv) handleTick(t *testing.T, d datadriven.TestData) error {
	var count uint64
	var quiesced bool
	n, err := env.oneNode(d, func(a *args) (err error) {
		quiesced = a.flag("quiesced")
		count, err = a.uint("count", 0)
		if err == nil && count == 0 {
			err = usagef("tick wants count=N with N > 0")
		}
		return err
	})
	if err != nil {
		return err
	}
	tick := n.Tick
	if quiesced {
		tick = n.TickQuiesced
	}
	for range count {
		tick()
	}
	return nil
}

// tick-heartbeat ID ticks the node HeartbeatTick times.
func (env *InteractionEnv) handleTickHeartbeat(t *testing.T, d datadriven.TestData) error {
	n, err := env.oneNode(d, nil)
	if err != nil {
		return err
	}
	for range n.Config.HeartbeatTick {
		n.Tick()
	}
	return nil
}

// tick-election ID ticks the node ElectionTick times. A follower's timeout is
// randomized in [ElectionTick, 2*ElectionTick), so scripts that need the
// timeout to fire pin it first with set-randomized-election-timeout.
func (env *InteractionEnv) handleTickElection(t *testing.T, d datadriven.TestData) error {
	n, err := env.oneNode(d, nil)
	if err != nil {
		return err
	}
	for range n.Config.ElectionTick {
		n.Tick()
	}
	return nil
}

// set-randomized-election-timeout ID timeout=N
func (env *InteractionEnv) handleSetRandomizedElectionTimeout(t *testing.T, d datadriven.TestData) error {
	var timeout uint64
	n, err := env.oneNode(d, func(a *args) (err error) {
		timeout, err = a.uint("timeout", 0)
		if err == nil && timeout == 0 {
			err = usagef("set-randomized-election-timeout wants timeout=N with N > 0")
		}
		return err
	})
	if err != nil {
		return err
	}
	if env.Options.SetRandomizedElectionTimeout == nil {
		return usagef("InteractionOpts.SetRandomizedElectionTimeout is not set")
	}
	env.Options.SetRandomizedElectionTimeout(n.RawNode, int(timeout))
	return nil
}

// transfer-leadership ID to=T asks node ID (the leader) to hand over to T.
func (env *InteractionEnv) handleTransferLeadership(t *testing.T, d datadriven.TestData) error {
	var to uint64
	n, err := env.oneNode(d, func(a *args) (err error) {
		to, err = a.uint("to", 0)
		return err
	})
	if err != nil {
		return err
	}
	n.TransferLeader(to)
	return nil
}

// forget-leader ID
func (env *InteractionEnv) handleForgetLeader(t *testing.T, d datadriven.TestData) error {
	n, err := env.oneNode(d, nil)
	if err != nil {
		return err
	}
	n.ForgetLeader()
	return nil
}

// report-unreachable ID peer=P tells node ID that P could not be reached.
func (env *InteractionEnv) handleReportUnreachable(t *testing.T, d datadriven.TestData) error {
	var peer uint64
	n, err := env.oneNode(d, func(a *args) (err error) {
		peer, err = a.uint("peer", 0)
		return err
	})
	if err != nil {
		return err
	}
	n.ReportUnreachable(peer)
	return nil
}

// read-index ID CTX requests a read index with request context CTX. The
// answer arrives as a ReadState in a later Ready.
func (env *InteractionEnv) handleReadIndex(t *testing.T, d datadriven.TestData) error {
	if len(d.CmdArgs) != 2 {
		return usagef("read-index wants a node ID and a request context")
	}
	n, err := env.node(mustID(d.CmdArgs[0].Key))
	if err != nil {
		return err
	}
	n.ReadIndex([]byte(d.CmdArgs[1].Key))
	return nil
}

// log-level LEVEL
func (env *InteractionEnv) handleLogLevel(t *testing.T, d datadriven.TestData) error {
	if len(d.CmdArgs) != 1 {
		return usagef("log-level wants one level")
	}
	lvl, err := ParseLogLevel(d.CmdArgs[0].Key)
	if err != nil {
		return usageError{err}
	}
	env.logger.level = lvl
	return nil
}

// mustID parses a node ID; 0 (never a valid ID) on failure lets env.node
// report it.
func mustID(s string) uint64 {
	var id uint64
	if _, err := fmt.Sscan(s, &id); err != nil {
		return 0
	}
	return id
}
