package kv

import (
	"bytes"

	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// historyFill is the history bucket's split point (bbolt's FillPercent).
const historyFill = 1.0

// writer performs one request's writes. All of them share one revision,
// rev, which becomes the store's revision only if something changed. Its
// store is the staged index and the write transaction's history.
type writer struct {
	store
	leases    *bbolt.Bucket // lease_keys: which keys each lease holds
	tx        *bbolt.Tx
	rev       int64
	compacted int64
	sub       uint32
	changed   bool
}

func (a *applier) writer() *writer {
	history := a.tx.Bucket(bucketHistory)
	// Events are appended in increasing key order, so a full leaf stays full: splitting
	// at bbolt's default half would write twice the pages per commit.
	history.FillPercent = historyFill
	return &writer{
		store:     store{idx: a.st.idx, history: history},
		leases:    a.tx.Bucket(bucketLeaseKey),
		tx:        a.tx,
		rev:       a.st.revision + 1,
		compacted: a.st.compacted,
	}
}

// execute runs a validated command. reqErr is the request's own failure
// (state untouched); err is a storage failure that aborts the batch.
func (a *applier) execute(cmd *Command) (resp *etcdserverpb.ResponseOp, reqErr, err error) {
	w := a.writer()
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
		if _, ok := w.get(p.Key); !ok {
			return ErrKeyNotFound, nil
		}
	}
	return nil, nil
}

func (w *writer) put(p *etcdserverpb.PutRequest) (*etcdserverpb.PutResponse, error) {
	old, had := w.get(p.Key)
	var prev *mvccpb.KeyValue
	if had {
		var err error
		if prev, err = w.value(old); err != nil {
			return nil, err
		}
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
	sub := w.sub
	if err := w.record(&mvccpb.Event{Type: mvccpb.PUT, Kv: kv, PrevKv: prev}); err != nil {
		return nil, err
	}
	if had {
		if err := w.supersede(old); err != nil {
			return nil, err
		}
	}
	w.idx.ReplaceOrInsert(indexEntry{
		key: string(kv.Key), create: kv.CreateRevision, mod: w.rev, version: kv.Version, lease: kv.Lease, sub: sub,
	})
	resp := &etcdserverpb.PutResponse{}
	if p.PrevKv {
		resp.PrevKv = prev
	}
	return resp, nil
}

func (w *writer) deleteRange(d *etcdserverpb.DeleteRangeRequest) (*etcdserverpb.DeleteRangeResponse, error) {
	var doomed []indexEntry
	err := w.each(d.Key, d.RangeEnd, func(e indexEntry) (bool, error) {
		doomed = append(doomed, e)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	// Deleting after the scan: the tree must not change under its iterator.
	var victims []*mvccpb.KeyValue
	for _, e := range doomed {
		prev, err := w.value(e)
		if err != nil {
			return nil, err
		}
		victims = append(victims, prev)
		w.idx.Delete(e)
		if err := w.supersede(e); err != nil {
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

// supersede drops the event a key's new event replaces as its latest, if
// compaction kept it only for being the latest. Events after the
// compacted revision stay for watches and past reads.
func (w *writer) supersede(old indexEntry) error {
	if old.mod > w.compacted {
		return nil
	}
	return w.history.Delete(historyKey(old.mod, old.sub))
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
