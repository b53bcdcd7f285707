package server

import (
	"context"
	"errors"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Member calls reaching a follower are forwarded to the leader (forward.go)
// rather than proposed through raft: the leader refuses a conf change
// while another is unapplied, and a follower whose forwarded proposal was
// refused learns nothing, so its caller would wait out the deadline. The
// leader itself answers such a call at once with ErrConfChangePending.

// ErrConfChangePending: the leader has a membership change that is not
// applied yet, and raft takes one at a time. Nothing was proposed; the
// call may be retried once that change applies (within a few heartbeats).
var ErrConfChangePending = errors.New("server: another membership change is pending; retry once it is applied")

// forwardMember sends a member call to the leader with call. fwd is false
// when this member should serve the call itself: it leads, no leader is
// known, the leader published no client address, or the call was already
// forwarded once.
func forwardMember[R any](s *Server, ctx context.Context, call func(pb.ClusterClient, context.Context) (R, error)) (resp R, fwd bool, err error) {
	c, fctx, err := s.leaderConn(ctx)
	switch {
	case errors.Is(err, errForwarded), errors.Is(err, errSelfLeader),
		errors.Is(err, errNoLeaderAddr), errors.Is(err, ErrNotLeader):
		return resp, false, nil
	case err != nil:
		return resp, true, err
	}
	fctx, cancel := s.withTimeout(fctx)
	defer cancel()
	resp, err = call(pb.NewClusterClient(c), fctx)
	return resp, true, err
}

// awaitMember waits, for at most an election timeout, until this member
// has applied the change the leader reported, so that its own member list
// shows it. A removed member may never hear of its removal: the wait is
// bounded and its end is not an error.
func (s *Server) awaitMember(ctx context.Context, id uint64, present bool) {
	wait := s.cfg.TickInterval * time.Duration(s.cfg.ElectionTicks)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for isMember(s.confState(), id) != present {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		case <-s.stopc:
			return
		}
	}
}
