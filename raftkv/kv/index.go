package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/google/btree"
	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"google.golang.org/protobuf/encoding/protowire"
)

// indexEntry is what the in-memory index knows of a live key: its
// metadata, and in mod and sub the history event that holds its value.
// A deleted key has no entry.
type indexEntry struct {
	key     string
	create  int64
	mod     int64
	version int64
	lease   int64
	sub     uint32
}

// keyIndex maps every live key to its entry, in key order. A tree that
// readers hold is never written again: the writer works on a Clone, whose
// copy-on-write nodes leave the shared ones untouched, and publishes it
// at commit.
type keyIndex = btree.BTreeG[indexEntry]

func newKeyIndex() *keyIndex {
	return btree.NewG(32, func(a, b indexEntry) bool { return a.key < b.key })
}

// meta is the entry as a KeyValue without its value.
func (e indexEntry) meta() *mvccpb.KeyValue {
	return &mvccpb.KeyValue{
		Key:            []byte(e.key),
		CreateRevision: e.create,
		ModRevision:    e.mod,
		Version:        e.version,
		Lease:          e.lease,
	}
}

// store is the state one reader or the writer sees: an index and the
// history bucket of the same transaction, which holds every value the
// index points at.
type store struct {
	idx     *keyIndex
	history *bbolt.Bucket
}

func (v store) get(key []byte) (indexEntry, bool) {
	return v.idx.Get(probe(key))
}

// probe is an entry to search the index for key with. It shares key's
// bytes to save a copy per lookup, so it must not be stored, and key must
// not change while it is in use.
func probe(key []byte) indexEntry {
	return indexEntry{key: unsafe.String(unsafe.SliceData(key), len(key))}
}

// each calls fn for every live key in etcd's notion of the range
// [key, end): an empty end means key alone, end "\x00" means every key
// from key on. fn returns false to stop early.
func (v store) each(key, end []byte, fn func(e indexEntry) (bool, error)) error {
	if len(end) == 0 {
		if e, ok := v.get(key); ok {
			_, err := fn(e)
			return err
		}
		return nil
	}
	var err error
	visit := func(e indexEntry) bool {
		var more bool
		more, err = fn(e)
		return more && err == nil
	}
	if len(end) == 1 && end[0] == 0 {
		v.idx.AscendGreaterOrEqual(probe(key), visit)
	} else if bytes.Compare(key, end) < 0 {
		v.idx.AscendRange(probe(key), probe(end), visit)
	}
	return err
}

// value reads the key-value an entry points at from its history event.
func (v store) value(e indexEntry) (*mvccpb.KeyValue, error) {
	hk := historyKey(e.mod, e.sub)
	raw := v.history.Get(hk)
	if raw == nil {
		return nil, fmt.Errorf("kv: key %q: its value's event %x is missing from the history", e.key, hk)
	}
	kvBytes, err := eventKVBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("kv: key %q: history event %x: %w", e.key, hk, err)
	}
	kv := &mvccpb.KeyValue{}
	if err := kv.Unmarshal(kvBytes); err != nil {
		return nil, fmt.Errorf("kv: key %q: decoding history event %x: %w", e.key, hk, err)
	}
	if string(kv.Key) != e.key {
		return nil, fmt.Errorf("kv: key %q: history event %x holds key %q", e.key, hk, kv.Key)
	}
	return kv, nil
}

// load returns the entry's key-value, reading the value only if needed.
func (v store) load(e indexEntry, needValue bool) (*mvccpb.KeyValue, error) {
	if !needValue {
		return e.meta(), nil
	}
	return v.value(e)
}

// Field numbers of mvccpb.Event and mvccpb.KeyValue, for reading events
// without decoding their values.
const (
	eventFieldType = 1
	eventFieldKV   = 2
	kvFieldKey     = 1
	kvFieldCreate  = 2
	kvFieldVersion = 4
	kvFieldLease   = 6
)

var errBadEvent = errors.New("malformed event")

