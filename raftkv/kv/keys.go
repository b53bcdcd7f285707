package kv

import "encoding/binary"

// historyKey orders events by revision, then by their order within the
// revision (a txn writes several events at one revision).
func historyKey(rev int64, sub uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, uint64(rev))
	binary.BigEndian.PutUint32(k[8:], sub)
	return k
}
