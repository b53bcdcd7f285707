package main

import (
	"github.com/tickraft/raft/raftkv/grpcapi"
	"github.com/tickraft/raft/raftkv/server"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errRemovedStatus: etcd has no client error for a removed member. It is
// Unavailable so that clients move on to another endpoint.
var errRemovedStatus = status.Error(codes.Unavailable, "etcdserver: this member was removed from the cluster")

// errConfPendingStatus: etcd has no client error for a membership change
// refused because another is pending. It is Unavailable, as for other
// transient refusals; the caller retries once the pending change applies.
var errConfPendingStatus = status.Error(codes.Unavailable, "etcdserver: raftkv: another membership change is pending; retry once it is applied")

// serverErrors map the member's errors to etcd's gRPC errors, so clients
// recognise them (rpctypes) and retry where etcd's would.
//
// server.ErrNotLeader means no leader is known and nothing was proposed:
// that is etcd's "no leader" (Unavailable, which clients retry, writes
// included), not its "not leader" (FailedPrecondition, for calls only a
// leader may serve). A dropped proposal was not proposed either; raft
// drops them while leadership is moving, hence "leader changed", which is
// also what a write lost with its leader gets (ErrLeaderChanged: it was
// not applied and never will be). ErrTimeout must come before context.DeadlineExceeded, which it wraps: the outcome
// of a timed-out write is unknown, and etcd says so with ErrGRPCTimeout.
var serverErrors = []grpcapi.ErrorStatus{
	{Err: server.ErrNotLeader, Status: rpctypes.ErrGRPCNoLeader},
	{Err: server.ErrNotPrimary, Status: rpctypes.ErrGRPCNotLeader},
	{Err: server.ErrProposalDropped, Status: rpctypes.ErrGRPCLeaderChanged},
	{Err: server.ErrLeaderChanged, Status: rpctypes.ErrGRPCLeaderChanged},
	{Err: server.ErrTimeout, Status: rpctypes.ErrGRPCTimeout},
	{Err: server.ErrStopped, Status: rpctypes.ErrGRPCStopped},
	{Err: server.ErrRemoved, Status: errRemovedStatus},
	{Err: server.ErrUnknownMember, Status: rpctypes.ErrGRPCMemberNotFound},
	{Err: server.ErrBadMember, Status: rpctypes.ErrGRPCMemberBadURLs},
	{Err: server.ErrConfChangePending, Status: errConfPendingStatus},
}
