//go:build !linux

package wal

import "os"

// preallocate sets f's size; the blocks are allocated as they are written.
func preallocate(f *os.File, size int64) error { return f.Truncate(size) }

// fdatasync flushes f with a full fsync where fdatasync is not available.
func fdatasync(f *os.File) error { return f.Sync() }
