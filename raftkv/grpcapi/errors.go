package grpcapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/tickraft/raft/raftkv/kv"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorStatus maps a backend error (matched with errors.Is) to the gRPC
// status error returned for it. The node's own errors (not leader, timeout,
// stopped, proposal dropped) reach the gRPC layer through Config.Errors,
// so that this package does not depend on the node's.
type ErrorStatus struct {
	Err    error
	Status error
}

// kvErrors map the state machine's errors. Those with an etcd equivalent
// use etcd's exact status so clients recognise them.
var kvErrors = []ErrorStatus{
	{kv.ErrEmptyKey, rpctypes.ErrGRPCEmptyKey},
	{kv.ErrRequestTooLarge, rpctypes.ErrGRPCRequestTooLarge},
	{kv.ErrTooManyTxnOps, rpctypes.ErrGRPCTooManyOps},
	{kv.ErrValueProvided, rpctypes.ErrGRPCValueProvided},
	{kv.ErrLeaseProvided, rpctypes.ErrGRPCLeaseProvided},
	{kv.ErrCompacted, rpctypes.ErrGRPCCompacted},
	{kv.ErrFutureRevision, rpctypes.ErrGRPCFutureRev},
	{kv.ErrKeyNotFound, rpctypes.ErrGRPCKeyNotFound},
	{kv.ErrLeaseNotFound, rpctypes.ErrGRPCLeaseNotFound},
	{kv.ErrLeaseExists, rpctypes.ErrGRPCLeaseExist},
	{kv.ErrLeaseTTLTooLarge, rpctypes.ErrGRPCLeaseTTLTooLarge},
	{kv.ErrClosed, rpctypes.ErrGRPCStopped},
	{context.Canceled, rpctypes.ErrGRPCCanceled},
	{context.DeadlineExceeded, rpctypes.ErrGRPCDeadlineExceeded},
}

// toStatus turns a backend error into a gRPC status error. Errors without
// an etcd equivalent keep their own text, which names the problem.
func (s *Server) toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	for _, m := range s.errors {
		if errors.Is(err, m.Err) {
			return m.Status
		}
	}
	switch {
	case errors.Is(err, kv.ErrInvalidRequest), errors.Is(err, kv.ErrBadCommand):
		return status.Error(codes.InvalidArgument, "etcdserver: "+err.Error())
	case errors.Is(err, kv.ErrStaleSequence):
		return status.Error(codes.Aborted, "etcdserver: "+err.Error())
	}
	return status.Error(codes.Unknown, fmt.Sprintf("etcdserver: raftkv: %v", err))
}

// unsupported is the error for a feature raftkv does not offer.
func unsupported(what string) error {
	return status.Error(codes.Unimplemented, "etcdserver: raftkv does not support "+what)
}
