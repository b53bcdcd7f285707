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
	bucketHistory  = []byte("history")    // revision(8) ‖ sub(4) → mvccpb.Event: the only value store
	bucketSessions = []byte("sessions")   // session id(8) → seq(8) ‖ ResponseOp
	bucketLeases   = []byte("leases")     // lease id(8) → ttl(8) ‖ remaining ttl(8)
	bucketLeaseKey = []byte("lease_keys") // lease id(8) ‖ key → empty: the keys attached

	metaAppliedIndex = []byte("applied_index")
	metaAppliedTerm  = []byte("applied_term")
	metaRevision     = []byte("revision")
	metaCompacted    = []byte("compacted_revision")
	metaFormat       = []byte("storage_format")

	// bucketOldKeys is format 1's bucket of current values keyed by key.
	bucketOldKeys = []byte("keys")
)

// storageFormat is the layout this code reads and writes: format 2 keeps
// values only in the history, keyed by revision, with the key index in
// memory. Format 1 (no storage_format in meta) also kept a keys bucket
// and dropped the events of live keys at compaction, so its history
// cannot rebuild the index.
const storageFormat = 2

const defaultMmapBytes = 1 << 30

var allBuckets = [][]byte{bucketMeta, bucketHistory, bucketSessions, bucketLeases, bucketLeaseKey}

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

// state is the meta bucket's content as of the last committed
// transaction, and the key index of that transaction (nil in a state
// read from meta alone).
type state struct {
	applied   Position
	revision  int64
	compacted int64
	idx       *keyIndex
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
	// pubMu is held for writing while a commit becomes visible in bbolt
	// and in cur; a reader that found the two apart waits on it.
	pubMu sync.RWMutex
	// beforeBegin, if set, runs between a reader's load of cur and its
	// bbolt transaction (tests use it to commit in between).
	beforeBegin func()
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
		if st, err = loadState(tx); err != nil {
			return err
		}
		st.idx, err = buildIndex(tx)
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
// 1, as etcd does, so the first write is revision 2. It refuses a
// database in another storage format before changing anything.
func initBuckets(tx *bbolt.Tx) error {
	fresh := tx.Bucket(bucketMeta) == nil || tx.Bucket(bucketMeta).Get(metaRevision) == nil
	if !fresh {
		if err := checkFormat(tx); err != nil {
			return err
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	if !fresh {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(metaFormat, u64bytes(storageFormat)); err != nil {
		return err
	}
	return meta.Put(metaRevision, u64bytes(1))
}

// checkFormat refuses a database this code cannot read.
func checkFormat(tx *bbolt.Tx) error {
	var v []byte
	if meta := tx.Bucket(bucketMeta); meta != nil {
		v = meta.Get(metaFormat)
	}
	switch {
	case v == nil && tx.Bucket(bucketOldKeys) != nil:
		return errors.New("database is in storage format 1 (a keys bucket), written by an older raftkv; " +
			"this raftkv reads only format 2: run the older raftkv on this data, or copy its keys into a " +
			"cluster started empty with this version (for example with etcdctl make-mirror)")
	case len(v) != 8:
		return fmt.Errorf("database has a storage format marker of %d bytes, want 8: it was not written by raftkv, or is damaged", len(v))
	case binary.BigEndian.Uint64(v) != storageFormat:
		return fmt.Errorf("database is in storage format %d, and this raftkv reads only format %d: open it with the raftkv version that wrote it",
			binary.BigEndian.Uint64(v), storageFormat)
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

// read runs fn with the committed state and a read transaction of the
// same commit, so that every value st.idx points at is in tx. A commit
// lands in bbolt just before cur, so a reader can find the two apart; it
// then tries once more under pubMu, which no commit holds meanwhile.
func (s *KV) read(fn func(st *state, tx *bbolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	for _, locked := range []bool{false, true} {
		st, tx, err := s.beginPaired(locked)
		if err != nil {
			return err
		}
		if tx == nil {
			continue
		}
		defer tx.Rollback()
		return fn(st, tx)
	}
	return errors.New("kv: the committed state does not match the database under pubMu; this is a bug")
}

// beginPaired begins a read transaction and returns it with cur if both
// reflect the same commit; otherwise it returns a nil transaction.
func (s *KV) beginPaired(locked bool) (*state, *bbolt.Tx, error) {
	if locked {
		s.pubMu.RLock()
		defer s.pubMu.RUnlock()
	}
	st := s.cur.Load()
	if s.beforeBegin != nil && !locked {
		s.beforeBegin()
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, nil, fmt.Errorf("kv: beginning a read transaction: %w", err)
	}
	disk, err := loadState(tx)
	if err != nil || disk.applied != st.applied {
		tx.Rollback()
		return nil, nil, err
	}
	return st, tx, nil
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
