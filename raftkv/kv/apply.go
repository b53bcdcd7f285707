package kv

import (
	"encoding/binary"
	"fmt"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Apply applies a batch of committed entries in one bbolt transaction: one
// commit and one fsync per batch, with the applied index written in the
// same transaction as the data it reflects. Entries at or below the applied
// index are skipped, so replaying the log after a restart is harmless.
func (s *KV) Apply(entries []raftpb.Entry) ([]Result, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	cur := s.cur.Load()
	entries = skipApplied(entries, cur.applied.Index)
	if len(entries) == 0 {
		return nil, nil
	}
	if err := checkContiguous(entries, cur.applied.Index); err != nil {
		return nil, err
	}
	next := *cur
	var results []Result
	err := s.db.Update(func(tx *bbolt.Tx) error {
		a := applier{tx: tx, st: &next, limits: s.opts.Limits}
		for i := range entries {
			r, ok, err := a.applyEntry(&entries[i])
			if err != nil {
				return err
			}
			if ok {
				results = append(results, r)
			}
		}
		if err := compactHistory(tx, &next, s.opts.HistoryRevisions); err != nil {
			return err
		}
		return saveState(tx, &next)
	})
	if err != nil {
		return nil, fmt.Errorf("kv: applying entries %d-%d: %w",
			entries[0].Index, entries[len(entries)-1].Index, err)
	}
	s.cur.Store(&next)
	s.commits.Add(1)
	return results, nil
}

func skipApplied(entries []raftpb.Entry, applied uint64) []raftpb.Entry {
	i := 0
	for i < len(entries) && entries[i].Index <= applied {
		i++
	}
	return entries[i:]
}

// checkContiguous enforces the node loop's contract: committed entries
// arrive in order without gaps. A gap would silently lose writes.
func checkContiguous(entries []raftpb.Entry, applied uint64) error {
	want := applied + 1
	for _, e := range entries {
		if e.Index != want {
			return fmt.Errorf("kv: entry index %d does not follow applied index %d", e.Index, want-1)
		}
		want++
	}
	return nil
}

// applier applies entries inside one write transaction.
type applier struct {
	tx     *bbolt.Tx
	st     *state
	limits Limits
}

// applyEntry applies one entry and reports whether it carried a command.
// Only storage failures are returned as errors; a bad command becomes the
// Result's Err.
func (a *applier) applyEntry(e *raftpb.Entry) (Result, bool, error) {
	a.st.applied = Position{Index: e.Index, Term: e.Term}
	if e.Type == raftpb.EntryConfChange || e.Type == raftpb.EntryConfChangeV2 {
		return Result{}, false, a.applyMembers(e)
	}
	if e.Type != raftpb.EntryNormal || len(e.Data) == 0 {
		return Result{}, false, nil
	}
	r := Result{Index: e.Index}
	// Refuse oversized data before decoding it: it may come from a peer.
	if len(e.Data) > a.limits.MaxRequestBytes {
		r.Err = fmt.Errorf("%w: %d bytes, limit %d", ErrRequestTooLarge, len(e.Data), a.limits.MaxRequestBytes)
		return r, true, nil
	}
	cmd, err := DecodeCommand(e.Data)
	if err != nil {
		r.Err = err
		return r, true, nil
	}
	r.RequestID = cmd.RequestID
	if err := a.limits.Validate(cmd, len(e.Data)); err != nil {
		r.Err = err
		return r, true, nil
	}
	if cmd.LeaseGrant != nil || cmd.LeaseRevoke != nil || cmd.LeaseCheckpoint != nil {
		r.Lease, r.Err, err = a.executeLease(cmd, e.Index)
		return r, true, err
	}
	if cmd.SessionID != 0 {
		done, err := a.checkSession(cmd, &r)
		if done || err != nil {
			return r, true, err
		}
	}
	r.Response, r.Err, err = a.execute(cmd)
	if err != nil {
		return r, true, err
	}
	if cmd.SessionID != 0 && r.Err == nil {
		err = a.recordSession(cmd, r.Response)
	}
	return r, true, err
}

// checkSession answers a retried request from the session table. It reports
// done when r is complete and the command must not run.
func (a *applier) checkSession(cmd *Command, r *Result) (bool, error) {
	v := a.tx.Bucket(bucketSessions).Get(u64bytes(cmd.SessionID))
	if len(v) < 8 {
		return false, nil
	}
	last := binary.BigEndian.Uint64(v)
	switch {
	case cmd.Seq > last:
		return false, nil
	case cmd.Seq < last:
		r.Err = fmt.Errorf("%w: session %d seq %d, last applied %d", ErrStaleSequence, cmd.SessionID, cmd.Seq, last)
		return true, nil
	}
	resp := &etcdserverpb.ResponseOp{}
	if err := resp.Unmarshal(v[8:]); err != nil {
		return true, fmt.Errorf("session %d: decoding recorded response: %w", cmd.SessionID, err)
	}
	r.Response, r.Duplicate = resp, true
	return true, nil
}

// recordSession keeps the session's last sequence number and response so a
// retry gets the same answer. Failed requests are not recorded: they
// changed nothing, so running a retry again is safe.
func (a *applier) recordSession(cmd *Command, resp *etcdserverpb.ResponseOp) error {
	buf := make([]byte, 8+resp.Size())
	binary.BigEndian.PutUint64(buf, cmd.Seq)
	if _, err := resp.MarshalToSizedBuffer(buf[8:]); err != nil {
		return fmt.Errorf("session %d: encoding response: %w", cmd.SessionID, err)
	}
	return a.tx.Bucket(bucketSessions).Put(u64bytes(cmd.SessionID), buf)
}
