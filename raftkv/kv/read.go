package kv

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// ErrFutureRevision is returned for a read at a revision not reached yet.
var ErrFutureRevision = errors.New("kv: required revision is a future revision")

// Range reads keys at the current revision. It does not go through raft:
// the node loop calls it after a ReadIndex round for linearizable reads, or
// directly for serializable ones. Only the current revision is kept, so
// req.Revision must be 0 or the current revision.
func (s *KV) Range(req *etcdserverpb.RangeRequest) (*etcdserverpb.RangeResponse, error) {
	if len(req.Key) == 0 {
		return nil, ErrEmptyKey
	}
	var resp *etcdserverpb.RangeResponse
	err := s.view(func(tx *bbolt.Tx) error {
		st, err := loadState(tx)
		if err != nil {
			return err
		}
		switch {
		case req.Revision > st.revision:
			return fmt.Errorf("%w: %d, current %d", ErrFutureRevision, req.Revision, st.revision)
		case req.Revision != 0 && req.Revision < st.revision:
			return fmt.Errorf("%w: asked for %d, current %d", ErrHistoricalRevision, req.Revision, st.revision)
		}
		if resp, err = rangeKeys(tx.Bucket(bucketKeys), req); err != nil {
			return err
		}
		resp.Header = &etcdserverpb.ResponseHeader{Revision: st.revision}
		return nil
	})
	return resp, err
}

// rangeKeys answers a range request from the keys bucket, with etcd's rules:
// Count is the number of keys in the range before limit and filters; the
// revision filters and any order other than ascending key need the whole
// range, which is then filtered, sorted and cut to Limit.
func rangeKeys(keys *bbolt.Bucket, req *etcdserverpb.RangeRequest) (*etcdserverpb.RangeResponse, error) {
	order := effectiveOrder(req)
	filtered := req.MinModRevision != 0 || req.MaxModRevision != 0 ||
		req.MinCreateRevision != 0 || req.MaxCreateRevision != 0
	// Without sorting or filtering, the first Limit keys are the answer; one
	// more is read only to learn that there are more.
	fetch := int64(0)
	if order == etcdserverpb.RangeRequest_NONE && !filtered && req.Limit > 0 {
		fetch = req.Limit + 1
	}
	resp := &etcdserverpb.RangeResponse{}
	var kvs []*mvccpb.KeyValue
	err := forEachInRange(keys, req.Key, req.RangeEnd, func(k, v []byte) (bool, error) {
		resp.Count++
		if req.CountOnly || (fetch > 0 && int64(len(kvs)) >= fetch) {
			return true, nil
		}
		kv, err := decodeKV(k, v)
		if err != nil {
			return false, err
		}
		if !passesFilters(req, kv) {
			return true, nil
		}
		if req.KeysOnly {
			kv.Value = nil
		}
		kvs = append(kvs, kv)
		return true, nil
	})
	if err != nil || req.CountOnly {
		return resp, err
	}
	sortKVs(kvs, order, req.SortTarget)
	if req.Limit > 0 && int64(len(kvs)) > req.Limit {
		kvs, resp.More = kvs[:req.Limit], true
	}
	resp.Kvs = kvs
	return resp, nil
}

// effectiveOrder is the sort actually needed: keys come out of bbolt in
// ascending order, and a target other than the key with no order means
// ascending, as in etcd.
func effectiveOrder(req *etcdserverpb.RangeRequest) etcdserverpb.RangeRequest_SortOrder {
	order := req.SortOrder
	if req.SortTarget == etcdserverpb.RangeRequest_KEY && order == etcdserverpb.RangeRequest_ASCEND {
		return etcdserverpb.RangeRequest_NONE
	}
	if req.SortTarget != etcdserverpb.RangeRequest_KEY && order == etcdserverpb.RangeRequest_NONE {
		return etcdserverpb.RangeRequest_ASCEND
	}
	return order
}

func passesFilters(req *etcdserverpb.RangeRequest, kv *mvccpb.KeyValue) bool {
	return (req.MinModRevision == 0 || kv.ModRevision >= req.MinModRevision) &&
		(req.MaxModRevision == 0 || kv.ModRevision <= req.MaxModRevision) &&
		(req.MinCreateRevision == 0 || kv.CreateRevision >= req.MinCreateRevision) &&
		(req.MaxCreateRevision == 0 || kv.CreateRevision <= req.MaxCreateRevision)
}

// sortKVs sorts stably, so keys with equal targets stay in key order.
func sortKVs(kvs []*mvccpb.KeyValue, order etcdserverpb.RangeRequest_SortOrder, target etcdserverpb.RangeRequest_SortTarget) {
	if order == etcdserverpb.RangeRequest_NONE {
		return
	}
	cmp := func(a, b *mvccpb.KeyValue) int {
		switch target {
		case etcdserverpb.RangeRequest_VERSION:
			return cmpInt(a.Version, b.Version)
		case etcdserverpb.RangeRequest_CREATE:
			return cmpInt(a.CreateRevision, b.CreateRevision)
		case etcdserverpb.RangeRequest_MOD:
			return cmpInt(a.ModRevision, b.ModRevision)
		case etcdserverpb.RangeRequest_VALUE:
			return bytes.Compare(a.Value, b.Value)
		}
		return bytes.Compare(a.Key, b.Key)
	}
	sort.SliceStable(kvs, func(i, j int) bool {
		c := cmp(kvs[i], kvs[j])
		if order == etcdserverpb.RangeRequest_DESCEND {
			return c > 0
		}
		return c < 0
	})
}
