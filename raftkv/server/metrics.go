package server

// noteLeader reports a change of the leader raft knows (in the loop).
func (s *Server) noteLeader(lead uint64) {
	if lead == s.loop.lead {
		return
	}
	s.loop.lead = lead
	s.cfg.Metrics.LeaderChanged(lead, lead == s.cfg.ID)
}

// pollDropped reports the messages the transport dropped since the last
// poll (in the loop, on each tick). The transport only counts drops per
// peer, so the members of the configuration are asked in turn.
func (s *Server) pollDropped() {
	if s.loop.dropped == nil {
		s.loop.dropped = make(map[uint64]uint64)
	}
	cs := &s.loop.confState
	s.pollDroppedFrom(cs.Voters)
	s.pollDroppedFrom(cs.Learners)
}

func (s *Server) pollDroppedFrom(ids []uint64) {
	for _, id := range ids {
		st, ok := s.tr.Stats(id)
		if !ok {
			continue
		}
		seen := s.loop.dropped[id]
		if st.Dropped < seen {
			seen = 0 // the peer moved: the transport started a new counter
		}
		for range st.Dropped - seen {
			s.cfg.Metrics.MessageDropped(id)
		}
		s.loop.dropped[id] = st.Dropped
	}
}
