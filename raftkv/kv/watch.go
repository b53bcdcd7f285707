package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// ErrStopEvents, returned by an Events callback, ends the walk early
// without an error.
var ErrStopEvents = errors.New("kv: stop reading events")

// Events calls fn for each history event with start <= revision <= end, in
// revision order and, within a revision, in write order, all from one read
// transaction. It streams: watches replay long histories through it without
// holding them in memory. A start at or below the compacted revision fails
// with ErrCompacted before fn is called. fn must not call back into s.
func (s *KV) Events(start, end int64, fn func(*mvccpb.Event) error) error {
	return s.view(func(tx *bbolt.Tx) error {
		st, err := loadState(tx)
		if err != nil {
			return err
		}
		if start <= st.compacted {
			return fmt.Errorf("%w: asked from %d, compacted through %d", ErrCompacted, start, st.compacted)
		}
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.Seek(historyKey(start, 0)); k != nil && int64(binary.BigEndian.Uint64(k)) <= end; k, v = c.Next() {
			ev := &mvccpb.Event{}
			if err := ev.Unmarshal(v); err != nil {
				return fmt.Errorf("kv: decoding history event %x: %w", k, err)
			}
			if err := fn(ev); err != nil {
				if errors.Is(err, ErrStopEvents) {
					return nil
				}
				return err
			}
		}
		return nil
	})
}
