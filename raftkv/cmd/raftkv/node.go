package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/tickraft/raft/raftkv/metrics"
	"github.com/tickraft/raft/raftkv/server"
	"github.com/tickraft/raft/raftkv/transport"
	"github.com/tickraft/raft/raftkv/watch"
)

// startNode starts the member: the WAL, the state machine, the peer
// transport and the raft loop (package server), behind the gRPC backend.
func startNode(cfg config, log *slog.Logger, hooks metrics.Hooks) (*node, error) {
	scfg, err := serverConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	scfg.Metrics = hooks
	// The peer listener is ours so that --listen-peer-addr may differ from
	// the address the other members dial (a wildcard host, say).
	if scfg.Listener, err = net.Listen("tcp", cfg.peerAddr); err != nil {
		return nil, fmt.Errorf("peer listener: %w", err)
	}
	s, err := server.New(scfg)
	if err != nil {
		scfg.Listener.Close()
		return nil, err
	}
	b := newBackend(s)
	return &node{
		backend: b,
		errors:  serverErrors,
		stop: func() error {
			b.close()
			return s.Stop()
		},
		done: b.failed,
	}, nil
}

// serverConfig maps the command line onto the member's configuration.
func serverConfig(cfg config, log *slog.Logger) (server.Config, error) {
	sc := server.Config{
		ID:              cfg.id,
		Dir:             cfg.dataDir,
		Peers:           cfg.peers,
		Join:            cfg.clusterState == "existing",
		ClientAddr:      cfg.advertiseClient,
		TickInterval:    cfg.heartbeat,
		HeartbeatTicks:  1,
		ElectionTicks:   int(cfg.electionTimeout / cfg.heartbeat),
		SnapshotEntries: cfg.snapshotCount,
		CompactTail:     cfg.catchupEntries,

		KVCommitInterval: cfg.batchInterval,
		KVCommitEntries:  cfg.batchLimit,
		Watch:            watch.Options{MaxTotalPendingEvents: cfg.watchEvents, MaxTotalPendingBytes: cfg.watchBytes},
		Logger:           log,
		ClientTLS:        cfg.forwardTLS,
		AutoCompaction: server.AutoCompaction{
			Period: cfg.compactPeriod, Revisions: cfg.compactRevisions, RevisionInterval: cfg.compactCheck,
		},
	}
	if cfg.peerTLS != (tlsFiles{}) {
		t, err := loadPeerTLS(cfg.peerTLS)
		if err != nil {
			return server.Config{}, err
		}
		sc.PeerTLS = t
	}
	return sc, nil
}

// loadPeerTLS reads the peer certificate, key and CA for mutual TLS.
func loadPeerTLS(f tlsFiles) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, fmt.Errorf("--peer-cert-file/--peer-key-file: %w", err)
	}
	pem, err := os.ReadFile(f.ca)
	if err != nil {
		return nil, fmt.Errorf("--peer-trusted-ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("--peer-trusted-ca-file: no PEM certificate in " + f.ca)
	}
	return transport.MutualTLS(pool, cert), nil
}
