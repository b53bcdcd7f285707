package wal

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (errors.Is) by every error that reports damage to
// the log that recovery must not paper over.
var ErrCorrupt = errors.New("wal: log is corrupt")

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("wal: closed")

// CorruptError says where the log is damaged and what the operator can do.
type CorruptError struct {
	Path   string
	Offset int64
	Record int // index of the record within its segment, or -1
	Reason string
}

func (e *CorruptError) Error() string {
	where := fmt.Sprintf("%s at offset %d", e.Path, e.Offset)
	if e.Record >= 0 {
		where += fmt.Sprintf(" (record %d of the segment)", e.Record)
	}
	return fmt.Sprintf("wal: corrupt log: %s: %s; acknowledged data may be lost, so the WAL refuses to open: "+
		"restore this member's data directory from a backup, or remove the member and add it back so that "+
		"it is rebuilt from a snapshot", where, e.Reason)
}

func (e *CorruptError) Unwrap() error { return ErrCorrupt }

func corruptf(path string, off int64, rec int, format string, args ...any) error {
	return &CorruptError{Path: path, Offset: off, Record: rec, Reason: fmt.Sprintf(format, args...)}
}
