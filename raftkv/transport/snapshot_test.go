package transport

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

func snapMsg(from, to, index uint64) raftpb.Message {
	return raftpb.Message{Type: raftpb.MsgSnap, From: from, To: to, Term: 2,
		Snapshot: &raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: index, Term: 2,
			ConfState: raftpb.ConfState{Voters: []uint64{1, 2}}}}}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// countingReader hands out its data in irregular short reads, records
// Close, and can fail after failAt bytes like a broken disk.
type countingReader struct {
	r      io.Reader
	closed bool
	failAt int // after this many bytes, fail; 0 never
	read   int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.failAt > 0 && c.read >= c.failAt {
		return 0, errors.New("disk read failed")
	}
	n, err := c.r.Read(p[:min(len(p), 1000+c.read%7000)])
	c.read += n
	return n, err
}

func (c *countingReader) Close() error { c.closed = true; return nil }

func TestSnapshotStreamsMultiMiB(t *testing.T) {
	checkNoLeaks(t)
	ms := cluster(t, []uint64{1, 2}, func(c *Config) { c.SnapshotChunkSize = 32 << 10 })
	data := randomBytes(3<<20+123, 1)
	src := &countingReader{r: bytes.NewReader(data)}
	ms[1].SendSnapshot(snapMsg(1, 2, 40), src)
	waitFor(t, "snapshot report", func() bool { return len(ms[1].h.snapReports(2)) > 0 })
	if got := ms[1].h.snapReports(2); len(got) != 1 || got[0] != raft.SnapshotFinish {
		t.Fatalf("reports %v, want one SnapshotFinish", got)
	}
	if !src.closed {
		t.Fatal("snapshot data not closed")
	}
	h := ms[2].h
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.msgs) != 1 || h.msgs[0].Type != raftpb.MsgSnap || h.msgs[0].Snapshot.Metadata.Index != 40 {
		t.Fatalf("receiver got %v", h.msgs)
	}
	if !bytes.Equal(h.snapData[0], data) {
		t.Fatalf("received %d bytes, differing from the %d sent", len(h.snapData[0]), len(data))
	}
	if ms[1].h.unreachableCount(2) != 0 {
		t.Fatal("successful snapshot reported the peer unreachable")
	}
}

func TestSnapshotFailures(t *testing.T) {
	tests := []struct {
		name string
		// source of the sender's data, and the receiver's handler
		src        *countingReader
		onSnapshot func(m raftpb.Message, data io.Reader) error
		// what the receiver's reader must have ended with
		recvErr string
	}{
		{
			name:    "sender's data fails mid-stream",
			src:     &countingReader{r: bytes.NewReader(randomBytes(1<<20, 2)), failAt: 300 << 10},
			recvErr: io.ErrUnexpectedEOF.Error(),
		},
		{
			name:       "receiver rejects",
			src:        &countingReader{r: bytes.NewReader(randomBytes(100<<10, 3))},
			onSnapshot: func(raftpb.Message, io.Reader) error { return errors.New("disk full") },
		},
		{
			name:       "receiver stops reading early",
			src:        &countingReader{r: bytes.NewReader(randomBytes(100<<10, 4))},
			onSnapshot: func(_ raftpb.Message, r io.Reader) error { _, err := r.Read(make([]byte, 10)); return err },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeaks(t)
			recvErr := make(chan error, 1)
			ms := cluster(t, []uint64{1, 2}, nil)
			ms[2].h.setOnSnapshot(tt.onSnapshot)
			if tt.onSnapshot == nil {
				ms[2].h.setOnSnapshot(func(_ raftpb.Message, r io.Reader) error {
					_, err := io.Copy(io.Discard, r)
					recvErr <- err
					return err
				})
			}
			ms[1].SendSnapshot(snapMsg(1, 2, 7), tt.src)
			waitFor(t, "snapshot report", func() bool { return len(ms[1].h.snapReports(2)) > 0 })
			if got := ms[1].h.snapReports(2); len(got) != 1 || got[0] != raft.SnapshotFailure {
				t.Fatalf("reports %v, want one SnapshotFailure", got)
			}
			if !tt.src.closed {
				t.Fatal("snapshot data not closed")
			}
			if tt.recvErr != "" {
				if err := <-recvErr; err == nil || !strings.Contains(err.Error(), tt.recvErr) {
					t.Fatalf("receiver's reader ended with %v, want %s", err, tt.recvErr)
				}
			}
			// The stream is free again: a good snapshot now succeeds.
			ms[2].h.setOnSnapshot(nil)
			ms[1].SendSnapshot(snapMsg(1, 2, 8), &countingReader{r: bytes.NewReader([]byte("ok"))})
			waitFor(t, "second report", func() bool { return len(ms[1].h.snapReports(2)) == 2 })
			if got := ms[1].h.snapReports(2)[1]; got != raft.SnapshotFinish {
				t.Fatalf("second snapshot reported %v", got)
			}
		})
	}
}

