package kv

import (
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// ErrInvalidRequest is matched (with errors.Is) by every error that blames
// the request itself; the gRPC layer maps it to InvalidArgument.
var ErrInvalidRequest = errors.New("kv: invalid request")

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalidRequest }

// Errors a request can fail with. All but ErrKeyNotFound, ErrLeaseNotFound
// and ErrStaleSequence match ErrInvalidRequest.
var (
	ErrEmptyKey           error = &invalidError{"kv: key is not provided"}
	ErrKeyTooLarge        error = &invalidError{"kv: key is too large"}
	ErrValueTooLarge      error = &invalidError{"kv: value is too large"}
	ErrRequestTooLarge    error = &invalidError{"kv: request is too large"}
	ErrTooManyTxnOps      error = &invalidError{"kv: too many operations in txn request"}
	ErrValueProvided      error = &invalidError{"kv: value is provided with ignore_value"}
	ErrLeaseProvided      error = &invalidError{"kv: lease is provided with ignore_lease"}
	ErrHistoricalRevision error = &invalidError{"kv: a range inside a txn must read the current revision (revision 0)"}
	ErrKeyNotFound              = errors.New("kv: key not found")
	ErrLeaseNotFound            = errors.New("kv: requested lease not found")
	ErrStaleSequence            = errors.New("kv: request sequence is older than the session's last applied request")
)

// Limits bound what one request may carry. They are checked before a
// command is proposed (Validate) and again when it is applied, so that a
// peer cannot make a replica store more than it allows. Because the check at
// apply time decides the replicated outcome, every member of a cluster must
// run with the same Limits.
type Limits struct {
	MaxKeyBytes     int // default 4 KiB
	MaxValueBytes   int // default 1 MiB
	MaxRequestBytes int // encoded command size; default 1.5 MiB, like etcd
	MaxTxnOps       int // per list (compare, success, failure); default 128, like etcd
}

// DefaultLimits are the Limits used for zero fields.
var DefaultLimits = Limits{
	MaxKeyBytes:     4 << 10,
	MaxValueBytes:   1 << 20,
	MaxRequestBytes: 3 << 19,
	MaxTxnOps:       128,
}

func (l Limits) withDefaults() Limits {
	fill := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	fill(&l.MaxKeyBytes, DefaultLimits.MaxKeyBytes)
	fill(&l.MaxValueBytes, DefaultLimits.MaxValueBytes)
	fill(&l.MaxRequestBytes, DefaultLimits.MaxRequestBytes)
	fill(&l.MaxTxnOps, DefaultLimits.MaxTxnOps)
	return l
}

// Validate checks a command against the limits (zero fields take their
// defaults). encodedSize is the length of its encoding.
func (l Limits) Validate(c *Command, encodedSize int) error {
	l = l.withDefaults()
	if encodedSize > l.MaxRequestBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrRequestTooLarge, encodedSize, l.MaxRequestBytes)
	}
	switch {
	case c.Put != nil:
		return l.checkPut(c.Put)
	case c.DeleteRange != nil:
		return l.checkKey(c.DeleteRange.Key, c.DeleteRange.RangeEnd)
	case c.Txn != nil:
		return l.checkTxn(c.Txn)
	case c.LeaseGrant != nil || c.LeaseRevoke != nil || c.LeaseCheckpoint != nil:
		return checkLease(c)
	case c.Compaction != nil:
		return nil // its revision is checked against the store when applied
	}
	return fmt.Errorf("%w: command carries no request", ErrBadCommand)
}

func (l Limits) checkKey(key, end []byte) error {
	if len(key) == 0 {
		return ErrEmptyKey
	}
	if len(key) > l.MaxKeyBytes || len(end) > l.MaxKeyBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrKeyTooLarge, max(len(key), len(end)), l.MaxKeyBytes)
	}
	return nil
}

func (l Limits) checkPut(p *etcdserverpb.PutRequest) error {
	if err := l.checkKey(p.Key, nil); err != nil {
		return err
	}
	if len(p.Value) > l.MaxValueBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrValueTooLarge, len(p.Value), l.MaxValueBytes)
	}
	if p.IgnoreValue && len(p.Value) != 0 {
		return ErrValueProvided
	}
	if p.IgnoreLease && p.Lease != 0 {
		return ErrLeaseProvided
	}
	return nil
}

func (l Limits) checkTxn(t *etcdserverpb.TxnRequest) error {
	if n := max(len(t.Compare), len(t.Success), len(t.Failure)); n > l.MaxTxnOps {
		return fmt.Errorf("%w: %d, limit %d", ErrTooManyTxnOps, n, l.MaxTxnOps)
	}
	for _, c := range t.Compare {
		if c == nil {
			return fmt.Errorf("%w: nil compare", ErrBadCommand)
		}
		if err := l.checkKey(c.Key, c.RangeEnd); err != nil {
			return err
		}
	}
	for _, ops := range [][]*etcdserverpb.RequestOp{t.Success, t.Failure} {
		for _, op := range ops {
			if err := l.checkOp(op); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l Limits) checkOp(op *etcdserverpb.RequestOp) error {
	switch r := op.GetRequest().(type) {
	case *etcdserverpb.RequestOp_RequestRange:
		if r.RequestRange == nil {
			break
		}
		// A txn applies at the store's revision then, on every replica;
		// reading history there would tie its outcome to compaction.
		if r.RequestRange.Revision != 0 {
			return ErrHistoricalRevision
		}
		return l.checkKey(r.RequestRange.Key, r.RequestRange.RangeEnd)
	case *etcdserverpb.RequestOp_RequestPut:
		if r.RequestPut == nil {
			break
		}
		return l.checkPut(r.RequestPut)
	case *etcdserverpb.RequestOp_RequestDeleteRange:
		if r.RequestDeleteRange == nil {
			break
		}
		return l.checkKey(r.RequestDeleteRange.Key, r.RequestDeleteRange.RangeEnd)
	case *etcdserverpb.RequestOp_RequestTxn:
		if r.RequestTxn == nil {
			break
		}
		return l.checkTxn(r.RequestTxn)
	}
	return fmt.Errorf("%w: txn operation carries no request", ErrBadCommand)
}
