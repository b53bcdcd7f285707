package grpcapi

import (
	"crypto/tls"
	"errors"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Config configures a Server.
type Config struct {
	// Backend serves the requests. Required.
	Backend Backend
	// Errors map the backend's own errors to gRPC status errors; they are
	// tried, in order, before the state machine's (package kv) errors.
	Errors []ErrorStatus
	// MaxRequestBytes is the largest request the backend accepts (default
	// kv.DefaultLimits.MaxRequestBytes). gRPC refuses messages larger than
	// this plus an allowance for framing, before decoding them.
	MaxRequestBytes int
	// TLS, if set, secures the services: it must hold the server's
	// certificate, and ClientCAs with ClientAuth set to
	// tls.RequireAndVerifyClientCert to accept only clients with a
	// certificate signed by those CAs. Nil: plaintext.
	TLS *tls.Config
}

// grpcOverheadBytes is the room left above MaxRequestBytes for the gRPC
// message's own framing, so that a request just at the limit reaches the
// backend, which answers with etcd's "request is too large".
const grpcOverheadBytes = 512 << 10

// Server implements etcd's KV, Cluster, Maintenance, Watch, Lease and Auth
// services on a Backend.
type Server struct {
	backend  Backend
	errors   []ErrorStatus
	maxBytes int
	tls      *tls.Config
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("grpcapi: Config.Backend is nil")
	}
	if cfg.MaxRequestBytes < 0 {
		return nil, errors.New("grpcapi: Config.MaxRequestBytes is negative")
	}
	if cfg.TLS != nil && len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil {
		return nil, errors.New("grpcapi: Config.TLS has no server certificate")
	}
	maxBytes := cfg.MaxRequestBytes
	if maxBytes == 0 {
		maxBytes = kv.DefaultLimits.MaxRequestBytes
	}
	errs := make([]ErrorStatus, 0, len(cfg.Errors)+len(kvErrors))
	errs = append(append(errs, cfg.Errors...), kvErrors...)
	return &Server{backend: cfg.Backend, errors: errs, maxBytes: maxBytes, tls: cfg.TLS}, nil
}

// streamWorkers is how many goroutines serve calls and are kept between
// them. A fresh goroutine per call grows its stack by copying on every
// call (a tenth of a member's CPU under many small reads); a kept one
// has grown already. Calls wait in their handler for a read round or a
// commit, so the pool is sized for the calls in flight, not the CPUs:
// gRPC starts a goroutine when all workers are busy.
const streamWorkers = 256

// ServerOptions are the grpc.Server options the services expect: the
// receive limit that goes with MaxRequestBytes, the pool of call
// goroutines, and the transport credentials of Config.TLS. Add
// interceptors as needed.
func (s *Server) ServerOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(s.maxBytes + grpcOverheadBytes),
		grpc.NumStreamWorkers(streamWorkers),
	}
	if s.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.tls)))
	}
	return opts
}

// Register registers every service on g.
func (s *Server) Register(g *grpc.Server) {
	pb.RegisterKVServer(g, kvService{s})
	pb.RegisterClusterServer(g, clusterService{s})
	pb.RegisterMaintenanceServer(g, maintenanceService{s})
	pb.RegisterWatchServer(g, s.watchServer())
	pb.RegisterLeaseServer(g, leaseService{s})
	pb.RegisterAuthServer(g, authService{})
}
