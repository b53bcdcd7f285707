package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"
)

// Bucket layout. Every bucket is written only inside Apply's transaction
// (or replaced whole by Restore), so the meta values always describe the
// data next to them.
var (
	bucketMeta     = []byte("meta")       // the keys below → 8-byte big-endian values
	bucketKeys     = []byte("keys")       // key → mvccpb.KeyValue without its Key field
	bucketHistory  = []byte("history")    // revision(8) ‖ sub(4) → mvccpb.Event
	bucketSessions = []byte("sessions")   // session id(8) → seq(8) ‖ ResponseOp
	bucketLeases   = []byte("leases")     // lease id(8) → ttl(8) ‖ remaining ttl(8)
	bucketLeaseKey = []byte("lease_keys") // lease id(8) ‖ key → empty: the keys attached

	metaAppliedIndex = []byte("applied_index")
	metaAppliedTerm  = []byte("applied_term")
	metaRevision     = []byte("revision")
	metaCompacted    = []byte("compacted_revision")
)

const defaultMmapBytes = 1 << 30

var allBuckets = [][]byte{bucketMeta, bucketKeys, bucketHistory, bucketSessions, bucketLeases, bucketLeaseKey}

// Options configure a KV.
type Options struct {
	Limits Limits
	// HistoryRevisions is how many of the latest revisions keep their events
	// in the history bucket; older events are compacted as revisions
	// advance. Zero keeps every event.
	HistoryRevisions int64
	// MmapBytes is the size bbolt maps up front (default 1 GiB; address
	// space, not memory). bbolt remaps a growing file only when no read
	// transaction is open, so once the database outgrows the map, Apply
	// waits for a snapshot being streamed to finish. Size it above the
	// expected database size.
	MmapBytes int
	// NoSync skips fsync on commit. It gives up durability and exists for
	// tests and benchmarks that do not measure it.
	NoSync bool
}

// state is the meta bucket's content as of the last committed transaction.
type state struct {
	applied   Position
	revision  int64
	compacted int64
}

// openTx is the write transaction Stage applies into until Commit, and
// the state it has reached.
type openTx struct {
	tx *bbolt.Tx
	st state
}

// KV is the bbolt-backed StateMachine. Apply, Snapshot, Restore and the
// reads may be called from different goroutines.
type KV struct {
	path string
	opts Options

	// mu guards db: Restore and Close swap or drop it under the write lock,
	// everything else uses it under the read lock.
	mu sync.RWMutex
	db *bbolt.DB
	// applyMu serializes Apply, Stage and Commit so batches commit in
	// log order, and guards open. It is taken before mu.
	applyMu sync.Mutex
	open    *openTx // the staged, uncommitted batches; nil if none
	// cur is the committed state: what readers see.
	cur atomic.Pointer[state]
	// commits counts Apply's write transactions, for benchmarks.
	commits atomic.Uint64
}

var _ StateMachine = (*KV)(nil)

// ErrClosed is returned by every method of a closed KV.
var ErrClosed = errors.New("kv: state machine is closed")

// Open opens (creating if needed) the state machine database at path.
func Open(path string, opts Options) (*KV, error) {
	opts.Limits = opts.Limits.withDefaults()
	if opts.MmapBytes <= 0 {
		opts.MmapBytes = defaultMmapBytes
	}
	if opts.HistoryRevisions < 0 {
		return nil, fmt.Errorf("kv: HistoryRevisions is %d, must not be negative", opts.HistoryRevisions)
	}
	// A restore that crashed before its rename leaves its temp file behind.
	if err := os.Remove(restoreTempPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("kv: removing leftover restore file: %w", err)
	}
	s := &KV{path: path, opts: opts}
	if err := s.openDB(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *KV) openDB() error {
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{NoSync: s.opts.NoSync, InitialMmapSize: s.opts.MmapBytes})
	if err != nil {
		return fmt.Errorf("kv: opening %s: %w", s.path, err)
	}
	var st *state
	err = db.Update(func(tx *bbolt.Tx) error {
		if err := initBuckets(tx); err != nil {
			return err
		}
		st, err = loadState(tx)
		return err
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("kv: initializing %s: %w", s.path, err)
	}
	s.db = db
	s.cur.Store(st)
	return nil
}

// initBuckets creates missing buckets and starts a fresh store at revision
// 1, as etcd does, so the first write is revision 2.
func initBuckets(tx *bbolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if meta.Get(metaRevision) == nil {
		return meta.Put(metaRevision, u64bytes(1))
	}
	return nil
}

func loadState(tx *bbolt.Tx) (*state, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil, errors.New("kv: database has no meta bucket")
	}
	var vals [4]uint64
	for i, k := range [][]byte{metaAppliedIndex, metaAppliedTerm, metaRevision, metaCompacted} {
		v := meta.Get(k)
		if v == nil {
			continue
		}
		if len(v) != 8 {
			return nil, fmt.Errorf("kv: meta %q has %d bytes, want 8", k, len(v))
		}
		vals[i] = binary.BigEndian.Uint64(v)
	}
	st := &state{
		applied:   Position{Index: vals[0], Term: vals[1]},
		revision:  int64(vals[2]),
		compacted: int64(vals[3]),
	}
	if st.revision < 1 || st.compacted > st.revision {
		return nil, fmt.Errorf("kv: meta revision %d, compacted %d are inconsistent", st.revision, st.compacted)
	}
	return st, nil
}

func saveState(tx *bbolt.Tx, st *state) error {
	meta := tx.Bucket(bucketMeta)
	for _, kv := range []struct {
		k []byte
		v uint64
	}{
		{metaAppliedIndex, st.applied.Index},
		{metaAppliedTerm, st.applied.Term},
		{metaRevision, uint64(st.revision)},
		{metaCompacted, uint64(st.compacted)},
	} {
		if err := meta.Put(kv.k, u64bytes(kv.v)); err != nil {
			return err
		}
	}
	return nil
}

func u64bytes(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

// Applied reports the position of the last applied entry.
func (s *KV) Applied() Position { return s.cur.Load().applied }

// Revision reports the current revision: 1 for an empty store, then one
// more per applied write that changed something.
func (s *KV) Revision() int64 { return s.cur.Load().revision }

// CompactedRevision reports the highest revision whose history events may
// have been dropped; events of every later revision are kept.
func (s *KV) CompactedRevision() int64 { return s.cur.Load().compacted }

// Close commits what is staged and closes the database: everything Apply
// or Stage returned for is durable.
func (s *KV) Close() error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	_, cerr := s.commitLocked()
	s.rollbackLocked()
	err := s.db.Close()
	s.db = nil
	return errors.Join(cerr, err)
}

// view runs fn in a read transaction on the open database.
func (s *KV) view(fn func(tx *bbolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(fn)
}
