package transport

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// countHandler counts messages and keeps nothing, so the benchmark measures
// the transport rather than the recorder.
type countHandler struct{ n atomic.Int64 }

func (h *countHandler) Process(context.Context, raftpb.Message) error { h.n.Add(1); return nil }
func (h *countHandler) ProcessSnapshot(context.Context, raftpb.Message, io.Reader) error {
	return nil
}
func (h *countHandler) ReportUnreachable(uint64)                   {}
func (h *countHandler) ReportSnapshot(uint64, raft.SnapshotStatus) {}

// BenchmarkSendMsgApp measures MsgApp with 8 entries of 256 B from one
// member to another over loopback TCP: one op is one message sent and
// delivered. Allocations count both sides.
func BenchmarkSendMsgApp(b *testing.B) {
	recv, send := &countHandler{}, &countHandler{}
	lnA, lnB := listen(b), listen(b)
	logger := (&logBuffer{}).logger()
	a, err := New(Config{ID: 1, ClusterID: 1, Listener: lnA, Handler: send, Logger: logger,
		Peers: map[uint64]string{2: lnB.Addr().String()}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	bt, err := New(Config{ID: 2, ClusterID: 1, Listener: lnB, Handler: recv, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	defer bt.Close()

	ents := make([]raftpb.Entry, 8)
	for i := range ents {
		ents[i] = raftpb.Entry{Term: 1, Index: uint64(i + 1), Data: make([]byte, 256)}
	}
	msg := []raftpb.Message{{Type: raftpb.MsgApp, From: 1, To: 2, Term: 1, Commit: 1, Entries: ents}}
	// Keep at most half a queue in flight so nothing is dropped.
	const window = defaultQueueSize / 2
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		for int64(i)-recv.n.Load() >= window {
			time.Sleep(10 * time.Microsecond)
		}
		a.Send(msg)
	}
	for recv.n.Load() < int64(b.N) {
		time.Sleep(10 * time.Microsecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if st, _ := a.Stats(2); st.Dropped != 0 {
		b.Fatalf("%d messages dropped", st.Dropped)
	}
}
