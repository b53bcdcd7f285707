package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tickraft/raft/raftpb"
)

// Snapshot data travels beside raft: a leader streams its state machine
// (kv.Snapshot) after the MsgSnap that carries only metadata, and the
// receiver keeps the stream in snap/<index>.snap until the append
// goroutine has made the marker durable and restored the state machine
// from it. The file outlives a crash between the two, so Open can finish
// the restore.

func (s *Server) snapPath(index uint64) string {
	return filepath.Join(s.cfg.Dir, "snap", fmt.Sprintf("%016x.snap", index))
}

// sendSnapshot streams the state machine to m.To after m. The state
// machine is at or past m's index (markers are only made at applied
// indexes), and the receiver skips the entries it already reflects.
func (s *Server) sendSnapshot(m raftpb.Message) {
	pr, pw := io.Pipe()
	s.snaps.Add(1)
	go func() {
		defer s.snaps.Done()
		_, err := s.kv.Snapshot(pw)
		pw.CloseWithError(err)
	}()
	s.tr.SendSnapshot(m, pr)
}

// storeSnapshot writes an incoming snapshot's data durably to its file.
func (s *Server) storeSnapshot(index uint64, data io.Reader) error {
	path := s.snapPath(index)
	f, err := os.CreateTemp(filepath.Dir(path), "incoming-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := io.Copy(f, data); err != nil {
		f.Close()
		return fmt.Errorf("server: receiving snapshot %d: %w", index, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// restoreSnapshot brings the state machine to an installed snapshot's
// index from its stored data, unless it is already there.
func (s *Server) restoreSnapshot(meta raftpb.SnapshotMetadata) error {
	if s.kv.Staged().Index >= meta.Index {
		return nil
	}
	f, err := os.Open(s.snapPath(meta.Index))
	if err != nil {
		return fmt.Errorf("server: the data of installed snapshot %d is missing: %w", meta.Index, err)
	}
	pos, err := s.kv.Restore(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("server: restoring snapshot %d: %w", meta.Index, err)
	}
	if pos.Index < meta.Index {
		return fmt.Errorf("server: snapshot data reflects index %d, below its marker %d", pos.Index, meta.Index)
	}
	s.removeSnapFiles(meta.Index, false)
	s.cfg.Metrics.SnapshotRestored()
	return s.reloadLeases()
}

// recoverSnapshot finishes, at Open, a restore that a crash interrupted,
// and drops snapshot files that no longer matter.
func (s *Server) recoverSnapshot(meta raftpb.SnapshotMetadata) error {
	if meta.Index > 0 {
		if err := s.restoreSnapshot(meta); err != nil {
			return err
		}
	}
	s.removeSnapFiles(0, true)
	return nil
}

// removeSnapFiles deletes stored snapshot data except keep's, and with
// partial also unfinished incoming files (only safe at Open).
func (s *Server) removeSnapFiles(keep uint64, partial bool) {
	dir := filepath.Join(s.cfg.Dir, "snap")
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		name, done := strings.CutSuffix(n.Name(), ".snap")
		if !done && !partial {
			continue
		}
		if idx, err := strconv.ParseUint(name, 16, 64); done && err == nil && idx == keep {
			continue
		}
		os.Remove(filepath.Join(dir, n.Name()))
	}
}

// receiveSnapshot is the transport handler's part: store, then step.
func (s *Server) receiveSnapshot(ctx context.Context, m raftpb.Message, data io.Reader) error {
	if m.Snapshot == nil {
		return fmt.Errorf("server: MsgSnap from %x without a snapshot", m.From)
	}
	if err := s.storeSnapshot(m.Snapshot.Metadata.Index, data); err != nil {
		return err
	}
	select {
	case s.recvc <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stopc:
		return ErrStopped
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
