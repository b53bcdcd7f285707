package server

import (
	"errors"
	"fmt"
)

// Errors a request can end with, besides the state machine's own (kv's
// ErrInvalidRequest and the others, which pass through unchanged).
var (
	// ErrNotLeader matches a *NotLeaderError: no leader is known, so the
	// request was not proposed. It is safe to retry.
	ErrNotLeader = errors.New("server: not the leader")
	// ErrProposalDropped: raft refused the proposal (a leader transfer or a
	// pending conf change, for example). It was not proposed; safe to retry.
	ErrProposalDropped = errors.New("server: proposal dropped")
	// ErrTimeout: the request was proposed but its outcome is unknown (the
	// deadline passed, or the member stopped first). It may still commit.
	ErrTimeout = errors.New("server: request timed out, its outcome is unknown")
	// ErrLeaderChanged: the leadership moved on before the request was
	// applied, and the request can no longer be: it was not applied and
	// is safe to retry (see leaderchange.go).
	ErrLeaderChanged = errors.New("server: leader changed before the request was applied; it was not applied")
	// ErrStopped: the member is stopped or stopping and did not take the
	// request. It was not proposed.
	ErrStopped = errors.New("server: stopped")
	// ErrRemoved: this member was removed from the cluster.
	ErrRemoved = errors.New("server: member removed from the cluster")
	// ErrUnknownMember: a member call names an id that is not a member.
	ErrUnknownMember = errors.New("server: no such member")
	// ErrBadMember: a member call carries an unusable peer URL.
	ErrBadMember = errors.New("server: bad member request")
)

// NotLeaderError says this member cannot serve a request because it knows
// no leader. Leader is the leader it last heard of, or 0.
type NotLeaderError struct {
	Leader uint64
}

func (e *NotLeaderError) Error() string {
	if e.Leader == 0 {
		return "server: not the leader, no leader is known"
	}
	return fmt.Sprintf("server: not the leader, the leader is %x", e.Leader)
}

// Is makes errors.Is(err, ErrNotLeader) hold.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// unknownOutcome is given to proposals that were in raft when the member
// stopped: they may still commit, so they end as timeouts.
var errStoppedUnknown = fmt.Errorf("%w (the member stopped)", ErrTimeout)
