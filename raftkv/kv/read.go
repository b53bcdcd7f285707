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

// Range reads keys at the current revision, or at a past one still covered
// by the history. It does not go through raft: the node loop calls it after
// a ReadIndex round for linearizable reads, or directly for serializable
// ones. The header carries the current revision whatever was asked, as etcd.
func (s *KV) Range(req *etcdserverpb.RangeRequest) (*etcdserverpb.RangeResponse, error) {
	if len(req.Key) == 0 {
		return nil, ErrEmptyKey
	}
	var resp *etcdserverpb.RangeResponse
	err := s.read(func(st *state, tx *bbolt.Tx) error {
		if err := checkReadRevision(st, req.Revision); err != nil {
			return err
		}
		v := store{idx: st.idx, history: tx.Bucket(bucketHistory)}
		seq := indexSeq(v, req.Key, req.RangeEnd)
		if req.Revision != 0 && req.Revision < st.revision {
			past, err := keysAt(v, req.Key, req.RangeEnd, req.Revision)
			if err != nil {
				return err
			}
			seq = sliceSeq(past)
		}
		var err error
		if resp, err = selectRange(v, seq, req); err != nil {
			return err
		}
		resp.Header = &etcdserverpb.ResponseHeader{Revision: st.revision}
		return nil
	})
	return resp, err
}

// checkReadRevision refuses a revision the store cannot answer for. The
// history holds the events after st.compacted, which is enough to rebuild
// st.compacted itself, but etcd's compaction revision (what watchers and
// Compact report) is st.compacted+1, so reads below that are refused too.
func checkReadRevision(st *state, rev int64) error {
	switch {
	case rev > st.revision:
		return fmt.Errorf("%w: %d, current %d", ErrFutureRevision, rev, st.revision)
	case rev != 0 && rev <= st.compacted:
		return fmt.Errorf("%w: asked for %d, compacted through %d", ErrCompacted, rev, st.compacted)
	}
	return nil
}

// kvSeq yields the key-values of a range in ascending key order, each
// either as an index entry whose value is not read yet (kv nil) or
// already read, so that a count-only read of the current keys reads no
// values.
type kvSeq func(yield func(e indexEntry, kv *mvccpb.KeyValue) (bool, error)) error

func indexSeq(v store, key, end []byte) kvSeq {
	return func(yield func(e indexEntry, kv *mvccpb.KeyValue) (bool, error)) error {
		return v.each(key, end, func(e indexEntry) (bool, error) { return yield(e, nil) })
	}
}

func sliceSeq(kvs []*mvccpb.KeyValue) kvSeq {
	return func(yield func(e indexEntry, kv *mvccpb.KeyValue) (bool, error)) error {
		for _, kv := range kvs {
			if more, err := yield(indexEntry{}, kv); err != nil || !more {
				return err
			}
		}
		return nil
	}
}

// selectRange answers a range request from seq, with etcd's rules: Count is
// the number of keys in the range before limit and filters; the revision
// filters and any order other than ascending key need the whole range,
// which is then filtered, sorted and cut to Limit.
func selectRange(v store, seq kvSeq, req *etcdserverpb.RangeRequest) (*etcdserverpb.RangeResponse, error) {
	order := effectiveOrder(req)
	// A keys-only read needs values only to sort by them.
	needValue := !req.KeysOnly || req.SortTarget == etcdserverpb.RangeRequest_VALUE
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
	err := seq(func(e indexEntry, kv *mvccpb.KeyValue) (bool, error) {
		resp.Count++
		if req.CountOnly || (fetch > 0 && int64(len(kvs)) >= fetch) {
			return true, nil
		}
		if kv == nil {
			var err error
			if kv, err = v.load(e, needValue); err != nil {
				return false, err
			}
		}
		if passesFilters(req, kv) {
			kvs = append(kvs, kv)
		}
		return true, nil
	})
	if err != nil || req.CountOnly {
		return resp, err
	}
	sortKVs(kvs, order, req.SortTarget)
	if req.Limit > 0 && int64(len(kvs)) > req.Limit {
		kvs, resp.More = kvs[:req.Limit], true
	}
	// Values go only after sorting: etcd sorts keys_only reads by value too.
	if req.KeysOnly {
		for _, kv := range kvs {
			kv.Value = nil
		}
	}
	resp.Kvs = kvs
	return resp, nil
}

// effectiveOrder is the sort actually needed: keys come out of the index in
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
