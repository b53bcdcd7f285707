package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// proposal is an encoded command on its way to the loop.
type proposal struct {
	id   uint64
	data []byte
	// leaderOnly: refuse it unless this member leads, rather than let
	// raft forward it (auto-compaction is the leader's decision alone).
	leaderOnly bool
}

// propose hands one proposal to raft (in the loop).
func (s *Server) propose(p proposal) {
	if s.loop.removed {
		s.waiters.deliver(p.id, outcome{err: ErrRemoved})
		return
	}
	if p.leaderOnly {
		if bs := s.rn.BasicStatus(); bs.RaftState != raft.StateLeader {
			s.waiters.deliver(p.id, outcome{err: &NotLeaderError{Leader: bs.Lead}})
			return
		}
		if s.cfg.leaderOnlyProposed != nil {
			s.cfg.leaderOnlyProposed()
		}
	}
	if err := s.rn.Propose(p.data); err != nil {
		s.waiters.deliver(p.id, outcome{err: s.proposeError(err)})
		return
	}
	s.waiters.markProposed(p.id, s.rn.BasicStatus().Term)
}

// proposeError names why raft refused a proposal; none of these was
// proposed, so the client may retry.
func (s *Server) proposeError(err error) error {
	if errors.Is(err, raft.ErrProposalDropped) {
		if lead := s.rn.BasicStatus().Lead; lead == raft.None {
			return &NotLeaderError{}
		}
		return fmt.Errorf("%w: %v", ErrProposalDropped, err)
	}
	return fmt.Errorf("%w: %v", ErrProposalDropped, err)
}

// withTimeout gives a context without a deadline the default one.
func (s *Server) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.RequestTimeout)
}

// waitTimeout is withTimeout for callers that only wait on the context:
// one with a deadline already is used as it is, which spares a child
// context (and its registration with the parent) per request.
func (s *Server) waitTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.cfg.RequestTimeout)
}

// write proposes cmd and waits for its response.
func (s *Server) write(ctx context.Context, cmd *kv.Command) (*pb.ResponseOp, error) {
	res, err := s.writeCommand(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return res.Response, nil
}

// writeCommand proposes cmd and waits for its applied result. A follower's
// proposal is forwarded to the leader by raft and answered when this member
// applies it. The result's own error (part of the replicated outcome) is
// returned as the error.
func (s *Server) writeCommand(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	cmd.RequestID = s.nextRequestID()
	data, err := cmd.Encode()
	if err != nil {
		return kv.Result{}, err
	}
	if err := s.cfg.KV.Limits.Validate(cmd, len(data)); err != nil {
		return kv.Result{}, err
	}
	o, err := s.proposeAndWait(ctx, cmd.RequestID, data)
	if err != nil {
		return kv.Result{}, err
	}
	if o.result.Err != nil {
		return kv.Result{}, o.result.Err
	}
	return o.result, nil
}

// proposeAndWait proposes an encoded client write and waits for its
// outcome, reporting it to Metrics. A result error (a failed lease check,
// say) still counts as applied: the entry was committed and applied.
func (s *Server) proposeAndWait(ctx context.Context, id uint64, data []byte) (outcome, error) {
	start := time.Now()
	o, err := s.submit(ctx, id, func(ctx context.Context) error {
		return enqueue(s, ctx, s.propc, proposal{id: id, data: data})
	})
	s.cfg.Metrics.ProposalDone(time.Since(start), err)
	return o, err
}

// submit registers a waiter for id, hands the request to the loop with
// send and waits for the outcome.
func (s *Server) submit(ctx context.Context, id uint64, send func(context.Context) error) (outcome, error) {
	ctx, cancel := s.waitTimeout(ctx)
	defer cancel()
	w := s.waiters.register(id)
	if w == nil {
		return outcome{}, ErrStopped
	}
	if err := send(ctx); err != nil {
		s.waiters.forget(id)
		return outcome{}, err
	}
	select {
	case o := <-w.ch:
		return o, o.err
	case <-ctx.Done():
		s.waiters.forget(id)
		return outcome{}, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}

// enqueue waits for room in a loop queue. The request is not proposed
// yet, so a deadline here ends it cleanly.
func enqueue[T any](s *Server, ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w (not proposed)", ErrTimeout, ctx.Err())
	case <-s.stopc:
		return ErrStopped
	}
}

// Put stores a key through raft.
func (s *Server) Put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	op, err := s.write(ctx, &kv.Command{Put: r})
	if err != nil {
		return nil, err
	}
	resp := op.GetResponsePut()
	s.fillHeader(&resp.Header)
	return resp, nil
}

// DeleteRange deletes keys through raft.
func (s *Server) DeleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	op, err := s.write(ctx, &kv.Command{DeleteRange: r})
	if err != nil {
		return nil, err
	}
	resp := op.GetResponseDeleteRange()
	s.fillHeader(&resp.Header)
	return resp, nil
}

// Txn runs a transaction through raft. A transaction without writes is
// still ordered through the log, so it is linearizable.
func (s *Server) Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	op, err := s.write(ctx, &kv.Command{Txn: r})
	if err != nil {
		return nil, err
	}
	resp := op.GetResponseTxn()
	s.fillHeader(&resp.Header)
	return resp, nil
}

func (s *Server) fillHeader(h **pb.ResponseHeader) {
	if *h == nil {
		*h = &pb.ResponseHeader{}
	}
	(*h).ClusterId = s.cfg.ClusterID
	(*h).MemberId = s.cfg.ID
	(*h).RaftTerm = s.status.Load().Term
}
