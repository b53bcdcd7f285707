package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// appendJob is one unit of work for the append goroutine, in loop order:
// a MsgStorageAppend, or a request to mark a snapshot and compact.
type appendJob struct {
	msg  raftpb.Message
	mark *markJob
}

// markJob asks for a snapshot marker at index (the applied index when the
// loop asked) with the configuration then in force.
type markJob struct {
	index uint64
	cs    raftpb.ConfState
}

// appendLoop persists raft's writes in order. Every MsgStorageAppend
// already queued behind the first (up to the batch bounds, and never past
// a marker job) is merged into one wal.Save, one fdatasync; only then are
// the messages' responses released, in order: the acknowledgements to
// raft and the messages (votes, append responses) that must not leave
// before the write is durable.
func (s *Server) appendLoop() {
	defer s.workers.Done()
	failed := false
	var held *appendJob // taken from appendc but left for the next round
	for {
		var job appendJob
		if held != nil {
			job, held = *held, nil
		} else {
			j, ok := <-s.appendc
			if !ok {
				return
			}
			job = j
		}
		if failed {
			continue
		}
		var err error
		if job.mark != nil {
			err = s.markAndCompact(job.mark)
		} else {
			var b appendBatch
			b.add(&job.msg)
			held = s.fillAppendBatch(&b)
			err = s.persist(&b)
		}
		if err != nil {
			failed = true
			s.fail(err)
		}
	}
}

// fillAppendBatch adds the appends queued now to b. It returns the job
// that ends the batch (a marker job, or a message that must start the
// next batch), if it took one.
func (s *Server) fillAppendBatch(b *appendBatch) *appendJob {
	for !b.full() {
		select {
		case j, ok := <-s.appendc:
			if !ok {
				return nil
			}
			if j.mark != nil || !b.add(&j.msg) {
				return &j
			}
		default:
			return nil
		}
	}
	return nil
}

func (s *Server) persist(b *appendBatch) error {
	if s.cfg.beforeSave != nil {
		s.cfg.beforeSave(b.msgs)
	}
	start := time.Now()
	if err := s.wal.Save(b.hs, b.ents, b.snap); err != nil {
		return fmt.Errorf("server: writing the log: %w", err)
	}
	// A Save with nothing to record returns without syncing.
	if len(b.ents) > 0 || !raft.IsEmptyHardState(b.hs) || b.snap != nil {
		s.cfg.Metrics.WALSync(time.Since(start))
	}
	if b.snap != nil {
		// The marker is durable; the data it stands for was stored when
		// it arrived. If we crash before Restore, Open restores it.
		if err := s.restoreSnapshot(*b.snap); err != nil {
			return err
		}
		if err := s.installMembers(b.snap.ConfState); err != nil {
			return err
		}
		if err := s.commitKV(); err != nil {
			return err
		}
	}
	var local []raftpb.Message
	var peers []raftpb.Message
	for _, r := range b.responses {
		if r.To == s.cfg.ID {
			local = append(local, r)
		} else {
			peers = append(peers, r)
		}
	}
	if len(peers) > 0 {
		s.tr.Send(peers)
	}
	if len(local) > 0 {
		s.events.push(event{step: local})
	}
	return nil
}

// markAndCompact records a local snapshot marker at the applied index and
// compacts the log, keeping CompactTail entries before the marker for
// followers that lag a little. The marker can only go at an index that is
// already in the log; an applied entry still being written is skipped
// until next time.
func (s *Server) markAndCompact(j *markJob) error {
	st := s.wal.Storage()
	last, err := st.LastIndex()
	if err != nil {
		return err
	}
	if j.index > last {
		return nil
	}
	if _, err := s.wal.MarkSnapshot(j.index, &j.cs); err != nil {
		if errors.Is(err, raft.ErrSnapOutOfDate) || errors.Is(err, raft.ErrCompacted) {
			return nil
		}
		return fmt.Errorf("server: marking a snapshot at %d: %w", j.index, err)
	}
	s.cfg.Metrics.SnapshotTaken()
	if j.index <= s.cfg.CompactTail {
		return nil
	}
	first, err := st.FirstIndex()
	if err != nil {
		return err
	}
	to := j.index - s.cfg.CompactTail
	if to < first {
		return nil
	}
	if err := s.wal.Compact(to); err != nil && !errors.Is(err, raft.ErrCompacted) {
		return fmt.Errorf("server: compacting the log to %d: %w", to, err)
	}
	return nil
}
