package rafttest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/tickraft/raft/raftpb"
)

func msg(from, to uint64, typ pb.MessageType, index uint64) pb.Message {
	return pb.Message{From: from, To: to, Type: typ, Index: index}
}

func TestNetworkTakeKeepsOrder(t *testing.T) {
	var n Network
	a := msg(1, 2, pb.MsgApp, 1)
	b := msg(1, 3, pb.MsgApp, 2)
	c := msg(2, 1, pb.MsgAppResp, 3)
	d := msg(1, 2, pb.MsgHeartbeat, 4)
	n.Send(a, b)
	n.Send(c, d)
	if got := n.Len(); got != 4 {
		t.Fatalf("Len() = %d, want 4", got)
	}
	if diff := cmp.Diff([]pb.Message{a, d}, n.Pending(To(2))); diff != "" {
		t.Fatalf("Pending(To(2)) (-want +got):\n%s", diff)
	}
	if got := n.Len(); got != 4 {
		t.Fatalf("Pending changed the queue: Len() = %d, want 4", got)
	}
	if diff := cmp.Diff([]pb.Message{a, d}, n.Take(To(2))); diff != "" {
		t.Fatalf("Take(To(2)) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]pb.Message{b, c}, n.Pending(nil)); diff != "" {
		t.Fatalf("remaining queue (-want +got):\n%s", diff)
	}
	if got := n.Take(To(2)); len(got) != 0 {
		t.Fatalf("second Take(To(2)) = %v, want nothing", got)
	}
	if diff := cmp.Diff([]pb.Message{b, c}, n.Take(nil)); diff != "" {
		t.Fatalf("Take(nil) (-want +got):\n%s", diff)
	}
	if got := n.Len(); got != 0 {
		t.Fatalf("Len() after taking all = %d, want 0", got)
	}
}

func TestNetworkMatchers(t *testing.T) {
	var n Network
	a := msg(1, 2, pb.MsgApp, 1)
	b := msg(3, 2, pb.MsgVote, 2)
	c := msg(1, 3, pb.MsgVote, 3)
	n.Send(a, b, c)
	for _, tc := range []struct {
		name  string
		match Match
		want  []pb.Message
	}{
		{"from 1", From(1), []pb.Message{a, c}},
		{"to 2 or 3", To(2, 3), []pb.Message{a, b, c}},
		{"votes", OfType(pb.MsgVote), []pb.Message{b, c}},
		{"votes to 2", And(OfType(pb.MsgVote), To(2)), []pb.Message{b}},
		{"nil parts ignored", And(nil, From(3)), []pb.Message{b}},
		{"nothing", And(From(2), To(1)), nil},
	} {
		if diff := cmp.Diff(tc.want, n.Pending(tc.match)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestNetworkTakeResultIsStable checks that later Sends do not overwrite
// messages handed out by an earlier Take.
func TestNetworkTakeResultIsStable(t *testing.T) {
	var n Network
	n.Send(msg(1, 2, pb.MsgApp, 1), msg(1, 3, pb.MsgApp, 2))
	got := n.Take(To(2))
	n.Send(msg(9, 9, pb.MsgHeartbeat, 9), msg(9, 9, pb.MsgHeartbeat, 10))
	if diff := cmp.Diff([]pb.Message{msg(1, 2, pb.MsgApp, 1)}, got); diff != "" {
		t.Fatalf("taken messages changed after Send (-want +got):\n%s", diff)
	}
}
