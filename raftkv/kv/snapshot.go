package kv

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"go.etcd.io/bbolt"
)

// Snapshot streams the whole database, as of one read transaction, to w:
// bbolt writes its pages straight from the memory map, so no copy of the
// state is built in memory. The returned position is the applied index of
// that transaction. Apply may run concurrently; it does not block it.
func (s *KV) Snapshot(w io.Writer) (Position, error) {
	return s.StreamSnapshot(func(int64, int64) (io.Writer, error) { return w, nil })
}

// StreamSnapshot is Snapshot for a writer that must know what is coming:
// start gets the database's size in bytes (exactly what will be written)
// and its revision, from the same read transaction, and returns the writer.
func (s *KV) StreamSnapshot(start func(size, revision int64) (io.Writer, error)) (Position, error) {
	var pos Position
	err := s.view(func(tx *bbolt.Tx) error {
		st, err := loadState(tx)
		if err != nil {
			return err
		}
		pos = st.applied
		w, err := start(tx.Size(), st.revision)
		if err != nil {
			return err
		}
		_, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return Position{}, fmt.Errorf("kv: writing snapshot: %w", err)
	}
	return pos, nil
}

func restoreTempPath(path string) string { return path + ".restore" }

// Restore replaces the database with the snapshot read from r: it is
// written to a temporary file beside the database and synced, checked by
// opening it, then renamed over the database (an atomic switch) and the
// directory synced before the new file is opened. Readers and Apply wait
// while the files are swapped. On error the old state stays in place.
func (s *KV) Restore(r io.Reader) (Position, error) {
	tmp := restoreTempPath(s.path)
	if err := writeSynced(tmp, r); err != nil {
		os.Remove(tmp)
		return Position{}, fmt.Errorf("kv: receiving snapshot: %w", err)
	}
	if err := checkSnapshotFile(tmp); err != nil {
		os.Remove(tmp)
		return Position{}, fmt.Errorf("kv: snapshot is not a usable database: %w", err)
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		os.Remove(tmp)
		return Position{}, ErrClosed
	}
	// bbolt cannot close with a write transaction open; what is staged
	// is committed first, so the old state stays whole if Restore fails.
	if _, err := s.commitLocked(); err != nil {
		os.Remove(tmp)
		return Position{}, err
	}
	if err := s.db.Close(); err != nil {
		return Position{}, fmt.Errorf("kv: closing database for restore: %w", err)
	}
	s.db = nil
	if err := os.Rename(tmp, s.path); err != nil {
		// The old file is untouched; reopen it.
		return Position{}, errors.Join(fmt.Errorf("kv: installing snapshot: %w", err), s.openDB())
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return Position{}, errors.Join(err, s.openDB())
	}
	if err := s.openDB(); err != nil {
		return Position{}, err
	}
	return s.cur.Load().applied, nil
}

func writeSynced(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkSnapshotFile opens the received file read-only and checks it whole,
// so a truncated, corrupt or foreign file is refused before the current
// state is given up. The snapshot comes from a peer: bbolt reading a bad
// page through its memory map faults or panics, and both become errors.
func checkSnapshotFile(path string) (err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt database: %v", r)
		}
	}()
	return db.View(func(tx *bbolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("file has %d bytes, its meta page says %d", fi.Size(), tx.Size())
		}
		// Drain every error: Check's goroutine reads pages until it is done,
		// and must finish before the transaction closes.
		var first error
		for cerr := range tx.Check() {
			first = cmp.Or(first, cerr)
		}
		if first != nil {
			return first
		}
		if err := checkFormat(tx); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("missing bucket %q", name)
			}
		}
		if _, err := loadState(tx); err != nil {
			return err
		}
		// Opening builds the index the same way; a history it cannot
		// read must be refused while the current state is still here.
		_, err := buildIndex(tx)
		return err
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("kv: syncing %s: %w", dir, err)
	}
	return nil
}
