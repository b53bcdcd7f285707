package kv

import (
	"bytes"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// txnPath records which branch a txn takes, and the same for each nested
// txn on that branch, in order. Every compare, nested ones included, is
// evaluated against the state before the txn runs, as etcd does.
type txnPath struct {
	succeeded bool
	nested    []*txnPath
}

func (w *writer) plan(t *etcdserverpb.TxnRequest) (*txnPath, error) {
	ok, err := compareAll(w.store, t.Compare)
	if err != nil {
		return nil, err
	}
	p := &txnPath{succeeded: ok}
	for _, op := range branch(t, ok) {
		if nt := op.GetRequestTxn(); nt != nil {
			np, err := w.plan(nt)
			if err != nil {
				return nil, err
			}
			p.nested = append(p.nested, np)
		}
	}
	return p, nil
}

func branch(t *etcdserverpb.TxnRequest, succeeded bool) []*etcdserverpb.RequestOp {
	if succeeded {
		return t.Success
	}
	return t.Failure
}

// checkPath checks every put the txn will run against the state before it.
func (w *writer) checkPath(t *etcdserverpb.TxnRequest, p *txnPath) (reqErr, err error) {
	nested := 0
	for _, op := range branch(t, p.succeeded) {
		switch r := op.Request.(type) {
		case *etcdserverpb.RequestOp_RequestPut:
			reqErr, err = w.checkPut(r.RequestPut)
		case *etcdserverpb.RequestOp_RequestTxn:
			reqErr, err = w.checkPath(r.RequestTxn, p.nested[nested])
			nested++
		}
		if reqErr != nil || err != nil {
			return reqErr, err
		}
	}
	return nil, nil
}

// txn runs the planned branch. Reads inside see the txn's earlier writes.
func (w *writer) txn(t *etcdserverpb.TxnRequest, p *txnPath) (*etcdserverpb.TxnResponse, error) {
	ops := branch(t, p.succeeded)
	resp := &etcdserverpb.TxnResponse{Succeeded: p.succeeded, Responses: make([]*etcdserverpb.ResponseOp, 0, len(ops))}
	nested := 0
	for _, op := range ops {
		var out etcdserverpb.ResponseOp
		var err error
		switch r := op.Request.(type) {
		case *etcdserverpb.RequestOp_RequestRange:
			var rr *etcdserverpb.RangeResponse
			rr, err = selectRange(w.store, indexSeq(w.store, r.RequestRange.Key, r.RequestRange.RangeEnd), r.RequestRange)
			out.Response = &etcdserverpb.ResponseOp_ResponseRange{ResponseRange: rr}
		case *etcdserverpb.RequestOp_RequestPut:
			var pr *etcdserverpb.PutResponse
			pr, err = w.put(r.RequestPut)
			out.Response = &etcdserverpb.ResponseOp_ResponsePut{ResponsePut: pr}
		case *etcdserverpb.RequestOp_RequestDeleteRange:
			var dr *etcdserverpb.DeleteRangeResponse
			dr, err = w.deleteRange(r.RequestDeleteRange)
			out.Response = &etcdserverpb.ResponseOp_ResponseDeleteRange{ResponseDeleteRange: dr}
		case *etcdserverpb.RequestOp_RequestTxn:
			var tr *etcdserverpb.TxnResponse
			tr, err = w.txn(r.RequestTxn, p.nested[nested])
			nested++
			out.Response = &etcdserverpb.ResponseOp_ResponseTxn{ResponseTxn: tr}
		}
		if err != nil {
			return nil, err
		}
		resp.Responses = append(resp.Responses, &out)
	}
	return resp, nil
}

// compareAll reports whether every compare holds.
func compareAll(v store, cmps []*etcdserverpb.Compare) (bool, error) {
	for _, c := range cmps {
		ok, err := compare(v, c)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// compare evaluates one compare over its key or range: it holds when it
// holds for every key in the range. Over an empty range a value compare
// fails (a missing value cannot be told from an empty one) and the others
// compare against zero, so "version = 0" tests that a key is absent.
func compare(v store, c *etcdserverpb.Compare) (bool, error) {
	found, ok := false, true
	err := v.each(c.Key, c.RangeEnd, func(e indexEntry) (bool, error) {
		kv, err := v.load(e, c.Target == etcdserverpb.Compare_VALUE)
		if err != nil {
			return false, err
		}
		found = true
		ok = compareKV(c, kv)
		return ok, nil
	})
	if err != nil {
		return false, err
	}
	if !found {
		if c.Target == etcdserverpb.Compare_VALUE {
			return false, nil
		}
		return compareKV(c, &mvccpb.KeyValue{}), nil
	}
	return ok, nil
}

func compareKV(c *etcdserverpb.Compare, kv *mvccpb.KeyValue) bool {
	var diff int
	switch c.Target {
	case etcdserverpb.Compare_VALUE:
		diff = bytes.Compare(kv.Value, c.GetValue())
	case etcdserverpb.Compare_VERSION:
		diff = cmpInt(kv.Version, c.GetVersion())
	case etcdserverpb.Compare_CREATE:
		diff = cmpInt(kv.CreateRevision, c.GetCreateRevision())
	case etcdserverpb.Compare_MOD:
		diff = cmpInt(kv.ModRevision, c.GetModRevision())
	case etcdserverpb.Compare_LEASE:
		diff = cmpInt(kv.Lease, c.GetLease())
	default:
		return false
	}
	switch c.Result {
	case etcdserverpb.Compare_EQUAL:
		return diff == 0
	case etcdserverpb.Compare_GREATER:
		return diff > 0
	case etcdserverpb.Compare_LESS:
		return diff < 0
	case etcdserverpb.Compare_NOT_EQUAL:
		return diff != 0
	}
	return false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
