package grpcapi

import (
	"bytes"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// keyRange is a deleted interval [start, end); a nil end means the single
// key start, an end of "\x00" means every key from start on.
type keyRange struct{ start, end []byte }

func (r keyRange) contains(key []byte) bool {
	switch {
	case len(r.end) == 0:
		return bytes.Equal(key, r.start)
	case len(r.end) == 1 && r.end[0] == 0:
		return bytes.Compare(key, r.start) >= 0
	}
	return bytes.Compare(key, r.start) >= 0 && bytes.Compare(key, r.end) < 0
}

// checkTxnKeys rejects a txn whose branch (nested txns included) writes a
// key twice: two puts of one key, or a put of a key the branch also
// deletes. Etcd refuses these because the order of the writes inside one
// revision would be ambiguous to a watcher. The success and failure
// branches of one txn never both run, so they do not conflict.
func checkTxnKeys(t *pb.TxnRequest) error {
	for _, ops := range [][]*pb.RequestOp{t.Success, t.Failure} {
		if _, _, err := branchWrites(ops); err != nil {
			return err
		}
	}
	return nil
}

// branchWrites collects the puts and deletes of one branch, checking that
// no put repeats or falls inside a delete.
func branchWrites(ops []*pb.RequestOp) (map[string]struct{}, []keyRange, error) {
	puts := map[string]struct{}{}
	var dels []keyRange
	addPut := func(k []byte) error {
		if _, dup := puts[string(k)]; dup {
			return rpctypes.ErrGRPCDuplicateKey
		}
		puts[string(k)] = struct{}{}
		return nil
	}
	for _, op := range ops {
		switch r := op.GetRequest().(type) {
		case *pb.RequestOp_RequestPut:
			if r.RequestPut != nil {
				if err := addPut(r.RequestPut.Key); err != nil {
					return nil, nil, err
				}
			}
		case *pb.RequestOp_RequestDeleteRange:
			if d := r.RequestDeleteRange; d != nil {
				dels = append(dels, keyRange{d.Key, d.RangeEnd})
			}
		case *pb.RequestOp_RequestTxn:
			if r.RequestTxn == nil {
				continue
			}
			nputs, ndels, err := nestedWrites(r.RequestTxn)
			if err != nil {
				return nil, nil, err
			}
			for k := range nputs {
				if err := addPut([]byte(k)); err != nil {
					return nil, nil, err
				}
			}
			dels = append(dels, ndels...)
		}
	}
	for k := range puts {
		for _, d := range dels {
			if d.contains([]byte(k)) {
				return nil, nil, rpctypes.ErrGRPCDuplicateKey
			}
		}
	}
	return puts, dels, nil
}

// nestedWrites is what a nested txn may write: either branch may run, so
// the union of both, each checked on its own.
func nestedWrites(t *pb.TxnRequest) (map[string]struct{}, []keyRange, error) {
	sputs, sdels, err := branchWrites(t.Success)
	if err != nil {
		return nil, nil, err
	}
	fputs, fdels, err := branchWrites(t.Failure)
	if err != nil {
		return nil, nil, err
	}
	for k := range fputs {
		sputs[k] = struct{}{}
	}
	return sputs, append(sdels, fdels...), nil
}
