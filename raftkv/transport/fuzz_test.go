package transport

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/tickraft/raft/raftpb"
)

// FuzzDecodeFrame feeds arbitrary bytes to the frame decoder. It must never
// panic, and whatever it accepts must satisfy the stream's rules and
// survive a re-encoding unchanged.
func FuzzDecodeFrame(f *testing.F) {
	var enc frameEncoder
	for _, msgs := range [][]raftpb.Message{
		{testMsg(raftpb.MsgApp, 1, 2, 4)},
		{{Type: raftpb.MsgHeartbeat, From: 1, To: 2}, {Type: raftpb.MsgVote, From: 1, To: 2, Term: 9}},
	} {
		frame, _ := enc.encode(msgs)
		f.Add(bytes.Clone(frame))
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, err := readFrame(bytes.NewReader(data), 4096, nil)
		if err != nil {
			return
		}
		msgs, err := decodeMessages(payload, 1, 2, streamMessages)
		if err != nil {
			if msgs != nil {
				t.Fatal("rejected frame returned messages")
			}
			return
		}
		for _, m := range msgs {
			if m.From != 1 || m.To != 2 || m.Type == raftpb.MsgSnap {
				t.Fatalf("accepted a message the stream forbids: %v", m.Type)
			}
		}
		var e frameEncoder
		frame, err := e.encode(msgs)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := readFrame(bytes.NewReader(frame), 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeMessages(p2, 1, 2, streamMessages)
		if err != nil {
			t.Fatalf("re-encoded frame rejected: %v", err)
		}
		if !reflect.DeepEqual(msgs, again) {
			t.Fatalf("re-encoding changed messages:\n got %v\nwant %v", again, msgs)
		}
	})
}

// TestRandomBytesRejected checks that garbage does not pass as a frame:
// the CRC leaves random input a 2^-32 chance, so none of these may pass.
func TestRandomBytesRejected(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		b := make([]byte, 8+r.IntN(200))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		// A length that matches, so the CRC is what must reject.
		binary.BigEndian.PutUint32(b, uint32(len(b)-frameHeaderSize))
		if _, err := readFrame(bytes.NewReader(b), 1<<20, nil); err == nil {
			t.Fatalf("input %d accepted as a frame: %x", i, b)
		}
	}
}
