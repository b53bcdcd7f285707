package confchange

import (
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// Conf changes are rare, so these exist to catch a gross regression (such
// as planning in quadratic time), not to shave nanoseconds.

func benchChanger(b *testing.B) Changer {
	chg := Changer{Tracker: tracker.MakeProgressTracker(256, 0), LastIndex: 100}
	cfg, prs, err := Restore(chg, pb.ConfState{Voters: []uint64{1, 2, 3, 4, 5}, Learners: []uint64{6, 7}})
	if err != nil {
		b.Fatal(err)
	}
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	return chg
}

func BenchmarkSimpleAddVoter(b *testing.B) {
	chg := benchChanger(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := chg.Simple(pb.ConfChangeSingle{Type: pb.ConfChangeAddNode, NodeID: 8}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnterJointReplaceTwo(b *testing.B) {
	chg := benchChanger(b)
	ccs := []pb.ConfChangeSingle{
		{Type: pb.ConfChangeRemoveNode, NodeID: 1}, {Type: pb.ConfChangeAddLearnerNode, NodeID: 2},
		{Type: pb.ConfChangeAddNode, NodeID: 6}, {Type: pb.ConfChangeAddNode, NodeID: 8},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := chg.EnterJoint(true, ccs...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRestoreJoint(b *testing.B) {
	chg := Changer{Tracker: tracker.MakeProgressTracker(256, 0), LastIndex: 100}
	cs := pb.ConfState{Voters: []uint64{1, 3, 4, 5, 6}, VotersOutgoing: []uint64{1, 2, 3, 4, 5}, Learners: []uint64{7}, LearnersNext: []uint64{2}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Restore(chg, cs); err != nil {
			b.Fatal(err)
		}
	}
}
