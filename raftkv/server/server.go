package server

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftkv/transport"
	"github.com/tickraft/raft/raftkv/wal"
	"github.com/tickraft/raft/raftkv/watch"
	"github.com/tickraft/raft/raftpb"
)

// Server is one running member. Its methods are safe for concurrent use.
type Server struct {
	cfg  Config
	loop loopState // owned by the loop goroutine

	wal *wal.WAL
	kv  *kv.KV
	hub *watch.Hub // serves watches from kv
	tr  *transport.Transport
	rn  *raft.RawNode // owned by the loop goroutine

	waiters *waiters
	members *members
	lessor  *lessor
	fwd     forwarder     // connections to the leader's client API
	reqBase uint64        // random, so request ids differ across members and restarts
	reqSeq  atomic.Uint64 // added to reqBase

	propc  chan proposal    // client writes to the loop
	readc  chan *readWaiter // linearizable reads to the loop
	confc  chan confRequest // member changes to the loop
	recvc  chan raftpb.Message
	events eventQueue // worker and transport reports to the loop

	appendc chan appendJob      // loop to the append goroutine
	applyc  chan raftpb.Message // loop to the apply goroutine
	commitc chan struct{}       // cap 1: asks the apply goroutine to commit kv now
	vis     visibility          // staged and committed kv indexes

	status atomic.Pointer[Status]

	stopc    chan struct{} // closed by Stop
	failc    chan struct{} // closed on the first fatal storage error
	failOnce sync.Once
	failErr  error
	loopDone chan struct{}
	workers  sync.WaitGroup // append, apply
	// compactor is the auto-compaction goroutine, if configured.
	compactor sync.WaitGroup
	snaps     sync.WaitGroup // snapshot streams being sent
	stopOnce  sync.Once
	stopErr   error
}

// New opens (or creates) the member's data in cfg.Dir, recovers it, starts
// the transport and the node loop, and returns the running member.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		waiters:  newWaiters(),
		lessor:   newLessor(),
		propc:    make(chan proposal, 1024),
		readc:    make(chan *readWaiter, 1024),
		confc:    make(chan confRequest),
		recvc:    make(chan raftpb.Message, 4096),
		appendc:  make(chan appendJob, maxStorageBatch),
		applyc:   make(chan raftpb.Message, maxStorageBatch),
		commitc:  make(chan struct{}, 1),
		stopc:    make(chan struct{}),
		failc:    make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	s.events.init()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	s.reqBase = binary.LittleEndian.Uint64(b[:])
	if err := s.open(); err != nil {
		s.closeStores()
		return nil, err
	}
	if err := s.reloadLeases(); err != nil {
		s.closeStores()
		return nil, err
	}
	s.publishStatus()
	s.startWatch()
	s.workers.Add(2)
	go s.appendLoop()
	go s.applyLoop()
	go s.run()
	if p := cfg.AutoCompaction.policy(time.Now()); p != nil {
		s.compactor.Add(1)
		go s.autoCompactLoop(p)
	}
	return s, nil
}

