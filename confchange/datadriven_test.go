package confchange

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// TestDataDriven runs the scripts in testdata. Each script drives one
// Changer whose tracker starts empty; a successful command installs its
// result, a failed one prints the error and leaves the tracker as it was.
//
//	simple [last-index=N]           changes as tokens: v1 (add voter),
//	enter-joint [autoleave=true]    l2 (add learner), r3 (remove),
//	leave-joint                     u4 (update)
//	restore voters=(1,2) [outgoing=(..)] [learners=(..)] [learners-next=(..)] [autoleave=true]
//	set-progress id=N [match=M] [next=K] [inactive=true]
//
// Output is the config on one line, then one line per tracked node.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		d := &driver{chg: Changer{Tracker: tracker.MakeProgressTracker(10, 0)}}
		datadriven.RunTest(t, path, d.run)
	})
}

type driver struct {
	chg Changer
}

func (d *driver) run(t *testing.T, td *datadriven.TestData) string {
	if td.HasArg("last-index") {
		td.ScanArgs(t, "last-index", &d.chg.LastIndex)
	}
	var (
		cfg tracker.Config
		prs tracker.ProgressMap
		err error
	)
	before := render(d.chg.Tracker.Config, d.chg.Tracker.Progress)
	switch td.Cmd {
	case "simple":
		cfg, prs, err = d.chg.Simple(mustParseChanges(t, td)...)
	case "enter-joint":
		autoLeave := false
		if td.HasArg("autoleave") {
			td.ScanArgs(t, "autoleave", &autoLeave)
		}
		cfg, prs, err = d.chg.EnterJoint(autoLeave, mustParseChanges(t, td)...)
	case "leave-joint":
		cfg, prs, err = d.chg.LeaveJoint()
	case "restore":
		empty := Changer{Tracker: tracker.MakeProgressTracker(10, 0), LastIndex: d.chg.LastIndex}
		cfg, prs, err = Restore(empty, scanConfState(t, td))
	case "set-progress":
		return d.setProgress(t, td)
	default:
		t.Fatalf("%s: unknown command %q", td.Pos, td.Cmd)
	}
	if after := render(d.chg.Tracker.Config, d.chg.Tracker.Progress); after != before {
		t.Fatalf("%s: %s mutated the Changer's tracker:\nbefore:\n%safter:\n%s", td.Pos, td.Cmd, before, after)
	}
	if err != nil {
		return err.Error() + "\n"
	}
	d.chg.Tracker.Config, d.chg.Tracker.Progress = cfg, prs
	return render(cfg, prs)
}

// setProgress edits a tracked node's progress, so that scripts can show
// which changes keep a node's progress and which start it afresh.
func (d *driver) setProgress(t *testing.T, td *datadriven.TestData) string {
	var id uint64
	td.ScanArgs(t, "id", &id)
	pr := d.chg.Tracker.Progress[id]
	if pr == nil {
		t.Fatalf("%s: node %d has no progress", td.Pos, id)
	}
	if td.HasArg("match") {
		td.ScanArgs(t, "match", &pr.Match)
	}
	if td.HasArg("next") {
		td.ScanArgs(t, "next", &pr.Next)
	}
	if td.HasArg("inactive") {
		var inactive bool
		td.ScanArgs(t, "inactive", &inactive)
		pr.RecentActive = !inactive
	}
	return render(d.chg.Tracker.Config, d.chg.Tracker.Progress)
}

func scanConfState(t *testing.T, td *datadriven.TestData) pb.ConfState {
	var cs pb.ConfState
	lists := map[string]*[]uint64{
		"voters": &cs.Voters, "outgoing": &cs.VotersOutgoing,
		"learners": &cs.Learners, "learners-next": &cs.LearnersNext,
	}
	for _, arg := range td.CmdArgs {
		switch arg.Key {
		case "last-index":
			continue
		case "autoleave":
			td.ScanArgs(t, "autoleave", &cs.AutoLeave)
			continue
		}
		list, ok := lists[arg.Key]
		if !ok {
			t.Fatalf("%s: unknown restore argument %q", td.Pos, arg.Key)
		}
		for i := range arg.Vals {
			var id uint64
			arg.Scan(t, i, &id)
			*list = append(*list, id)
		}
	}
	return cs
}

// mustParseChanges reads tokens such as "v1 l2 r3 u4": a letter for the
// change type (voter, learner, remove, update) and the node id.
func mustParseChanges(t *testing.T, td *datadriven.TestData) []pb.ConfChangeSingle {
	ccs, err := pb.ConfChangesFromString(td.Input)
	if err != nil {
		t.Fatalf("%s: %v", td.Pos, err)
	}
	return ccs
}

// render prints a config and its progress independently of the tracker's
// own String methods, so that the scripts specify this package alone.
func render(cfg tracker.Config, prs tracker.ProgressMap) string {
	var b strings.Builder
	b.WriteString("voters=" + describeVoters(cfg))
	if len(cfg.Learners) > 0 {
		b.WriteString(" learners=" + describeIDs(cfg.Learners))
	}
	if len(cfg.LearnersNext) > 0 {
		b.WriteString(" learners_next=" + describeIDs(cfg.LearnersNext))
	}
	if cfg.AutoLeave {
		b.WriteString(" autoleave")
	}
	b.WriteByte('\n')
	for _, id := range sortedIDs(prs) {
		pr := prs[id]
		fmt.Fprintf(&b, "%d: match=%d next=%d", id, pr.Match, pr.Next)
		if pr.IsLearner {
			b.WriteString(" learner")
		}
		if !pr.RecentActive {
			b.WriteString(" inactive")
		}
		b.WriteByte('\n')
	}
	return b.String()
}
