package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
)

// A segment file is named <seq>-<firstIndex>.wal, both 16 hex digits:
// the sequence number orders segments and exposes gaps; firstIndex is the
// index after the last entry when the segment was created, so every entry
// the segment holds is >= it and every entry in an earlier segment is
// below it.
const (
	segSuffix = ".wal"
	tmpSuffix = ".wal.tmp"
)

var segNameRE = regexp.MustCompile(`^([0-9a-f]{16})-([0-9a-f]{16})\.wal$`)

func segName(seq, firstIndex uint64) string {
	return fmt.Sprintf("%016x-%016x%s", seq, firstIndex, segSuffix)
}

// segment is one open segment file.
type segment struct {
	segHeader
	path string
	f    *os.File
	size int64 // preallocated size
}

// listSegments returns the segment names in dir in sequence order. It
// removes temporary files left by a rotation that crashed before its
// rename, and refuses any other file: a stranger in the WAL directory is
// more likely an operator's mistake than something safe to ignore.
func listSegments(dir string) ([]segHeader, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: reading directory %s: %w", dir, err)
	}
	var hs []segHeader
	for _, de := range des {
		name := de.Name()
		if m := segNameRE.FindStringSubmatch(name); m != nil && de.Type().IsRegular() {
			seq, _ := strconv.ParseUint(m[1], 16, 64)
			first, _ := strconv.ParseUint(m[2], 16, 64)
			hs = append(hs, segHeader{seq: seq, firstIndex: first})
			continue
		}
		if filepath.Ext(name) == ".tmp" && len(name) == len(segName(0, 0))+4 && de.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("wal: removing unfinished segment %s: %w", name, err)
			}
			continue
		}
		return nil, fmt.Errorf("wal: %s in WAL directory %s is not a segment file (want <16 hex digits>-<16 hex digits>%s); move it elsewhere", name, dir, segSuffix)
	}
	slices.SortFunc(hs, func(a, b segHeader) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	for i := 1; i < len(hs); i++ {
		if hs[i].seq != hs[i-1].seq+1 {
			return nil, corruptf(filepath.Join(dir, segName(hs[i].seq, hs[i].firstIndex)), 0, -1,
				"segment sequence jumps from %d to %d: segment %d is missing", hs[i-1].seq, hs[i].seq, hs[i-1].seq+1)
		}
	}
	return hs, nil
}

// createSegment writes a new segment holding the header and init (the
// start record), preallocated to size, and makes it durable: written under
// a temporary name, synced, renamed, and the directory synced.
func createSegment(dir string, h segHeader, init []byte, size int64) (*segment, error) {
	path := filepath.Join(dir, segName(h.seq, h.firstIndex))
	tmp := path[:len(path)-len(segSuffix)] + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("wal: creating segment: %w", err)
	}
	fail := func(err error) (*segment, error) {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("wal: creating segment %s: %w", path, err)
	}
	size = max(size, int64(headerSize+len(init)))
	if err := preallocate(f, size); err != nil {
		return fail(err)
	}
	if _, err := f.WriteAt(append(h.encode(), init...), 0); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: creating segment %s: %w", path, err)
	}
	return &segment{segHeader: h, path: path, f: f, size: size}, nil
}

// syncDir makes creations, renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
