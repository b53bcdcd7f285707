package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// ErrCompacted is returned for history reads that start at or below the
// compacted revision: some of the events asked for are gone.
var ErrCompacted = errors.New("kv: required revision has been compacted")

// History returns up to limit events (all when limit is 0) with revisions
// from start on, in revision order and, within a revision, in the order the
// request wrote them. Each event carries its key-value and the previous one.
func (s *KV) History(start int64, limit int) ([]*mvccpb.Event, error) {
	var evs []*mvccpb.Event
	err := s.view(func(tx *bbolt.Tx) error {
		st, err := loadState(tx)
		if err != nil {
			return err
		}
		if start <= st.compacted {
			return fmt.Errorf("%w: asked from %d, compacted through %d", ErrCompacted, start, st.compacted)
		}
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.Seek(historyKey(start, 0)); k != nil && (limit == 0 || len(evs) < limit); k, v = c.Next() {
			ev := &mvccpb.Event{}
			if err := ev.Unmarshal(v); err != nil {
				return fmt.Errorf("kv: decoding history event %x: %w", k, err)
			}
			evs = append(evs, ev)
		}
		return nil
	})
	return evs, err
}

// compactHistory drops the events of revisions more than keep behind the
// current one and records the new compacted revision. keep 0 keeps all.
func compactHistory(tx *bbolt.Tx, st *state, keep int64) error {
	if keep == 0 {
		return nil
	}
	return dropHistory(tx, st, st.revision-keep)
}

// dropHistory deletes the events of revisions up to floor, if not gone
// already, and records floor as the compacted revision. The latest event
// of each live key stays: it holds the key's value, and the index is
// rebuilt from it. A later write of the key drops it (writer.supersede),
// so the events at or below the compacted revision are always exactly
// those, and each call only walks the revisions it compacts.
func dropHistory(tx *bbolt.Tx, st *state, floor int64) error {
	if floor <= st.compacted {
		return nil
	}
	b := tx.Bucket(bucketHistory)
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.Seek(historyKey(st.compacted+1, 0)); k != nil && int64(binary.BigEndian.Uint64(k)) <= floor; k, v = c.Next() {
		rev, sub := int64(binary.BigEndian.Uint64(k)), binary.BigEndian.Uint32(k[8:])
		_, key, deleted, err := scanEntry(v, rev, sub)
		if err != nil {
			return fmt.Errorf("kv: compacting: history event %x: %w", k, err)
		}
		if !deleted {
			if live, ok := st.idx.Get(probe(key)); ok && live.mod == rev && live.sub == sub {
				continue
			}
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	st.compacted = floor
	return nil
}
