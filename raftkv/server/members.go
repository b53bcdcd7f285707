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
	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// members is the in-memory copy of the member table (kv.Members): peer
// and client addresses by member id. kv keeps the table durable, written
// in the transaction that applies each conf change, and a snapshot carries
// it; this copy follows the same rule (kv.ApplyMemberChange) as the loop
// applies conf changes, and is reloaded after a snapshot install. Raft's
// ConfState, not this table, says who is a member.
type members struct {
	mu    sync.Mutex
	table map[uint64]kv.Member
}

// loadMembers starts from the configured peers, then the member list of
// an older raftkv (members.json, read only), then the state machine's
// table, each overriding the one before.
func loadMembers(dir string, initial map[uint64]string, k *kv.KV) (*members, error) {
	m := &members{table: make(map[uint64]kv.Member)}
	for id, addr := range initial {
		m.table[id] = kv.Member{Peer: addr}
	}
	legacy, err := readLegacyMembers(filepath.Join(dir, "members.json"))
	if err != nil {
		return nil, err
	}
	for id, addr := range legacy {
		m.table[id] = kv.Member{Peer: addr}
	}
	stored, err := k.Members()
	if err != nil {
		return nil, err
	}
	mergeMembers(m.table, stored)
	return m, nil
}

// readLegacyMembers reads the peer list older raftkv versions kept beside
// the state machine. It is no longer written.
func readLegacyMembers(path string) (map[uint64]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var addrs map[uint64]string
	if err := json.Unmarshal(b, &addrs); err != nil {
		return nil, fmt.Errorf("server: %s is damaged: %w", path, err)
	}
	return addrs, nil
}

func (m *members) snapshot() map[uint64]kv.Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.table)
}

func (m *members) get(id uint64) kv.Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.table[id]
}

func (m *members) apply(ch raftpb.ConfChangeSingle, ctx kv.ConfChangeContext) kv.Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	kv.ApplyMemberChange(m.table, ch, ctx)
	return m.table[ch.NodeID]
}

// merge overlays a table restored from a snapshot.
func (m *members) merge(stored map[uint64]kv.Member) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mergeMembers(m.table, stored)
}

// mergeMembers overlays src's non-empty addresses on dst: a table written
// by a cluster that predates it may know a member's client address only.
func mergeMembers(dst, src map[uint64]kv.Member) {
	for id, m := range src {
		d := dst[id]
		d.Peer = cmp.Or(m.Peer, d.Peer)
		d.Client = cmp.Or(m.Client, d.Client)
		dst[id] = d
	}
}