// eventKVBytes returns the encoded kv field of an encoded mvccpb.Event,
// so that reading a value does not decode the previous one too.
func eventKVBytes(ev []byte) ([]byte, error) {
	kv, _, err := scanEvent(ev)
	return kv, err
}

// scanEvent returns an encoded event's kv field and its type.
func scanEvent(ev []byte) (kv []byte, typ mvccpb.Event_EventType, err error) {
	found := false
	for len(ev) > 0 {
		num, wt, n := protowire.ConsumeTag(ev)
		if n < 0 {
			return nil, 0, errBadEvent
		}
		ev = ev[n:]
		switch {
		case num == eventFieldType && wt == protowire.VarintType:
			v, m := protowire.ConsumeVarint(ev)
			if m < 0 {
				return nil, 0, errBadEvent
			}
			typ, n = mvccpb.Event_EventType(v), m
		case num == eventFieldKV && wt == protowire.BytesType:
			b, m := protowire.ConsumeBytes(ev)
			if m < 0 {
				return nil, 0, errBadEvent
			}
			kv, found, n = b, true, m
		default:
			n = protowire.ConsumeFieldValue(num, wt, ev)
			if n < 0 {
				return nil, 0, errBadEvent
			}
		}
		ev = ev[n:]
	}
	if !found {
		return nil, 0, fmt.Errorf("%w: no key-value", errBadEvent)
	}
	return kv, typ, nil
}

// scanEntry reads the index entry an encoded event at (rev, sub) leaves
// behind, without copying its value, and whether the event deletes. The
// entry's key is left empty: key is the event's, in ev's memory.
func scanEntry(ev []byte, rev int64, sub uint32) (e indexEntry, key []byte, deleted bool, err error) {
	kv, typ, err := scanEvent(ev)
	if err != nil {
		return indexEntry{}, nil, false, err
	}
	e = indexEntry{mod: rev, sub: sub}
	for len(kv) > 0 {
		num, wt, n := protowire.ConsumeTag(kv)
		if n < 0 {
			return indexEntry{}, nil, false, errBadEvent
		}
		kv = kv[n:]
		switch {
		case num == kvFieldKey && wt == protowire.BytesType:
			b, m := protowire.ConsumeBytes(kv)
			if m < 0 {
				return indexEntry{}, nil, false, errBadEvent
			}
			key, n = b, m
		case wt == protowire.VarintType && (num == kvFieldCreate || num == kvFieldVersion || num == kvFieldLease):
			v, m := protowire.ConsumeVarint(kv)
			if m < 0 {
				return indexEntry{}, nil, false, errBadEvent
			}
			switch num {
			case kvFieldCreate:
				e.create = int64(v)
			case kvFieldVersion:
				e.version = int64(v)
			default:
				e.lease = int64(v)
			}
			n = m
		default:
			n = protowire.ConsumeFieldValue(num, wt, kv)
			if n < 0 {
				return indexEntry{}, nil, false, errBadEvent
			}
		}
		kv = kv[n:]
	}
	return e, key, typ == mvccpb.DELETE, nil
}

// buildIndex replays the history into a fresh index. The history holds
// every event after the compacted revision and, at or below it, exactly
// the latest event of each live key (compaction keeps those), so the
// replay ends with every live key at its latest event.
func buildIndex(tx *bbolt.Tx) (*keyIndex, error) {
	idx := newKeyIndex()
	c := tx.Bucket(bucketHistory).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 12 {
			return nil, fmt.Errorf("kv: history key %x has %d bytes, want 12", k, len(k))
		}
		rev, sub := int64(binary.BigEndian.Uint64(k)), binary.BigEndian.Uint32(k[8:])
		e, key, deleted, err := scanEntry(v, rev, sub)
		if err != nil {
			return nil, fmt.Errorf("kv: rebuilding the key index: history event %x: %w", k, err)
		}
		old, live := idx.Get(probe(key))
		switch {
		case deleted:
			idx.Delete(probe(key))
			continue
		case live:
			e.key = old.key // most events rewrite a live key: keep its copy
		default:
			e.key = string(key)
		}
		idx.ReplaceOrInsert(e)
	}
	return idx, nil
}
