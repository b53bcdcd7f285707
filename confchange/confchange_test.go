package confchange

import (
	"strings"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

func cc(typ pb.ConfChangeType, id uint64) pb.ConfChangeSingle {
	return pb.ConfChangeSingle{Type: typ, NodeID: id}
}

// mustChanger builds a Changer for the given ConfState, failing the test if
// it cannot.
func mustChanger(t *testing.T, cs pb.ConfState, lastIndex uint64) Changer {
	t.Helper()
	chg := Changer{Tracker: tracker.MakeProgressTracker(4, 0), LastIndex: lastIndex}
	cfg, prs, err := Restore(chg, cs)
	if err != nil {
		t.Fatalf("Restore(%+v): %v", cs, err)
	}
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	return chg
}

// TestResultSharesNoMemory mutates everything a call returns and checks
// that the Changer's tracker did not move.
func TestResultSharesNoMemory(t *testing.T) {
	joint := pb.ConfState{Voters: []uint64{1, 2}, VotersOutgoing: []uint64{1, 2, 3}, Learners: []uint64{4}, LearnersNext: []uint64{3}}
	simple := pb.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}
	cases := []struct {
		name string
		cs   pb.ConfState
		call func(Changer) (tracker.Config, tracker.ProgressMap, error)
	}{
		{"simple", simple, func(c Changer) (tracker.Config, tracker.ProgressMap, error) {
			return c.Simple(cc(pb.ConfChangeAddLearnerNode, 5))
		}},
		{"simple no-op", simple, func(c Changer) (tracker.Config, tracker.ProgressMap, error) { return c.Simple() }},
		{"enter-joint", simple, func(c Changer) (tracker.Config, tracker.ProgressMap, error) {
			return c.EnterJoint(true, cc(pb.ConfChangeAddLearnerNode, 3))
		}},
		{"leave-joint", joint, func(c Changer) (tracker.Config, tracker.ProgressMap, error) { return c.LeaveJoint() }},
		{"restore-empty", pb.ConfState{}, func(c Changer) (tracker.Config, tracker.ProgressMap, error) {
			return Restore(c, pb.ConfState{})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chg := mustChanger(t, tc.cs, 5)
			for _, pr := range chg.Tracker.Progress {
				pr.Inflights.Add(7, 100)
			}
			before := render(chg.Tracker.Config, chg.Tracker.Progress)
			cfg, prs, err := tc.call(chg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range cfg.Voters {
				if cfg.Voters[i] != nil {
					cfg.Voters[i][99] = struct{}{}
				}
			}
			for _, set := range []*map[uint64]struct{}{&cfg.Learners, &cfg.LearnersNext} {
				if *set != nil {
					(*set)[99] = struct{}{}
				}
			}
			for _, pr := range prs {
				pr.Match, pr.Next, pr.IsLearner, pr.RecentActive = 50, 51, !pr.IsLearner, false
				pr.Inflights.FreeLE(7)
			}
			prs[99] = &tracker.Progress{}
			if after := render(chg.Tracker.Config, chg.Tracker.Progress); after != before {
				t.Fatalf("mutating the result changed the tracker:\nbefore:\n%safter:\n%s", before, after)
			}
			for id, pr := range chg.Tracker.Progress {
				if pr.Inflights.Count() != 1 {
					t.Fatalf("node %d: inflights of the tracker changed to %d messages, want 1", id, pr.Inflights.Count())
				}
			}
		})
	}
}

// TestProgressFieldsKept checks that a node keeping its membership keeps
// every field of its progress, not just the ones the scripts print.
func TestProgressFieldsKept(t *testing.T) {
	chg := mustChanger(t, pb.ConfState{Voters: []uint64{1, 2}}, 1)
	pr := chg.Tracker.Progress[2]
	pr.BecomeReplicate()
	pr.MaybeUpdate(7)
	pr.SentEntries(2, 30)
	want := pr.String()

	cfg, prs, err := chg.EnterJoint(false, cc(pb.ConfChangeAddLearnerNode, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got := prs[2].String(); got != want {
		t.Fatalf("after staging the demotion, progress of 2 is %q, want %q", got, want)
	}
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	_, prs, err = chg.LeaveJoint()
	if err != nil {
		t.Fatal(err)
	}
	if !prs[2].IsLearner || prs[2].State != tracker.StateReplicate || prs[2].Match != 7 || prs[2].Inflights.Count() != 1 {
		t.Fatalf("after the demotion, progress of 2 is %q, want the same replication state as a learner", prs[2])
	}
}

// TestNewProgress checks every field of the progress given to a new node.
func TestNewProgress(t *testing.T) {
	for _, lastIndex := range []uint64{0, 1, 12} {
		chg := Changer{Tracker: tracker.MakeProgressTracker(2, 64), LastIndex: lastIndex}
		_, prs, err := chg.Simple(cc(pb.ConfChangeAddNode, 1), cc(pb.ConfChangeAddLearnerNode, 2))
		if err != nil {
			t.Fatal(err)
		}
		wantNext := max(lastIndex, 1)
		for id, wantLearner := range map[uint64]bool{1: false, 2: true} {
			pr := prs[id]
			if pr.Match != 0 || pr.Next != wantNext || pr.State != tracker.StateProbe || !pr.RecentActive || pr.IsLearner != wantLearner {
				t.Errorf("last index %d: node %d has progress %+v, want match=0 next=%d probing, recently active, learner=%t",
					lastIndex, id, *pr, wantNext, wantLearner)
			}
			// The inflight limits come from the tracker: two messages.
			pr.Inflights.Add(1, 1)
			pr.Inflights.Add(2, 1)
			if !pr.Inflights.Full() {
				t.Errorf("node %d: inflights not full after 2 messages; limits not taken from the tracker", id)
			}
		}
	}
}

func TestUnknownChangeType(t *testing.T) {
	chg := mustChanger(t, pb.ConfState{Voters: []uint64{1}}, 1)
	bad := cc(pb.ConfChangeType(9), 4)
	for name, call := range map[string]func() error{
		"simple":      func() error { _, _, err := chg.Simple(cc(pb.ConfChangeAddLearnerNode, 3), bad); return err },
		"enter-joint": func() error { _, _, err := chg.EnterJoint(false, cc(pb.ConfChangeAddLearnerNode, 3), bad); return err },
	} {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "change 2 of 2 has unknown type 9 (node 4)") {
			t.Errorf("%s: got error %v, want one naming change 2, type 9 and node 4", name, err)
		}
	}
}

func TestErrorReturnsNothing(t *testing.T) {
	chg := mustChanger(t, pb.ConfState{Voters: []uint64{1}}, 1)
	cfg, prs, err := chg.Simple(cc(pb.ConfChangeAddNode, 2), cc(pb.ConfChangeAddNode, 3))
	if err == nil {
		t.Fatal("adding two voters in a simple change succeeded")
	}
	if cfg.Voters[0] != nil || cfg.Learners != nil || prs != nil {
		t.Fatalf("a failed change returned config %v and progress %v next to its error", cfg, prs)
	}
}

func TestRestoreNeedsEmptyChanger(t *testing.T) {
	chg := mustChanger(t, pb.ConfState{Voters: []uint64{1}, Learners: []uint64{2}}, 1)
	_, _, err := Restore(chg, pb.ConfState{Voters: []uint64{3}})
	want := "confchange: Restore needs a Changer with an empty configuration, but it has voters (1), learners (2) and 2 progress entries"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %v, want %q", err, want)
	}
}

// TestInconsistentTracker checks that a tracker breaking an invariant is
// reported instead of being planned on.
func TestInconsistentTracker(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(*tracker.ProgressTracker)
		want    string
	}{
		{"voter without progress", func(p *tracker.ProgressTracker) { delete(p.Progress, 1) }, "voter 1 has no progress"},
		{"voter marked learner", func(p *tracker.ProgressTracker) { p.Progress[1].IsLearner = true }, "voter 1 has progress marked as learner"},
		{"learner also voter", func(p *tracker.ProgressTracker) { p.Learners[1] = struct{}{} }, "node 1 is both a learner and an incoming voter"},
		{"learner not marked", func(p *tracker.ProgressTracker) { p.Progress[2].IsLearner = false }, "learner 2 has progress not marked as learner"},
		{"stray progress", func(p *tracker.ProgressTracker) { p.Progress[7] = &tracker.Progress{} }, "node 7 has progress but is neither a voter nor a learner"},
		{"learners next outside joint", func(p *tracker.ProgressTracker) { p.LearnersNext = map[uint64]struct{}{1: {}} }, "node 1 is in LearnersNext but is not an outgoing voter"},
		{"autoleave outside joint", func(p *tracker.ProgressTracker) { p.AutoLeave = true }, "AutoLeave is set but the config is not joint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chg := mustChanger(t, pb.ConfState{Voters: []uint64{1}, Learners: []uint64{2}}, 1)
			tc.corrupt(&chg.Tracker)
			_, _, err := chg.Simple(cc(pb.ConfChangeAddNode, 3))
			want := "confchange: the current configuration is inconsistent: " + tc.want
			if err == nil || err.Error() != want {
				t.Fatalf("got error %v, want %q", err, want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	got := Describe(cc(pb.ConfChangeAddNode, 1), cc(pb.ConfChangeRemoveNode, 2), cc(pb.ConfChangeUpdateNode, 3),
		cc(pb.ConfChangeAddLearnerNode, 4), cc(pb.ConfChangeType(7), 5))
	want := "ConfChangeAddNode(1) ConfChangeRemoveNode(2) ConfChangeUpdateNode(3) ConfChangeAddLearnerNode(4) ConfChangeType(7)(5)"
	if got != want {
		t.Fatalf("Describe = %q, want %q", got, want)
	}
	if got := Describe(); got != "" {
		t.Fatalf("Describe() = %q, want empty", got)
	}
}
