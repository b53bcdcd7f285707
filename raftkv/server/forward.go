package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Some calls only the leader can answer well: lease keepalives and
// time-to-live (it alone keeps deadlines, leaseforward.go) and member
// changes (it alone knows whether a conf change is pending, memberapi.go).
// A follower forwards them to the leader's client API, at the address the
// leader published in the member table (publish.go). A forwarded call is
// marked, so that a receiver that no longer leads serves it itself
// instead of forwarding it again.

// forwardedKey is the gRPC metadata key marking a forwarded call.
const forwardedKey = "raftkv-forwarded"

// Reasons a call is not forwarded.
var (
	errForwardClosed = errors.New("server: stopped, not forwarding calls to the leader")
	// errForwarded: the call was forwarded to this member already.
	errForwarded = errors.New("server: call already forwarded once")
	// errSelfLeader: this member leads; it serves the call itself.
	errSelfLeader = errors.New("server: this member is the leader")
	// errNoLeaderAddr: the leader has not published a client address.
	errNoLeaderAddr = errors.New("server: the leader's client address is unknown")
)

// forwarder keeps one client connection per leader address.
type forwarder struct {
	mu     sync.Mutex
	conns  map[string]*grpc.ClientConn
	closed bool
}

func (f *forwarder) conn(addr string, creds credentials.TransportCredentials) (*grpc.ClientConn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errForwardClosed
	}
	if c := f.conns[addr]; c != nil {
		return c, nil
	}
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("server: connecting to the leader's client address %s: %w", addr, err)
	}
	if f.conns == nil {
		f.conns = make(map[string]*grpc.ClientConn)
	}
	f.conns[addr] = c
	return c, nil
}

func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}

// clientCreds secures forwarded calls as the client API is secured.
func (s *Server) clientCreds() credentials.TransportCredentials {
	if s.cfg.ClientTLS == nil {
		return insecure.NewCredentials()
	}
	return credentials.NewTLS(s.cfg.ClientTLS)
}

// leaderConn returns a connection to the leader's client API and the
// context to call it with (marked forwarded), or why the call cannot be
// forwarded: errForwarded, errSelfLeader, errNoLeaderAddr, a
// *NotLeaderError when no leader is known, or a connection error.
func (s *Server) leaderConn(ctx context.Context) (*grpc.ClientConn, context.Context, error) {
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get(forwardedKey)) > 0 {
		return nil, nil, errForwarded
	}
	lead := s.status.Load().Leader
	if lead == 0 {
		return nil, nil, &NotLeaderError{}
	}
	if lead == s.cfg.ID {
		return nil, nil, errSelfLeader
	}
	addr := s.members.get(lead).Client
	if addr == "" {
		return nil, nil, errNoLeaderAddr
	}
	c, err := s.fwd.conn(addr, s.clientCreds())
	if err != nil {
		return nil, nil, err
	}
	return c, metadata.AppendToOutgoingContext(ctx, forwardedKey, "1"), nil
}
