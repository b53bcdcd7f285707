package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tickraft/raft/raftkv/grpcapi"
	"github.com/tickraft/raft/raftkv/metrics"
	"google.golang.org/grpc"
)

// node is a running member as run needs it.
type node struct {
	backend grpcapi.Backend
	// errors map the node's own errors to gRPC statuses.
	errors []grpcapi.ErrorStatus
	// stop stops the member; done is closed if it stops by itself.
	stop func() error
	done <-chan struct{}
}

// startFunc starts the member described by cfg.
type startFunc func(cfg config, log *slog.Logger, hooks metrics.Hooks) (*node, error)

// shutdownGrace bounds how long in-flight client requests may finish
// after a signal before their connections are cut.
const shutdownGrace = 5 * time.Second

// listening, when not nil, receives the client and metrics addresses once
// both listen (for tests, which use port 0).
type listening func(client, metrics net.Addr)

// run serves until ctx ends (a signal) or the member stops, then shuts
// down: it stops taking client requests, lets in-flight ones finish, stops
// the member and the metrics server.
func run(ctx context.Context, cfg config, log *slog.Logger, start startFunc, ready listening) error {
	serverTLS, forwardTLS, err := cfg.clientTLS.load()
	if err != nil {
		return err
	}
	cfg.forwardTLS = forwardTLS
	m := metrics.New()
	var metricsLis net.Listener
	if cfg.metricsAddr != "" {
		if metricsLis, err = net.Listen("tcp", cfg.metricsAddr); err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", m.Handler())
		if cfg.pprof {
			registerPprof(mux)
		}
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(metricsLis)
		defer hs.Close()
	}
	clientLis, err := net.Listen("tcp", cfg.clientAddr)
	if err != nil {
		return fmt.Errorf("client listener: %w", err)
	}
	defer clientLis.Close()

	if cfg.advertiseClient == "" {
		cfg.advertiseClient = clientLis.Addr().String()
	}
	n, err := start(cfg, log, m)
	if err != nil {
		return fmt.Errorf("starting the member: %w", err)
	}
	api, err := grpcapi.New(grpcapi.Config{Backend: n.backend, Errors: n.errors, TLS: serverTLS})
	if err != nil {
		return errors.Join(err, n.stop())
	}
	g := grpc.NewServer(append(api.ServerOptions(), grpc.ChainUnaryInterceptor(m.UnaryInterceptor()))...)
	api.Register(g)
	served := make(chan error, 1)
	go func() { served <- g.Serve(clientLis) }()
	log.Info("serving", "client_addr", clientLis.Addr().String(), "peer_addr", cfg.peerAddr,
		"metrics_addr", addrString(metricsLis), "cluster_state", cfg.clusterState,
		"client_tls", serverTLS != nil)
	if ready != nil {
		ready(clientLis.Addr(), addrOf(metricsLis))
	}

	var cause error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "reason", context.Cause(ctx))
	case <-n.done:
		cause = errors.New("the member stopped by itself")
	case err := <-served:
		cause = fmt.Errorf("client gRPC server: %w", err)
	}
	api.EndWatches()
	gracefulStop(g, shutdownGrace)
	if err := n.stop(); err != nil {
		cause = errors.Join(cause, fmt.Errorf("stopping the member: %w", err))
	}
	if cause == nil {
		log.Info("stopped")
	}
	return cause
}

// gracefulStop lets in-flight requests finish for up to grace, then cuts
// the remaining connections.
func gracefulStop(g *grpc.Server, grace time.Duration) {
	done := make(chan struct{})
	go func() {
		g.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		g.Stop()
		<-done
	}
}

func addrOf(l net.Listener) net.Addr {
	if l == nil {
		return nil
	}
	return l.Addr()
}

func addrString(l net.Listener) string {
	if l == nil {
		return "off"
	}
	return l.Addr().String()
}
