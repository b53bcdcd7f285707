package kv

import (
	"encoding/binary"
	"fmt"

	"github.com/tickraft/raft/raftpb"
	"go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// Apply applies a batch of committed entries and commits: one bbolt
// commit (two fsyncs) for the batch and everything staged before it, with
// the applied index written in the same transaction as the data it
// reflects. Entries at or below the applied index are skipped, so
// replaying the log after a restart is harmless.
func (s *KV) Apply(entries []raftpb.Entry) ([]Result, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	results, err := s.stageLocked(entries)
	if err != nil {
		return nil, err
	}
	if _, err := s.commitLocked(); err != nil {
		return nil, err
	}
	return results, nil
}

// Stage applies a batch of committed entries inside the open write
// transaction (beginning one if none is open) and returns their results
// without committing: readers, Applied and Snapshot keep seeing the last
// committed state until Commit. The caller may answer clients from the
// results only if the entries are durable elsewhere (the raft log), since
// a crash loses everything staged. On error everything staged since the
// last commit is rolled back, not only this batch.
func (s *KV) Stage(entries []raftpb.Entry) ([]Result, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stageLocked(entries)
}

// Commit makes everything staged durable and visible to readers, and
// returns the applied position that is now committed. Without staged work
// it only returns that position.
func (s *KV) Commit() (Position, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.commitLocked()
}

// Staged reports the position of the last staged entry: Applied, or
// later while a transaction is open.
func (s *KV) Staged() Position {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.open != nil {
		return s.open.st.applied
	}
	return s.cur.Load().applied
}

// stageLocked runs with applyMu and mu held for reading.
func (s *KV) stageLocked(entries []raftpb.Entry) ([]Result, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	base := *s.cur.Load()
	if s.open != nil {
		base = s.open.st
	}
	entries = skipApplied(entries, base.applied.Index)
	if len(entries) == 0 {
		return nil, nil
	}
	if err := checkContiguous(entries, base.applied.Index); err != nil {
		return nil, err
	}
	if s.open == nil {
		tx, err := s.db.Begin(true)
		if err != nil {
			return nil, fmt.Errorf("kv: beginning a write transaction: %w", err)
		}
		// The writer's index is a copy-on-write clone: readers keep the
		// committed one untouched until Commit publishes this one.
		base.idx = base.idx.Clone()
		s.open = &openTx{tx: tx, st: base}
	}
	next := base
	results, err := s.applyInTx(s.open.tx, &next, entries)
	if err != nil {
		s.rollbackLocked()
		return nil, fmt.Errorf("kv: applying entries %d-%d: %w",
			entries[0].Index, entries[len(entries)-1].Index, err)
	}
	s.open.st = next
	return results, nil
}

func (s *KV) applyInTx(tx *bbolt.Tx, next *state, entries []raftpb.Entry) ([]Result, error) {
	var results []Result
	a := applier{tx: tx, st: next, limits: s.opts.Limits}
	for i := range entries {
		r, ok, err := a.applyEntry(&entries[i])
		if err != nil {
			return nil, err
		}
		if ok {
			results = append(results, r)
		}
	}
	if err := compactHistory(tx, next, s.opts.HistoryRevisions); err != nil {
		return nil, err
	}
	return results, saveState(tx, next)
}

// commitLocked runs with applyMu and mu (either mode) held.
func (s *KV) commitLocked() (Position, error) {
	o := s.open
	if o == nil {
		return s.cur.Load().applied, nil
	}
	s.open = nil
	st := o.st
	s.pubMu.Lock()
	// A failed Commit has rolled the transaction back.
	err := o.tx.Commit()
	if err == nil {
		s.cur.Store(&st)
	}
	s.pubMu.Unlock()
	if err != nil {
		return Position{}, fmt.Errorf("kv: committing entries up to %d: %w", o.st.applied.Index, err)
	}
	s.commits.Add(1)
	return st.applied, nil
}

// rollbackLocked drops everything staged since the last commit.
func (s *KV) rollbackLocked() {
	if s.open != nil {
		s.open.tx.Rollback()
		s.open = nil
	}
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
	if cmd.Compaction != nil {
		r.Compaction, r.Err, err = a.compact(cmd.Compaction)
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
