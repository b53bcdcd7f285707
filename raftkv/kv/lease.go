package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// MaxLeaseTTL is the longest TTL a lease may have, in seconds (etcd's).
const MaxLeaseTTL = 9_000_000_000

// Lease errors, besides ErrLeaseNotFound.
var (
	ErrLeaseExists      = errors.New("kv: lease already exists")
	ErrLeaseTTLTooLarge = errors.New("kv: too large lease TTL")
)

// Lease is a stored lease.
type Lease struct {
	ID  int64
	TTL int64 // granted TTL, seconds
	// Remaining is the TTL left at the last checkpoint, 0 if none was taken.
	Remaining int64
}

// LeaseResult is the outcome of an applied lease command, in Result.Lease.
type LeaseResult struct {
	// Granted is the lease a grant created.
	Granted *Lease
	// Revoked is the id a revoke removed, with the keys it deleted.
	Revoked     int64
	RevokedKeys int
	// Revision is the store's revision after the command.
	Revision int64
}

func (c *Command) leaseRequest() (byte, marshaler, int) {
	n := 0
	var kind byte
	var req marshaler
	if c.LeaseGrant != nil {
		n, kind, req = n+1, kindLeaseGrant, c.LeaseGrant
	}
	if c.LeaseRevoke != nil {
		n, kind, req = n+1, kindLeaseRevoke, c.LeaseRevoke
	}
	if c.LeaseCheckpoint != nil {
		n, kind, req = n+1, kindLeaseCkpt, c.LeaseCheckpoint
	}
	return kind, req, n
}

func (c *Command) decodeLease(kind byte, data []byte) error {
	switch kind {
	case kindLeaseGrant:
		c.LeaseGrant = &etcdserverpb.LeaseGrantRequest{}
		return c.LeaseGrant.Unmarshal(data)
	case kindLeaseRevoke:
		c.LeaseRevoke = &etcdserverpb.LeaseRevokeRequest{}
		return c.LeaseRevoke.Unmarshal(data)
	case kindLeaseCkpt:
		c.LeaseCheckpoint = &etcdserverpb.LeaseCheckpointRequest{}
		return c.LeaseCheckpoint.Unmarshal(data)
	}
	return fmt.Errorf("unknown kind %d", kind)
}

// checkLease validates a lease command's fields.
func checkLease(c *Command) error {
	switch {
	case c.LeaseGrant != nil:
		if c.LeaseGrant.TTL > MaxLeaseTTL {
			return fmt.Errorf("%w: %d s, limit %d", ErrLeaseTTLTooLarge, c.LeaseGrant.TTL, int64(MaxLeaseTTL))
		}
		if c.LeaseGrant.ID < 0 {
			return fmt.Errorf("%w: negative lease id %d", ErrBadCommand, c.LeaseGrant.ID)
		}
	case c.LeaseCheckpoint != nil:
		for _, cp := range c.LeaseCheckpoint.Checkpoints {
			if cp == nil {
				return fmt.Errorf("%w: nil lease checkpoint", ErrBadCommand)
			}
		}
	}
	return nil
}

