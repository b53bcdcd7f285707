package raft

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"

	pb "github.com/tickraft/raft/raftpb"
)

// keptReady is a Ready's messages as the application kept them, with what
// they said when they were taken.
type keptReady struct {
	id   uint64
	msgs []pb.Message
	want string
}

// describeWithResponses renders msgs and their storage responses.
func describeWithResponses(msgs []pb.Message) string {
	var out []string
	for _, m := range msgs {
		out = append(out, DescribeMessage(m, nil))
		for _, r := range m.Responses {
			out = append(out, "  "+DescribeMessage(r, nil))
		}
	}
	return fmt.Sprint(out)
}

// followsIn reports whether b starts a few slots past where a ends (storage
// responses may lie between), as in one chunk.
func followsIn(a, b []pb.Message) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	size := unsafe.Sizeof(pb.Message{})
	end := uintptr(unsafe.Pointer(&a[0])) + uintptr(len(a))*size
	start := uintptr(unsafe.Pointer(&b[0]))
	return start >= end && start-end <= 4*size
}

// In the default mode a busy node's Readies take their messages from
// shared chunks, yet every Ready's messages (and the storage messages'
// responses) stay as they were taken however long the application keeps
// them, even when it appends to them after later Readies were taken:
// nothing a Ready took is written again, and appending to it cannot write
// into what a later Ready takes.
func TestDefaultChunksNeverRewriteKeptMessages(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			tn := newTestNet(t, 3, func(c *Config) { c.AsyncStorageWrites = async })
			tn.elect(1)
			var kept []keptReady
			last := map[uint64][]pb.Message{}
			shared := 0
			junk := pb.Message{Type: pb.MsgHeartbeat, To: 99, From: 99, Term: 99}
			tn.onReady = func(id uint64, rd Ready) {
				if len(rd.Messages) == 0 {
					return
				}
				if followsIn(last[id], rd.Messages) {
					shared++
				}
				last[id] = rd.Messages
				// Append to everything kept so far, after this Ready was
				// taken: a slice with room would write into its messages.
				for _, k := range kept {
					_ = append(k.msgs, junk)
					for _, m := range k.msgs {
						if len(m.Responses) > 0 {
							_ = append(m.Responses, junk)
						}
					}
				}
				kept = append(kept, keptReady{id: id, msgs: rd.Messages, want: describeWithResponses(rd.Messages)})
			}
			for i := range 60 {
				tn.propose(1, fmt.Sprintf("p%d", i))
			}
			for i, k := range kept {
				if got := describeWithResponses(k.msgs); got != k.want {
					t.Fatalf("Ready %d of node %d changed after it was taken:\n got %s\nwant %s", i, k.id, got, k.want)
				}
			}
			// Busy nodes do share chunks: most Readies start just past
			// the node's previous one.
			if shared < len(kept)/2 {
				t.Errorf("%d of %d Readies start just past their node's previous one, want at least half", shared, len(kept))
			}
			for id := uint64(1); id <= 3; id++ {
				if got := tn.appliedData(id); got != tn.appliedData(1) || len(tn.applied[id]) != 60 {
					t.Errorf("node %d applied %s, want the 60 proposals", id, got)
				}
			}
		})
	}
}

// nextQueue keeps a busy node's queue room while it holds as much as the
// last Ready used, else gives it a chunk sized to its recent Readies
// (bounded); a quiet node keeps no room, and raft allocates the next
// message's array.
func TestNextQueue(t *testing.T) {
	room := make([]pb.Message, 0, 6)
	for _, tc := range []struct {
		name    string
		readies uint8
		q       queueRoom
		same    bool // the room itself
		wantCap int
	}{
		{"unused queue keeps its room", 0, queueRoom{room: room}, true, 6},
		{"unused queue without room", 0, queueRoom{}, false, 0},
		{"room for another Ready, busy node", busyReadies, queueRoom{room: room, used: 6}, true, 6},
		{"room for another Ready, quiet node", busyReadies - 1, queueRoom{room: room, used: 1}, false, 0},
		{"short room, quiet node", busyReadies - 1, queueRoom{room: room, used: 7}, false, 0},
		{"short room, busy node", busyReadies, queueRoom{room: room, used: 7}, false, 7 * busyReadies},
		{"no room, busy node", 10, queueRoom{used: 2}, false, 20},
		{"chunk bounded", 255, queueRoom{used: 2}, false, 2 * maxChunkReadies},
		{"chunk bounded in messages", 255, queueRoom{used: 5}, false, maxChunkMsgs},
		{"one Ready past the bound", 255, queueRoom{used: maxChunkMsgs + 1}, false, maxChunkMsgs + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rn := &RawNode{readies: tc.readies}
			got := rn.nextQueue(tc.q)
			// A new chunk fills its allocation's size class.
			if !tc.same && tc.wantCap > 0 {
				tc.wantCap = cap(slices.Grow([]pb.Message(nil), tc.wantCap))
			}
			if len(got) != 0 || cap(got) != tc.wantCap {
				t.Fatalf("len %d cap %d, want len 0 cap %d", len(got), cap(got), tc.wantCap)
			}
			if same := cap(got) > 0 && &got[:1][0] == &room[:1][0]; same != tc.same {
				t.Fatalf("returned the queue's room: %v, want %v", same, tc.same)
			}
		})
	}
}

