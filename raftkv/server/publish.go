package server

import (
	"encoding/json"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// publishClient proposes this member's client address for the member
// table, once per election timeout, until the applied table has it. It
// rides in a ConfChangeUpdateNode, which raft applies without changing the
// configuration, so every member records it in the same transaction as
// the rest of the table and snapshots carry it. A leader refuses it while
// another conf change is pending; it is simply proposed again later.
func (s *Server) publishClient() {
	if s.cfg.ClientAddr == "" || s.loop.removed || !isMember(s.loop.confState, s.cfg.ID) {
		return
	}
	self := s.members.get(s.cfg.ID)
	if self.Client == s.cfg.ClientAddr {
		return
	}
	if s.loop.publishTicks++; s.loop.publishTicks < s.cfg.ElectionTicks {
		return
	}
	s.loop.publishTicks = 0
	if s.rn.BasicStatus().Lead == raft.None {
		return
	}
	ctx, err := json.Marshal(kv.ConfChangeContext{Addr: self.Peer, Client: s.cfg.ClientAddr})
	if err != nil {
		return
	}
	cc := raftpb.ConfChangeV2{
		Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeUpdateNode, NodeID: s.cfg.ID}},
		Context: ctx,
	}
	if err := s.rn.ProposeConfChange(cc); err != nil {
		s.cfg.Logger.Debug("publishing the client address failed; will retry", "err", err)
	}
}
