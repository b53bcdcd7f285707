package bench

import "context"

// lib is one Raft implementation behind the adapter. Each workload is written
// once against lib, rawNode and goNode, and run on both implementations.
// Nodes of one lib only ever talk to nodes of the same lib: the two raftpb
// packages are distinct Go types, and nothing here converts between them.
type lib interface {
	name() string
	// newRawNode creates a RawNode whose counting MemoryStorage starts from a
	// snapshot at index 1, term 1 with the given voters.
	newRawNode(id uint64, voters []uint64) (rawNode, error)
	// startNode does the same for the goroutine wrapper (RestartNode).
	startNode(id uint64, voters []uint64) goNode
	// majorityCommitted returns a function computing the quorum committed
	// index of a majority config over the given acknowledged indexes.
	majorityCommitted(acked map[uint64]uint64) func() uint64
}

// readyView is the part of a pending Ready a workload needs. It is valid
// between taking a Ready and calling Advance.
type readyView interface {
	// Persist appends the Ready's entries and hard state to the node's
	// MemoryStorage, as a synchronous application does before sending.
	Persist() error
	// Messages is the number of messages in the Ready; MessageTo the
	// recipient of the i-th.
	Messages() int
	MessageTo(i int) uint64
	// Applied counts the committed normal entries carrying data (the
	// proposals) and returns the index of the last committed entry, or 0.
	Applied() (proposals int, last uint64)
	Advance()
	// Release drops the Ready the harness keeps between Readies, as an
	// application hosting many groups keeps none for an idle one; the
	// next Ready makes a new one.
	Release()
	// StorageCalls is the number of Storage calls raft made so far.
	StorageCalls() int64
	// Compact discards storage entries up to index i.
	Compact(i uint64) error
}

// rawNode wraps a RawNode of either library.
type rawNode interface {
	readyView
	Tick()
	Campaign() error
	Propose(data []byte) error
	HasReady() bool
	// Ready takes the next Ready; readyView reads it.
	Ready()
	// Deliver steps the i-th message of the pending Ready into dst, which
	// must be a rawNode of the same library.
	Deliver(i int, dst rawNode) error
	// Lead is the leader this node knows, or 0.
	Lead() uint64
}

// goNode wraps a Node (the goroutine wrapper) of either library.
type goNode interface {
	readyView
	Campaign(ctx context.Context) error
	Propose(ctx context.Context, data []byte) error
	// Next waits for the next Ready, which readyView then reads; it is false
	// once ctx is done.
	Next(ctx context.Context) bool
	// Deliver steps the i-th message of the pending Ready into dst, a goNode
	// of the same library.
	Deliver(ctx context.Context, i int, dst goNode) error
	Lead() uint64
	Stop()
}

// Settings shared by both libraries so the workloads configure them alike.
const (
	electionTick    = 10
	heartbeatTick   = 1
	maxSizePerMsg   = 1 << 20
	maxInflightMsgs = 256
)

var libs = []lib{tickLib{}, etcdLib{}}

// libsReusing run the benchmarks named *_ReuseReadyBuffers: tickraft with
// its opt-in Config.ReuseReadyBuffers (a Ready's messages and entries
// valid only until Advance; the workloads use them before, except that the
// Node workloads copy the entries of the messages they deliver), etcd as in
// libs, since v3.6 has no such option.
var libsReusing = []lib{tickLib{reuseReadyBuffers: true}, etcdLib{}}
