package kv

import (
	"bytes"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// keysAt rebuilds the range [key, end) as it stood at rev, in key order.
// The index holds only the current keys, so it walks the events after rev: a key
// changed since then stood at rev as the previous value of its first later
// event, or did not exist if that event has none. Keys with no later event
// are unchanged. The caller has checked that rev is above the compacted
// revision, so no event after rev is missing.
func keysAt(v store, key, end []byte, rev int64) ([]*mvccpb.KeyValue, error) {
	past, err := firstPrevsAfter(v.history, key, end, rev)
	if err != nil {
		return nil, err
	}
	var out []*mvccpb.KeyValue
	err = v.each(key, end, func(e indexEntry) (bool, error) {
		if _, changed := past[e.key]; changed {
			return true, nil
		}
		kv, err := v.value(e)
		out = append(out, kv)
		return err == nil, err
	})
	if err != nil {
		return nil, err
	}
	for _, prev := range past {
		if prev != nil {
			out = append(out, prev)
		}
	}
	slices.SortFunc(out, func(a, b *mvccpb.KeyValue) int { return bytes.Compare(a.Key, b.Key) })
	return out, nil
}

// firstPrevsAfter maps every key in the range written after rev to the
// previous value carried by its first such event (nil if it was created).
func firstPrevsAfter(history *bbolt.Bucket, key, end []byte, rev int64) (map[string]*mvccpb.KeyValue, error) {
	past := map[string]*mvccpb.KeyValue{}
	c := history.Cursor()
	for k, v := c.Seek(historyKey(rev+1, 0)); k != nil; k, v = c.Next() {
		ev := &mvccpb.Event{}
		if err := ev.Unmarshal(v); err != nil {
			return nil, fmt.Errorf("kv: decoding history event %x: %w", k, err)
		}
		if ev.Kv == nil {
			return nil, fmt.Errorf("kv: history event %x has no key-value", k)
		}
		if _, seen := past[string(ev.Kv.Key)]; seen || !keyInRange(ev.Kv.Key, key, end) {
			continue
		}
		if ev.PrevKv != nil && !bytes.Equal(ev.PrevKv.Key, ev.Kv.Key) {
			return nil, fmt.Errorf("kv: history event %x has previous key %q for key %q", k, ev.PrevKv.Key, ev.Kv.Key)
		}
		past[string(ev.Kv.Key)] = ev.PrevKv
	}
	return past, nil
}

// keyInRange is store.each's notion of the range [key, end) for one key.
func keyInRange(k, key, end []byte) bool {
	switch {
	case len(end) == 0:
		return bytes.Equal(k, key)
	case len(end) == 1 && end[0] == 0:
		return bytes.Compare(k, key) >= 0
	}
	return bytes.Compare(k, key) >= 0 && bytes.Compare(k, end) < 0
}
