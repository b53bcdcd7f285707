package kv

import (
	"bytes"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// writer performs one request's writes. All of them share one revision,
// rev, which becomes the store's revision only if something changed.
type writer struct {
	keys    *bbolt.Bucket
	history *bbolt.Bucket
	leases  *bbolt.Bucket // lease_keys: which keys each lease holds
	tx      *bbolt.Tx
	rev     int64
	sub     uint32
	changed bool
}

// execute runs a validated command. reqErr is the request's own failure
// (state untouched); err is a storage failure that aborts the batch.
func (a *applier) execute(cmd *Command) (resp *etcdserverpb.ResponseOp, reqErr, err error) {
	w := &writer{
		keys:    a.tx.Bucket(bucketKeys),
		history: a.tx.Bucket(bucketHistory),
		leases:  a.tx.Bucket(bucketLeaseKey),
		tx:      a.tx,
		rev:     a.st.revision + 1,
	}
	// Every check that can fail a request runs before the first write, so a
	// failed request never leaves half its writes behind.
	switch {
	case cmd.Put != nil:
		if reqErr, err = w.checkPut(cmd.Put); reqErr != nil || err != nil {
			return nil, reqErr, err
		}
		var r *etcdserverpb.PutResponse
		r, err = w.put(cmd.Put)
		resp = &etcdserverpb.ResponseOp{Response: &etcdserverpb.ResponseOp_ResponsePut{ResponsePut: r}}
	case cmd.DeleteRange != nil:
		var r *etcdserverpb.DeleteRangeResponse
		r, err = w.deleteRange(cmd.DeleteRange)
		resp = &etcdserverpb.ResponseOp{Response: &etcdserverpb.ResponseOp_ResponseDeleteRange{ResponseDeleteRange: r}}
	case cmd.Txn != nil:
		var path *txnPath
		if path, err = w.plan(cmd.Txn); err != nil {
			return nil, nil, err
		}
		if reqErr, err = w.checkPath(cmd.Txn, path); reqErr != nil || err != nil {
			return nil, reqErr, err
		}
		var r *etcdserverpb.TxnResponse
		r, err = w.txn(cmd.Txn, path)
		resp = &etcdserverpb.ResponseOp{Response: &etcdserverpb.ResponseOp_ResponseTxn{ResponseTxn: r}}
	}
	if err != nil {
		return nil, nil, err
	}
	if w.changed {
		a.st.revision = w.rev
	}
	setHeaders(resp, a.st.revision)
	return resp, nil, nil
}

// checkPut rejects a put that cannot run against the current state.
func (w *writer) checkPut(p *etcdserverpb.PutRequest) (reqErr, err error) {
	if err := checkLeaseExists(w.tx, p.Lease); err != nil {
		return err, nil
	}
	if p.IgnoreValue || p.IgnoreLease {
		if w.keys.Get(p.Key) == nil {
			return ErrKeyNotFound, nil
		}
	}
	return nil, nil
}

func (w *writer) put(p *etcdserverpb.PutRequest) (*etcdserverpb.PutResponse, error) {
	prev, err := getKV(w.keys, p.Key)
	if err != nil {
		return nil, err
	}
	kv := &mvccpb.KeyValue{
		Key:            bytes.Clone(p.Key),
		Value:          bytes.Clone(p.Value),
		CreateRevision: w.rev,
		ModRevision:    w.rev,
		Version:        1,
		Lease:          p.Lease,
	}
	if p.IgnoreLease {
		kv.Lease = keyLease(prev)
	}
	if err := attach(w.leases, kv.Key, keyLease(prev), kv.Lease); err != nil {
		return nil, err
	}
	if prev != nil {
		kv.CreateRevision = prev.CreateRevision
		kv.Version = prev.Version + 1
		if p.IgnoreValue {
			kv.Value = prev.Value
		}
	}
	if err := putKV(w.keys, kv); err != nil {
		return nil, err
	}
	if err := w.record(&mvccpb.Event{Type: mvccpb.PUT, Kv: kv, PrevKv: prev}); err != nil {
		return nil, err
	}
	resp := &etcdserverpb.PutResponse{}
	if p.PrevKv {
		resp.PrevKv = prev
	}
	return resp, nil
}

func (w *writer) deleteRange(d *etcdserverpb.DeleteRangeRequest) (*etcdserverpb.DeleteRangeResponse, error) {
	var victims []*mvccpb.KeyValue
	err := forEachInRange(w.keys, d.Key, d.RangeEnd, func(k, v []byte) (bool, error) {
		kv, err := decodeKV(k, v)
		victims = append(victims, kv)
		return true, err
	})
	if err != nil {
		return nil, err
	}
	// Deleting after the scan: bbolt cursors may skip keys when the bucket
	// changes under them.
	for _, prev := range victims {
		if err := w.keys.Delete(prev.Key); err != nil {
			return nil, err
		}
		if err := attach(w.leases, prev.Key, prev.Lease, 0); err != nil {
			return nil, err
		}
		tomb := &mvccpb.KeyValue{Key: prev.Key, ModRevision: w.rev}
		if err := w.record(&mvccpb.Event{Type: mvccpb.DELETE, Kv: tomb, PrevKv: prev}); err != nil {
			return nil, err
		}
	}
	resp := &etcdserverpb.DeleteRangeResponse{Deleted: int64(len(victims))}
	if d.PrevKv {
		resp.PrevKvs = victims
	}
	return resp, nil
}

// record appends an event to the history and marks the request as a change.
func (w *writer) record(ev *mvccpb.Event) error {
	v, err := ev.Marshal()
	if err != nil {
		return err
	}
	if err := w.history.Put(historyKey(w.rev, w.sub), v); err != nil {
		return err
	}
	w.sub++
	w.changed = true
	return nil
}

// setHeaders gives every response of a request, nested ones included, the
// revision the store reached after it.
func setHeaders(op *etcdserverpb.ResponseOp, rev int64) {
	h := &etcdserverpb.ResponseHeader{Revision: rev}
	switch r := op.Response.(type) {
	case *etcdserverpb.ResponseOp_ResponsePut:
		r.ResponsePut.Header = h
	case *etcdserverpb.ResponseOp_ResponseDeleteRange:
		r.ResponseDeleteRange.Header = h
	case *etcdserverpb.ResponseOp_ResponseRange:
		r.ResponseRange.Header = h
	case *etcdserverpb.ResponseOp_ResponseTxn:
		r.ResponseTxn.Header = h
		for _, sub := range r.ResponseTxn.Responses {
			setHeaders(sub, rev)
		}
	}
}
