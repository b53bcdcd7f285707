package kv

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/bbolt"
)

// The member table maps member ids to their addresses. It is written by
// Apply in the transaction that applies the conf change naming them, so it
// always matches the applied index, and a snapshot of the database carries
// it to a member that never saw those entries. The bucket is created on
// the first conf change: a database written before it existed has none,
// and reads treat that as an empty table.
var bucketMembers = []byte("members") // member id(8) → JSON Member

// Member is one member's addresses.
type Member struct {
	// Peer is the host:port the other members dial.
	Peer string `json:"peer,omitempty"`
	// Client is the host:port serving the client API, once the member has
	// published it.
	Client string `json:"client,omitempty"`
}

// ConfChangeContext is the Context raftkv puts in its conf changes: the
// request waiting for the change on the proposing member, and the
// addresses of the member it names. An empty address leaves the table's
// unchanged.
type ConfChangeContext struct {
	Req    uint64 `json:"req,omitempty"`
	Addr   string `json:"addr,omitempty"`
	Client string `json:"client,omitempty"`
}

// DecodeConfChange decodes a conf change entry (either encoding) and its
// raftkv context. A context that is empty or not raftkv's carries no
// addresses and is not an error.
func DecodeConfChange(e *raftpb.Entry) (raftpb.ConfChangeV2, ConfChangeContext, error) {
	var cc raftpb.ConfChangeV2
	switch e.Type {
	case raftpb.EntryConfChange:
		var c1 raftpb.ConfChange
		if err := c1.Unmarshal(e.Data); err != nil {
			return cc, ConfChangeContext{}, fmt.Errorf("kv: conf change entry %d: %w", e.Index, err)
		}
		cc = c1.AsV2()
	case raftpb.EntryConfChangeV2:
		if err := cc.Unmarshal(e.Data); err != nil {
			return cc, ConfChangeContext{}, fmt.Errorf("kv: conf change entry %d: %w", e.Index, err)
		}
	default:
		return cc, ConfChangeContext{}, fmt.Errorf("kv: entry %d is not a conf change", e.Index)
	}
	var ctx ConfChangeContext
	if json.Unmarshal(cc.Context, &ctx) != nil {
		ctx = ConfChangeContext{}
	}
	return cc, ctx, nil
}

// ApplyMemberChange applies one change of a conf change to a member table:
// adding or updating a member records the context's non-empty addresses,
// removing it forgets it. It is the rule Apply follows, for callers that
// keep a copy of the table in memory.
func ApplyMemberChange(table map[uint64]Member, ch raftpb.ConfChangeSingle, ctx ConfChangeContext) {
	switch ch.Type {
	case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode, raftpb.ConfChangeUpdateNode:
		m := table[ch.NodeID]
		if ctx.Addr != "" {
			m.Peer = ctx.Addr
		}
		if ctx.Client != "" {
			m.Client = ctx.Client
		}
		table[ch.NodeID] = m
	case raftpb.ConfChangeRemoveNode:
		delete(table, ch.NodeID)
	}
}

// applyMembers records a conf change entry in the member table. An entry
// that does not decode changes nothing: the node loop reports it.
func (a *applier) applyMembers(e *raftpb.Entry) error {
	cc, ctx, err := DecodeConfChange(e)
	if err != nil {
		return nil
	}
	b, err := a.tx.CreateBucketIfNotExists(bucketMembers)
	if err != nil {
		return err
	}
	for _, ch := range cc.Changes {
		table := map[uint64]Member{}
		k := u64bytes(ch.NodeID)
		if v := b.Get(k); v != nil {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("member %x: decoding: %w", ch.NodeID, err)
			}
			table[ch.NodeID] = m
		}
		ApplyMemberChange(table, ch, ctx)
		m, ok := table[ch.NodeID]
		if !ok {
			if err := b.Delete(k); err != nil {
				return err
			}
			continue
		}
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := b.Put(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Members returns the member table as of the applied index.
func (s *KV) Members() (map[uint64]Member, error) {
	out := map[uint64]Member{}
	err := s.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("kv: member key of %d bytes, want 8", len(k))
			}
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("kv: member %x: %w", k, err)
			}
			out[binary.BigEndian.Uint64(k)] = m
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
