package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// forEachInRange calls fn for every stored key in etcd's notion of the range
// [key, end): an empty end means key alone, end "\x00" means every key from
// key on. fn returns false to stop early.
func forEachInRange(b *bbolt.Bucket, key, end []byte, fn func(k, v []byte) (bool, error)) error {
	if len(end) == 0 {
		if v := b.Get(key); v != nil {
			_, err := fn(key, v)
			return err
		}
		return nil
	}
	unbounded := len(end) == 1 && end[0] == 0
	c := b.Cursor()
	for k, v := c.Seek(key); k != nil && (unbounded || bytes.Compare(k, end) < 0); k, v = c.Next() {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// decodeKV decodes a stored value; the key lives only in the bucket key, so
// it is copied in (bbolt's slices die with the transaction).
func decodeKV(k, v []byte) (*mvccpb.KeyValue, error) {
	kv := &mvccpb.KeyValue{}
	if err := kv.Unmarshal(v); err != nil {
		return nil, fmt.Errorf("decoding key %q: %w", k, err)
	}
	kv.Key = bytes.Clone(k)
	return kv, nil
}

func getKV(b *bbolt.Bucket, key []byte) (*mvccpb.KeyValue, error) {
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	return decodeKV(key, v)
}

func putKV(b *bbolt.Bucket, kv *mvccpb.KeyValue) error {
	stored := *kv
	stored.Key = nil
	v, err := stored.Marshal()
	if err != nil {
		return fmt.Errorf("encoding key %q: %w", kv.Key, err)
	}
	return b.Put(kv.Key, v)
}

// historyKey orders events by revision, then by their order within the
// revision (a txn writes several events at one revision).
func historyKey(rev int64, sub uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, uint64(rev))
	binary.BigEndian.PutUint32(k[8:], sub)
	return k
}
