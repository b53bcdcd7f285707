package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/tickraft/raft/raftpb"
)

func testMsg(typ raftpb.MessageType, from, to, index uint64) raftpb.Message {
	return raftpb.Message{Type: typ, From: from, To: to, Term: 3, Index: index,
		Entries: []raftpb.Entry{{Term: 3, Index: index + 1, Data: []byte("payload")}}}
}

// rawFrame frames payload by hand, independently of frameEncoder.
func rawFrame(payload []byte, crc uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	b = binary.BigEndian.AppendUint32(b, crc)
	return append(b, payload...)
}

// rawPayload builds a message frame payload from encoded messages.
func rawPayload(bodies ...[]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(bodies)))
	for _, body := range bodies {
		b = binary.AppendUvarint(b, uint64(len(body)))
		b = append(b, body...)
	}
	return b
}

func mustMarshal(t testing.TB, m raftpb.Message) []byte {
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFrameRoundTrip(t *testing.T) {
	msgs := []raftpb.Message{
		testMsg(raftpb.MsgApp, 1, 2, 7),
		{Type: raftpb.MsgHeartbeat, From: 1, To: 2, Term: 3, Commit: 5, Context: []byte("ctx")},
		{Type: raftpb.MsgVoteResp, From: 1, To: 2, Term: 4, Reject: true},
	}
	var enc frameEncoder
	frame, err := enc.encode(msgs)
	if err != nil {
		t.Fatal(err)
	}
	// The frame is what the layout in frame.go says, built independently.
	payload := rawPayload(mustMarshal(t, msgs[0]), mustMarshal(t, msgs[1]), mustMarshal(t, msgs[2]))
	if want := rawFrame(payload, crc32c(payload)); !bytes.Equal(frame, want) {
		t.Fatalf("frame bytes differ from the documented layout:\n got %x\nwant %x", frame, want)
	}
	got, err := readFrame(bytes.NewReader(frame), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := decodeMessages(got, 1, 2, streamMessages)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(msgs, dec) {
		t.Fatalf("decoded messages differ:\n got %v\nwant %v", dec, msgs)
	}
	// The encoder reuses its buffer: a second, smaller frame must not
	// carry bytes of the first.
	frame2, err := enc.encode(msgs[2:])
	if err != nil {
		t.Fatal(err)
	}
	p2 := rawPayload(mustMarshal(t, msgs[2]))
	if want := rawFrame(p2, crc32c(p2)); !bytes.Equal(frame2, want) {
		t.Fatalf("second frame:\n got %x\nwant %x", frame2, want)
	}
}

func TestFrameRejects(t *testing.T) {
	good := mustMarshal(t, testMsg(raftpb.MsgApp, 1, 2, 1))
	crcOK := func(p []byte) []byte { return rawFrame(p, crc32c(p)) }
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"length beyond maximum", rawFrame(make([]byte, 2000), crc32c(make([]byte, 2000))), ErrFrameTooLarge},
		{"crc mismatch", rawFrame(rawPayload(good), crc32c(rawPayload(good))^1), ErrFrameCRC},
		{"truncated payload", crcOK(rawPayload(good))[:20], io.ErrUnexpectedEOF},
		{"truncated header", []byte{0, 0, 0}, io.ErrUnexpectedEOF},
		{"undecodable message", crcOK(rawPayload([]byte{0xff, 0xff, 0xff})), ErrFrameMalformed},
		{"from mismatch", crcOK(rawPayload(good, mustMarshal(t, testMsg(raftpb.MsgApp, 3, 2, 2)))), ErrFrameMalformed},
		{"to mismatch", crcOK(rawPayload(mustMarshal(t, testMsg(raftpb.MsgApp, 1, 9, 2)))), ErrFrameMalformed},
		{"local message type", crcOK(rawPayload(mustMarshal(t, raftpb.Message{Type: raftpb.MsgHup, From: 1, To: 2}))), ErrFrameMalformed},
		{"MsgSnap on a message stream", crcOK(rawPayload(mustMarshal(t, raftpb.Message{Type: raftpb.MsgSnap, From: 1, To: 2}))), ErrFrameMalformed},
		{"count larger than payload", crcOK(append(binary.AppendUvarint(nil, 1000), 0)), ErrFrameMalformed},
		{"message length past the end", crcOK(append(binary.AppendUvarint(nil, 1), 50, 1, 2)), ErrFrameMalformed},
		{"trailing bytes", crcOK(append(rawPayload(good), 0)), ErrFrameMalformed},
		{"empty payload", crcOK(nil), ErrFrameMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, err := readFrame(bytes.NewReader(tt.frame), 1024, nil)
			var msgs []raftpb.Message
			if err == nil {
				msgs, err = decodeMessages(payload, 1, 2, streamMessages)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if msgs != nil {
				t.Fatalf("rejected frame still yielded %d messages", len(msgs))
			}
		})
	}
}