// executeLease applies a lease command. Grants and checkpoints leave the
// revision alone; a revoke that deletes keys adds one, shared by all its
// deletes, as etcd does.
func (a *applier) executeLease(cmd *Command, index uint64) (*LeaseResult, error, error) {
	leases := a.tx.Bucket(bucketLeases)
	switch {
	case cmd.LeaseGrant != nil:
		id := cmd.LeaseGrant.ID
		if id == 0 {
			id = freeLeaseID(leases, index)
		} else if leases.Get(leaseKey(id)) != nil {
			return nil, ErrLeaseExists, nil
		}
		l := &Lease{ID: id, TTL: cmd.LeaseGrant.TTL}
		if err := leases.Put(leaseKey(id), encodeLease(l)); err != nil {
			return nil, nil, err
		}
		return &LeaseResult{Granted: l, Revision: a.st.revision}, nil, nil
	case cmd.LeaseRevoke != nil:
		id := cmd.LeaseRevoke.ID
		if leases.Get(leaseKey(id)) == nil {
			return nil, ErrLeaseNotFound, nil
		}
		n, err := a.revoke(id)
		if err != nil {
			return nil, nil, err
		}
		return &LeaseResult{Revoked: id, RevokedKeys: n, Revision: a.st.revision}, nil, nil
	}
	for _, cp := range cmd.LeaseCheckpoint.Checkpoints {
		l, err := getLease(leases, cp.ID)
		if err != nil || l == nil {
			// A checkpoint racing a revoke names a lease that is gone.
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		l.Remaining = cp.Remaining_TTL
		if err := leases.Put(leaseKey(l.ID), encodeLease(l)); err != nil {
			return nil, nil, err
		}
	}
	return &LeaseResult{Revision: a.st.revision}, nil, nil
}

// freeLeaseID picks a server-assigned id from the raft index, so every
// replica picks the same one; an id a client chose already is skipped.
func freeLeaseID(leases *bbolt.Bucket, index uint64) int64 {
	id := int64(index & (1<<63 - 1))
	for id == 0 || leases.Get(leaseKey(id)) != nil {
		id++
		if id < 0 {
			id = 1
		}
	}
	return id
}

// revoke deletes the lease and every key attached to it at one revision.
func (a *applier) revoke(id int64) (int, error) {
	w := a.writer()
	attached, err := leaseKeys(w.leases, id)
	if err != nil {
		return 0, err
	}
	for _, k := range attached {
		if _, err := w.deleteRange(&etcdserverpb.DeleteRangeRequest{Key: k}); err != nil {
			return 0, err
		}
	}
	if err := a.tx.Bucket(bucketLeases).Delete(leaseKey(id)); err != nil {
		return 0, err
	}
	if w.changed {
		a.st.revision = w.rev
	}
	return len(attached), nil
}

// attach moves key from the lease it had (prev) to lease; 0 means none.
func attach(b *bbolt.Bucket, key []byte, prev, lease int64) error {
	if prev == lease {
		return nil
	}
	if prev != 0 {
		if err := b.Delete(leaseKeyOf(prev, key)); err != nil {
			return err
		}
	}
	if lease != 0 {
		return b.Put(leaseKeyOf(lease, key), nil)
	}
	return nil
}

// checkLeaseExists is the put's lease check: the lease must be granted.
func checkLeaseExists(tx *bbolt.Tx, id int64) error {
	if id != 0 && tx.Bucket(bucketLeases).Get(leaseKey(id)) == nil {
		return ErrLeaseNotFound
	}
	return nil
}

func leaseKey(id int64) []byte { return u64bytes(uint64(id)) }

func leaseKeyOf(id int64, key []byte) []byte {
	return append(leaseKey(id), key...)
}

// leaseKeys lists the keys attached to a lease, in key order.
func leaseKeys(b *bbolt.Bucket, id int64) ([][]byte, error) {
	prefix := leaseKey(id)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k[8:]))
	}
	return keys, nil
}

func encodeLease(l *Lease) []byte {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(l.TTL))
	binary.BigEndian.PutUint64(v[8:], uint64(l.Remaining))
	return v
}

func getLease(b *bbolt.Bucket, id int64) (*Lease, error) {
	v := b.Get(leaseKey(id))
	if v == nil {
		return nil, nil
	}
	return decodeLease(leaseKey(id), v)
}

func decodeLease(k, v []byte) (*Lease, error) {
	if len(k) != 8 || len(v) != 16 {
		return nil, fmt.Errorf("kv: stored lease %x has %d bytes, want 16", k, len(v))
	}
	return &Lease{
		ID:        int64(binary.BigEndian.Uint64(k)),
		TTL:       int64(binary.BigEndian.Uint64(v)),
		Remaining: int64(binary.BigEndian.Uint64(v[8:])),
	}, nil
}

// Leases lists every lease in id order.
func (s *KV) Leases() ([]Lease, error) {
	var out []Lease
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLeases).ForEach(func(k, v []byte) error {
			l, err := decodeLease(k, v)
			if err != nil {
				return err
			}
			out = append(out, *l)
			return nil
		})
	})
	return out, err
}

// LeaseInfo returns a lease and the keys attached to it, in key order.
// It fails with ErrLeaseNotFound for an unknown id.
func (s *KV) LeaseInfo(id int64) (Lease, [][]byte, error) {
	var l *Lease
	var keys [][]byte
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		if l, err = getLease(tx.Bucket(bucketLeases), id); err != nil || l == nil {
			return err
		}
		keys, err = leaseKeys(tx.Bucket(bucketLeaseKey), id)
		return err
	})
	if err == nil && l == nil {
		err = ErrLeaseNotFound
	}
	if err != nil {
		return Lease{}, nil, err
	}
	return *l, keys, nil
}

// keyLease reports the lease a stored key-value is attached to.
func keyLease(kv *mvccpb.KeyValue) int64 {
	if kv == nil {
		return 0
	}
	return kv.Lease
}