// open recovers the stores and builds the RawNode and the transport.
func (s *Server) open() error {
	cfg := s.cfg
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "snap"), 0o700); err != nil {
		return err
	}
	var err error
	if s.wal, err = wal.Open(filepath.Join(cfg.Dir, "wal"), wal.Options{SegmentSize: cfg.WALSegmentSize}); err != nil {
		return err
	}
	if s.kv, err = kv.Open(filepath.Join(cfg.Dir, "kv.db"), cfg.KV); err != nil {
		return err
	}
	st := s.wal.Storage()
	marker, err := st.Snapshot()
	if err != nil {
		return err
	}
	if err := s.recoverSnapshot(marker.Metadata); err != nil {
		return err
	}
	if s.members, err = loadMembers(cfg.Dir, cfg.Peers, s.kv); err != nil {
		return err
	}
	hs, cs, err := st.InitialState()
	if err != nil {
		return err
	}
	last, err := st.LastIndex()
	if err != nil {
		return err
	}
	fresh := last == 0 && raft.IsEmptyHardState(hs) && marker.Metadata.Index == 0
	s.rn, err = raft.NewRawNode(&raft.Config{
		ID:                 cfg.ID,
		ElectionTick:       cfg.ElectionTicks,
		HeartbeatTick:      cfg.HeartbeatTicks,
		Storage:            st,
		Applied:            marker.Metadata.Index,
		MaxSizePerMsg:      1 << 20,
		MaxInflightMsgs:    256,
		CheckQuorum:        true,
		PreVote:            true,
		AsyncStorageWrites: true,
		Logger:             cfg.RaftLogger,
	})
	if err != nil {
		return err
	}
	if fresh && !cfg.Join {
		if err := s.rn.Bootstrap(bootstrapPeers(cfg.Peers)); err != nil {
			return err
		}
	}
	s.loop.confState = cs
	// kv may be past the marker: reads can be served from there at once.
	// The staged index stays at the marker until the replay reaches it,
	// because loop.confState is the marker's until then.
	s.loop.staged = marker.Metadata.Index
	s.loop.applied = max(marker.Metadata.Index, s.kv.Applied().Index)
	s.vis.init(s.loop.applied)
	return s.startTransport()
}

func (s *Server) startTransport() error {
	cfg := s.cfg
	peers := make(map[uint64]string)
	for id, m := range s.members.snapshot() {
		if id != cfg.ID && m.Peer != "" {
			peers[id] = m.Peer
		}
	}
	ln := cfg.Listener
	var err error
	s.tr, err = transport.New(transport.Config{
		ID: cfg.ID, ClusterID: cfg.ClusterID,
		Listener: ln, ListenAddr: cfg.Peers[cfg.ID],
		Peers: peers, TLS: cfg.PeerTLS,
		Handler: (*handler)(s), Logger: cfg.Logger,
	})
	return err
}

// Stop stops the member: no new requests are taken, requests still
// waiting end with ErrStopped (never proposed) or ErrTimeout (proposed,
// outcome unknown), queued storage work is finished, and the transport,
// the WAL and the state machine are closed. It returns the first storage
// error the member hit, if any. Stop may be called more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		close(s.stopc)
		<-s.loopDone
		s.compactor.Wait()
		close(s.appendc)
		close(s.applyc)
		s.workers.Wait()
		s.hub.Stop()
		if s.tr != nil {
			s.tr.Close()
		}
		s.snaps.Wait()
		s.fwd.close()
		s.waiters.failAll()
		s.stopErr = errors.Join(s.failErr, s.closeStores())
	})
	return s.stopErr
}

func (s *Server) closeStores() error {
	var errs []error
	if s.kv != nil {
		errs = append(errs, s.kv.Close())
	}
	if s.wal != nil {
		errs = append(errs, s.wal.Close())
	}
	return errors.Join(errs...)
}

// fail records a fatal storage error and makes the loop stop serving. The
// member cannot continue safely: what it acknowledged may not be durable.
func (s *Server) fail(err error) {
	s.failOnce.Do(func() {
		s.failErr = err
		s.cfg.Logger.Error("raftkv member failed, stopping", "member", fmt.Sprintf("%x", s.cfg.ID), "err", err)
		close(s.failc)
	})
}

// ID returns the member's id.
func (s *Server) ID() uint64 { return s.cfg.ID }

// ClusterID returns the cluster's id.
func (s *Server) ClusterID() uint64 { return s.cfg.ClusterID }

// PeerAddr returns the address the member listens on for peers.
func (s *Server) PeerAddr() string { return s.tr.Addr().String() }

// KV returns the member's state machine, for reads that bypass the API.
func (s *Server) KV() *kv.KV { return s.kv }

// Stopped is closed once Stop has begun.
func (s *Server) Stopped() <-chan struct{} { return s.stopc }

func (s *Server) nextRequestID() uint64 { return s.reqBase + s.reqSeq.Add(1) }