// filled leaves no zero-capacity slice into a full array: it would keep
// the array, and every message in it, alive.
func TestFilledDropsFullArray(t *testing.T) {
	full := make([]pb.Message, 2)
	if q := filled(full); q.room != nil || q.used != 2 {
		t.Fatalf("filled(full array) = room %v (cap %d), used %d; want nil room, used 2", q.room != nil, cap(q.room), q.used)
	}
	part := make([]pb.Message, 2, 5)
	q := filled(part)
	if q.used != 2 || len(q.room) != 0 || cap(q.room) != 3 || &q.room[:1][0] != &part[:3][2] {
		t.Fatalf("filled(2 of 5) = used %d, room len %d cap %d; want used 2 and the 3 slots past them", q.used, len(q.room), cap(q.room))
	}
}

// A busy node keeps its chunk across a tick: the leader's heartbeats go
// into its room. Ticks that find a node quiet let the room go, so an idle
// group holds no chunk, and a quiet leader's heartbeats then allocate
// exactly their own array again.
func TestTickReleasesQuietChunks(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	for i := range 20 {
		tn.propose(1, fmt.Sprintf("p%d", i))
	}
	lead, follower := tn.nodes[1], tn.nodes[2]
	if !lead.chunked || cap(lead.raft.msgs) == 0 {
		t.Fatalf("busy leader: chunked %v, queue room %d; want a chunk", lead.chunked, cap(lead.raft.msgs))
	}
	room := &lead.raft.msgs[:1][0]
	lead.Tick()
	if len(lead.raft.msgs) == 0 || &lead.raft.msgs[0] != room {
		t.Fatal("the first tick after a busy period did not queue its heartbeats into the chunk")
	}
	tn.settle()

	// Ticks alone (no Ready) age the count until the room goes.
	if !follower.chunked || cap(follower.raft.msgsAfterAppend) == 0 {
		t.Fatalf("busy follower: chunked %v, reply queue room %d; want a chunk", follower.chunked, cap(follower.raft.msgsAfterAppend))
	}
	for i := 0; follower.chunked; i++ {
		if i > 8 {
			t.Fatalf("follower still chunked after %d quiet ticks (recent Readies %d)", i, follower.readies)
		}
		if i == 1 && cap(follower.raft.msgsAfterAppend) == 0 {
			t.Fatal("a tick while the follower was busy dropped its chunk")
		}
		follower.Tick()
	}
	if cap(follower.raft.msgs) != 0 || cap(follower.raft.msgsAfterAppend) != 0 {
		t.Fatalf("quiet follower keeps queue room %d and %d", cap(follower.raft.msgs), cap(follower.raft.msgsAfterAppend))
	}

	for i := 0; lead.chunked; i++ {
		if i > 8 {
			t.Fatalf("leader still chunked after %d quiet ticks (recent Readies %d)", i, lead.readies)
		}
		tn.tickAll(1)
	}
	lead.Tick()
	rd := lead.Ready()
	if len(rd.Messages) != 2 || cap(rd.Messages) != 2 {
		t.Fatalf("quiet leader's heartbeat Ready: %d messages in an array of %d, want 2 in 2", len(rd.Messages), cap(rd.Messages))
	}
	tn.persist(1, rd.HardState, nil, rd.Entries)
	tn.route(rd.Messages)
	lead.Advance(rd)
	tn.settle()
	if lead.chunked {
		t.Fatal("a quiet leader's heartbeat Ready gave it a chunk")
	}
}

// TickQuiesced lets a quiet node's chunk go too.
func TestTickQuiescedReleasesQuietChunks(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.elect(1)
	for i := range 20 {
		tn.propose(1, fmt.Sprintf("p%d", i))
	}
	rn := tn.nodes[1]
	for i := 0; rn.chunked; i++ {
		if i > 8 {
			t.Fatalf("still chunked after %d quiesced ticks", i)
		}
		rn.TickQuiesced()
	}
	if cap(rn.raft.msgs) != 0 {
		t.Fatalf("quiesced leader keeps queue room %d", cap(rn.raft.msgs))
	}
}

// The chunk state sits in RawNode's padding: RawNode stays in the 192-byte
// allocation class, which every idle group pays.
func TestRawNodeStructSize(t *testing.T) {
	if got := unsafe.Sizeof(RawNode{}); got > 192 {
		t.Errorf("RawNode is %d bytes, past the 192-byte allocation class", got)
	}
}

// A freshly elected group, ticked and settled (a heartbeat round), keeps
// no room in any node's queues: a follower's heartbeat reply goes out in
// an array sized for a broadcast, whose spare slot must not stay behind.
func TestIdleGroupKeepsNoQueueRoom(t *testing.T) {
	nodes := idleGroupNodes(t, nil)
	for _, rn := range nodes {
		rn.Tick()
	}
	settleGroup(t, nodes, nil)
	for i, rn := range nodes {
		if rn.chunked || cap(rn.raft.msgs) != 0 || cap(rn.raft.msgsAfterAppend) != 0 {
			t.Errorf("node %d: chunked %v, queue room %d and %d; want none", i+1, rn.chunked, cap(rn.raft.msgs), cap(rn.raft.msgsAfterAppend))
		}
	}
}

// A new chunk takes the whole of its allocation's size class: 32 messages
// (5120 bytes) get a 5376-byte block, room for 33.
func TestChunkFillsSizeClass(t *testing.T) {
	rn := &RawNode{readies: maxChunkReadies}
	if got := cap(rn.nextQueue(queueRoom{used: 2})); got != 33 {
		t.Fatalf("chunk for 16 Readies of 2 messages holds %d, want 33", got)
	}
}
