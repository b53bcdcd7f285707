package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Command is one client write as it travels through the raft log.
//
// Encoding (format 1):
//
//	byte 0      format version (1)
//	byte 1      kind: 1 put, 2 delete-range, 3 txn, 4 lease grant,
//	            5 lease revoke, 6 lease checkpoint, 7 compaction
//	uvarint     RequestID
//	uvarint     SessionID
//	uvarint     Seq
//	rest        the etcdserverpb request in protobuf encoding
//
// The version byte lets a later format be told apart from this one in an
// old log; the request itself keeps etcd's protobuf so the gRPC layer can
// forward what the client sent without translation.
type Command struct {
	// RequestID matches the Result back to the proposal waiting for it.
	// It is chosen by the proposing node and only needs to be unique there.
	RequestID uint64
	// SessionID and Seq deduplicate client retries: a command whose Seq is
	// not above the session's last applied Seq is not applied again.
	// SessionID 0 means no deduplication.
	SessionID uint64
	Seq       uint64
	// Exactly one of the requests is set.
	Put             *etcdserverpb.PutRequest
	DeleteRange     *etcdserverpb.DeleteRangeRequest
	Txn             *etcdserverpb.TxnRequest
	LeaseGrant      *etcdserverpb.LeaseGrantRequest
	LeaseRevoke     *etcdserverpb.LeaseRevokeRequest
	LeaseCheckpoint *etcdserverpb.LeaseCheckpointRequest
	Compaction      *etcdserverpb.CompactionRequest
}

const commandFormat = 1

const (
	kindPut         = 1
	kindDeleteRange = 2
	kindTxn         = 3
	kindLeaseGrant  = 4
	kindLeaseRevoke = 5
	kindLeaseCkpt   = 6
	kindCompaction  = 7
)

// ErrBadCommand is returned (inside a Result) for entry data that does not
// decode as a Command.
var ErrBadCommand = errors.New("kv: malformed command")

type marshaler interface {
	Size() int
	MarshalToSizedBuffer([]byte) (int, error)
}

// Encode returns the command's encoding for a raft entry's Data.
func (c *Command) Encode() ([]byte, error) {
	kind, req, err := c.request()
	if err != nil {
		return nil, err
	}
	var hdr [2 + 3*binary.MaxVarintLen64]byte
	hdr[0], hdr[1] = commandFormat, kind
	n := 2
	n += binary.PutUvarint(hdr[n:], c.RequestID)
	n += binary.PutUvarint(hdr[n:], c.SessionID)
	n += binary.PutUvarint(hdr[n:], c.Seq)
	size := req.Size()
	buf := make([]byte, n+size)
	copy(buf, hdr[:n])
	if _, err := req.MarshalToSizedBuffer(buf[n:]); err != nil {
		return nil, fmt.Errorf("kv: encoding command: %w", err)
	}
	return buf, nil
}

func (c *Command) request() (byte, marshaler, error) {
	set := 0
	var kind byte
	var req marshaler
	if c.Put != nil {
		set, kind, req = set+1, kindPut, c.Put
	}
	if c.DeleteRange != nil {
		set, kind, req = set+1, kindDeleteRange, c.DeleteRange
	}
	if c.Txn != nil {
		set, kind, req = set+1, kindTxn, c.Txn
	}
	if c.Compaction != nil {
		set, kind, req = set+1, kindCompaction, c.Compaction
	}
	lk, lreq, ln := c.leaseRequest()
	if ln > 0 {
		set, kind, req = set+ln, lk, lreq
	}
	if set != 1 {
		return 0, nil, fmt.Errorf("kv: command must carry exactly one request, has %d", set)
	}
	return kind, req, nil
}

// DecodeCommand decodes entry data written by Command.Encode. Malformed data
// yields an error wrapping ErrBadCommand, never a panic.
func DecodeCommand(data []byte) (*Command, error) {
	if len(data) < 2 {
		return nil, fmt.Errorf("%w: %d bytes, need at least 2", ErrBadCommand, len(data))
	}
	if data[0] != commandFormat {
		return nil, fmt.Errorf("%w: unknown format %d", ErrBadCommand, data[0])
	}
	kind, rest := data[1], data[2:]
	var c Command
	for _, f := range []*uint64{&c.RequestID, &c.SessionID, &c.Seq} {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return nil, fmt.Errorf("%w: bad varint header", ErrBadCommand)
		}
		*f, rest = v, rest[n:]
	}
	var err error
	switch kind {
	case kindPut:
		c.Put = &etcdserverpb.PutRequest{}
		err = c.Put.Unmarshal(rest)
	case kindDeleteRange:
		c.DeleteRange = &etcdserverpb.DeleteRangeRequest{}
		err = c.DeleteRange.Unmarshal(rest)
	case kindTxn:
		c.Txn = &etcdserverpb.TxnRequest{}
		err = c.Txn.Unmarshal(rest)
	case kindCompaction:
		c.Compaction = &etcdserverpb.CompactionRequest{}
		err = c.Compaction.Unmarshal(rest)
	default:
		err = c.decodeLease(kind, rest)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	return &c, nil
}
