package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// members maps member ids to peer addresses. Raft's ConfState says who
// votes; the addresses ride in the conf change entries' Context and are
// kept in members.json, because a compacted log no longer has them.
type members struct {
	mu    sync.Mutex
	path  string
	addrs map[uint64]string
}

func loadMembers(dir string, initial map[uint64]string) (*members, error) {
	m := &members{path: filepath.Join(dir, "members.json"), addrs: maps.Clone(initial)}
	b, err := os.ReadFile(m.path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	m.addrs = make(map[uint64]string)
	if err := json.Unmarshal(b, &m.addrs); err != nil {
		return nil, fmt.Errorf("server: %s is damaged: %w", m.path, err)
	}
	return m, nil
}

func (m *members) snapshot() map[uint64]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.addrs)
}

// update applies fn to the map and writes it durably (rename over).
func (m *members) update(fn func(map[uint64]string)) error {
	m.mu.Lock()
	fn(m.addrs)
	b, err := json.Marshal(m.addrs)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := m.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, m.path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(m.path))
}

// ccContext is the Context of raftkv's conf changes: the request waiting
// for it on the proposing member and the added member's address.
type ccContext struct {
	Req  uint64 `json:"req,omitempty"`
	Addr string `json:"addr,omitempty"`
}

func bootstrapPeers(peers map[uint64]string) []raft.Peer {
	out := make([]raft.Peer, 0, len(peers))
	for id, addr := range peers {
		b, _ := json.Marshal(ccContext{Addr: addr})
		out = append(out, raft.Peer{ID: id, Context: b})
	}
	// Every member must write the same entries: order by id.
	slices.SortFunc(out, func(a, b raft.Peer) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// confRequest is a conf change on its way to the loop.
type confRequest struct {
	id uint64
	cc raftpb.ConfChangeV2
}

// proposeConfChange proposes c, or holds it while this leader still has
// unapplied entries: raft would turn the change into an empty entry (one
// change at a time), leaving the caller to time out.
func (s *Server) proposeConfChange(c confRequest) {
	if st := s.rn.Status(); st.RaftState == raft.StateLeader {
		if last := st.Progress[s.cfg.ID].Match; st.Applied < last || st.Commit < last {
			s.loop.heldConf = append(s.loop.heldConf, c)
			return
		}
	}
	if err := s.rn.ProposeConfChange(c.cc); err != nil {
		s.waiters.deliver(c.id, outcome{err: s.proposeError(err)})
		return
	}
	s.waiters.markProposed(c.id, s.rn.BasicStatus().Term)
}

// applyConfChange applies a committed conf change entry to raft, the
// member list and the transport, and answers the member call waiting for
// it. An entry that does not decode is logged and skipped: raft itself
// only carries what a leader accepted.
func (s *Server) applyConfChange(e raftpb.Entry) {
	var cc raftpb.ConfChangeV2
	if e.Type == raftpb.EntryConfChange {
		var c1 raftpb.ConfChange
		if err := c1.Unmarshal(e.Data); err != nil {
			s.cfg.Logger.Error("undecodable conf change entry", "index", e.Index, "err", err)
			return
		}
		cc = c1.AsV2()
	} else if err := cc.Unmarshal(e.Data); err != nil {
		s.cfg.Logger.Error("undecodable conf change entry", "index", e.Index, "err", err)
		return
	}
	cs := s.rn.ApplyConfChange(cc)
	s.loop.confState = *cs
	var ctx ccContext
	_ = json.Unmarshal(cc.Context, &ctx) // a foreign or empty context carries no address
	err := s.members.update(func(addrs map[uint64]string) {
		for _, ch := range cc.Changes {
			s.applyMemberChange(addrs, ch, ctx.Addr)
		}
	})
	if err != nil {
		s.cfg.Logger.Error("saving the member list", "err", err)
	}
	if ctx.Req != 0 {
		s.waiters.deliver(ctx.Req, outcome{cs: cs})
	}
}

func (s *Server) applyMemberChange(addrs map[uint64]string, ch raftpb.ConfChangeSingle, addr string) {
	id := ch.NodeID
	switch ch.Type {
	case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode:
		if addr != "" {
			addrs[id] = addr
		}
		if id != s.cfg.ID && addrs[id] != "" {
			if err := s.tr.AddPeer(id, addrs[id]); err != nil {
				s.cfg.Logger.Warn("adding a peer to the transport", "peer", fmt.Sprintf("%x", id), "err", err)
			}
		}
	case raftpb.ConfChangeRemoveNode:
		delete(addrs, id)
		if id == s.cfg.ID {
			s.loop.removed = true
		} else {
			s.tr.RemovePeer(id)
		}
	}
}

// retryHeldConf proposes held conf changes again, once per tick.
func (s *Server) retryHeldConf() {
	held := s.loop.heldConf
	s.loop.heldConf = nil
	for _, c := range held {
		if s.waiters.waiting(c.id) {
			s.proposeConfChange(c)
		}
	}
}
