package main

import (
	"errors"
	"log/slog"

	"github.com/tickraft/raft/raftkv/metrics"
)

// errNoNode is returned until the node loop (raftkv/server) is wired in.
var errNoNode = errors.New("this build has no node loop: raftkv/server is not wired into the command yet")

// startNode starts the member: the WAL, the state machine, the peer
// transport and the raft loop.
func startNode(config, *slog.Logger, metrics.Hooks) (*node, error) {
	return nil, errNoNode
}