func bootstrapPeers(peers map[uint64]string) []raft.Peer {
	out := make([]raft.Peer, 0, len(peers))
	for id, addr := range peers {
		b, _ := json.Marshal(kv.ConfChangeContext{Addr: addr})
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

// proposeConfChange proposes c and reports whether raft took it. Raft
// turns a conf change into an empty entry while another is unapplied (one
// change at a time), which would leave the caller waiting in vain, so a
// leader with a conf change in its unapplied log answers at once with
// ErrConfChangePending, and holds c while it has other unapplied entries
// (raft counts any of them as a possible conf change after an election).
// A follower holds c until it has applied the conf changes it knows of.
func (s *Server) proposeConfChange(c confRequest) bool {
	st := s.rn.Status()
	pending := s.loop.confIndex > st.Applied
	switch {
	case pending && st.RaftState == raft.StateLeader:
		s.waiters.deliver(c.id, outcome{err: fmt.Errorf("%w (the change at index %d; applied to %d)",
			ErrConfChangePending, s.loop.confIndex, st.Applied)})
		return false
	case pending:
		s.loop.heldConf = append(s.loop.heldConf, c)
		return false
	case st.RaftState == raft.StateLeader:
		if last := st.Progress[s.cfg.ID].Match; st.Applied < last || st.Commit < last {
			s.loop.heldConf = append(s.loop.heldConf, c)
			return false
		}
	}
	if err := s.rn.ProposeConfChange(c.cc); err != nil {
		s.waiters.deliver(c.id, outcome{err: s.proposeError(err)})
		return false
	}
	s.waiters.markProposed(c.id, s.rn.BasicStatus().Term)
	return true
}

// noteConfEntries keeps loopState.confIndex, the index of the last conf
// change in the log, from a message to the append goroutine. Entries
// replace the log from their first index on, and a snapshot replaces all
// of it, so a mark at or past either is lowered to the position before
// it: that position may hold an older conf change, so the mark errs
// towards waiting, and it is in the log, so it will be applied.
func (s *Server) noteConfEntries(m *raftpb.Message) {
	if m.Snapshot != nil && !raft.IsEmptySnap(*m.Snapshot) {
		s.loop.confIndex = min(s.loop.confIndex, m.Snapshot.Metadata.Index)
	}
	ents := m.Entries
	if len(ents) == 0 {
		return
	}
	if first := ents[0].Index; first <= s.loop.confIndex {
		s.loop.confIndex = first - 1
	}
	for i := len(ents) - 1; i >= 0; i-- {
		if t := ents[i].Type; t == raftpb.EntryConfChange || t == raftpb.EntryConfChangeV2 {
			s.loop.confIndex = max(s.loop.confIndex, ents[i].Index)
			return
		}
	}
}

// applyConfChange applies a committed conf change entry to raft, the
// member table and the transport, and answers the member call waiting for
// it. kv has already recorded the change in its table. An entry that does
// not decode is logged and skipped: raft itself only carries what a
// leader accepted.
func (s *Server) applyConfChange(e raftpb.Entry) {
	cc, ctx, err := kv.DecodeConfChange(&e)
	if err != nil {
		s.cfg.Logger.Error("undecodable conf change entry", "index", e.Index, "err", err)
		return
	}
	cs := s.rn.ApplyConfChange(cc)
	s.loop.confState = *cs
	for _, ch := range cc.Changes {
		s.applyMemberChange(ch, ctx)
	}
	if ctx.Req != 0 {
		s.waiters.deliver(ctx.Req, outcome{cs: cs})
	}
}

func (s *Server) applyMemberChange(ch raftpb.ConfChangeSingle, ctx kv.ConfChangeContext) {
	id := ch.NodeID
	m := s.members.apply(ch, ctx)
	switch ch.Type {
	case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode:
		if id != s.cfg.ID && m.Peer != "" {
			s.addPeer(id, m.Peer)
		}
	case raftpb.ConfChangeRemoveNode:
		if id == s.cfg.ID {
			s.loop.removed = true
		} else {
			s.tr.RemovePeer(id)
		}
	}
}

func (s *Server) addPeer(id uint64, addr string) {
	if err := s.tr.AddPeer(id, addr); err != nil {
		s.cfg.Logger.Warn("adding a peer to the transport", "peer", fmt.Sprintf("%x", id), "err", err)
	}
}

// installMembers reloads the member table after a snapshot install, which
// replaced kv's, and connects to every member of the snapshot's
// configuration: a member that joined through the snapshot learns the
// addresses of those whose conf changes it never saw.
func (s *Server) installMembers(cs raftpb.ConfState) error {
	stored, err := s.kv.Members()
	if err != nil {
		return fmt.Errorf("server: reading the member table: %w", err)
	}
	s.members.merge(stored)
	for _, id := range append(slices.Clone(cs.Voters), cs.Learners...) {
		if m := s.members.get(id); id != s.cfg.ID && m.Peer != "" {
			s.addPeer(id, m.Peer)
		}
	}
	return nil
}

// retryHeldConf proposes held conf changes again, once per tick. Once one
// is proposed the rest stay held: raft would refuse them.
func (s *Server) retryHeldConf() {
	held := s.loop.heldConf
	s.loop.heldConf = nil
	for i, c := range held {
		if s.waiters.waiting(c.id) && s.proposeConfChange(c) {
			s.loop.heldConf = append(s.loop.heldConf, held[i+1:]...)
			return
		}
	}
}
