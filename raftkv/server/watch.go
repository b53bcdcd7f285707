package server

import "github.com/tickraft/raft/raftkv/watch"

// startWatch starts the hub that serves watches from this member's applied
// state, leader or not. The apply path notifies it after each commit.
func (s *Server) startWatch() {
	s.hub = watch.New(s.kv, s.cfg.Watch)
	s.hub.Start()
}

// WatchHub returns the member's watch hub; it makes a *Server (and what
// embeds one) a grpcapi.WatchBackend.
func (s *Server) WatchHub() *watch.Hub { return s.hub }