func TestSnapshotRefusedWithoutStream(t *testing.T) {
	checkNoLeaks(t)
	ms := cluster(t, []uint64{1, 2}, nil)
	// Unknown peer, and a MsgSnap passed to Send: both fail at once.
	src := &countingReader{r: bytes.NewReader(nil)}
	ms[1].SendSnapshot(snapMsg(1, 9, 3), src)
	ms[1].Send([]raftpb.Message{snapMsg(1, 2, 3)})
	if got := ms[1].h.snapReports(9); len(got) != 1 || got[0] != raft.SnapshotFailure || !src.closed {
		t.Fatalf("unknown peer: reports %v, closed %v", got, src.closed)
	}
	if got := ms[1].h.snapReports(2); len(got) != 1 || got[0] != raft.SnapshotFailure {
		t.Fatalf("MsgSnap through Send: reports %v", got)
	}
	// A second snapshot while one is in flight fails; the first finishes.
	block := make(chan struct{})
	ms[2].h.setOnSnapshot(func(_ raftpb.Message, r io.Reader) error {
		<-block
		_, err := io.Copy(io.Discard, r)
		return err
	})
	ms[1].SendSnapshot(snapMsg(1, 2, 4), &countingReader{r: bytes.NewReader([]byte("a"))})
	waitFor(t, "first snapshot in flight", func() bool {
		ms[1].mu.Lock()
		defer ms[1].mu.Unlock()
		return ms[1].snaps[2]
	})
	ms[1].SendSnapshot(snapMsg(1, 2, 5), &countingReader{r: bytes.NewReader([]byte("b"))})
	if got := ms[1].h.snapReports(2); len(got) != 2 || got[1] != raft.SnapshotFailure {
		t.Fatalf("concurrent snapshot: reports %v", got)
	}
	close(block)
	waitFor(t, "first snapshot's report", func() bool { return len(ms[1].h.snapReports(2)) == 3 })
	if got := ms[1].h.snapReports(2)[2]; got != raft.SnapshotFinish {
		t.Fatalf("first snapshot reported %v", got)
	}
}

// TestChunkReaderRejectsBadChunk shows a corrupted chunk breaks the
// stream instead of reaching the handler.
func TestChunkReaderRejectsBadChunk(t *testing.T) {
	good := []byte("first chunk")
	bad := []byte("second chunk")
	var stream []byte
	stream = append(stream, rawFrame(good, crc32c(good))...)
	stream = append(stream, rawFrame(bad, crc32c(bad)^0x10)...)
	stream = append(stream, rawFrame(nil, 0)...)
	got, err := io.ReadAll(&chunkReader{r: bytes.NewReader(stream), max: 1024})
	if !errors.Is(err, ErrFrameCRC) || string(got) != "first chunk" {
		t.Fatalf("read %q, %v; want the first chunk and ErrFrameCRC", got, err)
	}
	// A well-formed stream ends in io.EOF (ReadAll's nil).
	ok := append(rawFrame(good, crc32c(good)), rawFrame(nil, 0)...)
	if got, err := io.ReadAll(&chunkReader{r: bytes.NewReader(ok), max: 1024}); err != nil || string(got) != "first chunk" {
		t.Fatalf("read %q, %v", got, err)
	}
}