func TestSnapshotStreamFirstFrame(t *testing.T) {
	snap := raftpb.Message{Type: raftpb.MsgSnap, From: 1, To: 2, Snapshot: &raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: 9, Term: 2}}}
	app := testMsg(raftpb.MsgApp, 1, 2, 1)
	if _, err := decodeMessages(rawPayload(mustMarshal(t, snap)), 1, 2, streamSnapshot); err != nil {
		t.Fatalf("a lone MsgSnap: %v", err)
	}
	for name, p := range map[string][]byte{
		"not MsgSnap":  rawPayload(mustMarshal(t, app)),
		"two messages": rawPayload(mustMarshal(t, snap), mustMarshal(t, snap)),
		"no message":   rawPayload(),
		"wrong sender": rawPayload(mustMarshal(t, raftpb.Message{Type: raftpb.MsgSnap, From: 5, To: 2})),
	} {
		if _, err := decodeMessages(p, 1, 2, streamSnapshot); !errors.Is(err, ErrFrameMalformed) {
			t.Errorf("%s: error %v, want ErrFrameMalformed", name, err)
		}
	}
}

func TestHandshakeRoundTrip(t *testing.T) {
	h := hello{kind: streamSnapshot, cluster: 0xabc, from: 1, to: 2}
	got, status, err := readHello(bytes.NewReader(h.marshal()))
	if err != nil || status != statusOK || got != h {
		t.Fatalf("readHello = %+v, %v, %v; want %+v", got, status, err, h)
	}
	bad := func(f func(b []byte)) []byte {
		b := h.marshal()
		f(b)
		return b
	}
	for name, b := range map[string][]byte{
		"magic":   bad(func(b []byte) { b[0] = 'X' }),
		"version": bad(func(b []byte) { b[5] = 9 }),
		"kind":    bad(func(b []byte) { b[6] = 7 }),
		"short":   h.marshal()[:10],
	} {
		if _, status, err := readHello(bytes.NewReader(b)); err == nil || status != statusBadProtocol {
			t.Errorf("%s: status %v, err %v; want a refusal", name, status, err)
		}
	}
}

func TestDecodeIntoReusedArray(t *testing.T) {
	first := []raftpb.Message{
		testMsg(raftpb.MsgApp, 1, 2, 7),
		{Type: raftpb.MsgHeartbeat, From: 1, To: 2, Term: 3, Context: []byte("ctx")},
	}
	second := []raftpb.Message{
		{Type: raftpb.MsgHeartbeat, From: 1, To: 2, Term: 4},
		testMsg(raftpb.MsgApp, 1, 2, 8),
	}
	dec1, err := decodeMessagesInto(nil, rawPayload(mustMarshal(t, first[0]), mustMarshal(t, first[1])), 1, 2, streamMessages)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, dec1) {
		t.Fatalf("first frame:\n got %v\nwant %v", dec1, first)
	}
	reused := reuseMessages(dec1)
	if len(reused) != 0 || cap(reused) != 2 {
		t.Fatalf("reused array has len %d cap %d, want 0 and 2", len(reused), cap(reused))
	}
	if !reflect.DeepEqual(dec1, make([]raftpb.Message, 2)) {
		t.Fatal("the reused array still points to the first frame's messages")
	}
	// Decoding over the first frame's messages must not merge with them
	// (the MsgApp's entries would be appended to the heartbeat's).
	dec2, err := decodeMessagesInto(reused, rawPayload(mustMarshal(t, second[0]), mustMarshal(t, second[1])), 1, 2, streamMessages)
	if err != nil {
		t.Fatal(err)
	}
	if &dec2[0] != &dec1[0] {
		t.Fatal("the second frame was not decoded into the first one's array")
	}
	if !reflect.DeepEqual(second, dec2) {
		t.Fatalf("second frame:\n got %v\nwant %v", dec2, second)
	}
	// An array handed back without reuseMessages is cleared too.
	dec3, err := decodeMessagesInto(dec2[:0], rawPayload(mustMarshal(t, first[1]), mustMarshal(t, first[0])), 1, 2, streamMessages)
	if err != nil {
		t.Fatal(err)
	}
	if want := []raftpb.Message{first[1], first[0]}; !reflect.DeepEqual(want, dec3) {
		t.Fatalf("third frame:\n got %v\nwant %v", dec3, want)
	}
	if big := reuseMessages(make([]raftpb.Message, maxReusedMessages+1)); big != nil {
		t.Fatalf("an array of %d messages was kept", cap(big))
	}
}
