package confchange

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// model is a naive reference for a configuration: plain sets updated by
// the rules of joint consensus, without progress.
type model struct {
	in, out, learners, next map[uint64]bool
	autoLeave               bool
}

func newModel() *model {
	return &model{in: map[uint64]bool{}, out: map[uint64]bool{}, learners: map[uint64]bool{}, next: map[uint64]bool{}}
}

func (m *model) clone() *model {
	return &model{in: maps.Clone(m.in), out: maps.Clone(m.out), learners: maps.Clone(m.learners), next: maps.Clone(m.next), autoLeave: m.autoLeave}
}

func (m *model) change(c pb.ConfChangeSingle) {
	id := c.NodeID
	if id == 0 {
		return
	}
	switch c.Type {
	case pb.ConfChangeAddNode:
		delete(m.learners, id)
		delete(m.next, id)
		m.in[id] = true
	case pb.ConfChangeAddLearnerNode:
		if m.learners[id] {
			return
		}
		delete(m.in, id)
		if m.out[id] {
			m.next[id] = true
		} else {
			m.learners[id] = true
		}
	case pb.ConfChangeRemoveNode:
		delete(m.in, id)
		delete(m.learners, id)
		delete(m.next, id)
	}
}

// simple returns the model after a simple change, or false if the change
// must be refused.
func (m *model) simple(ccs []pb.ConfChangeSingle) (*model, bool) {
	if len(m.out) > 0 {
		return nil, false
	}
	n := m.clone()
	for _, c := range ccs {
		n.change(c)
	}
	changed := 0
	for id := range n.in {
		if !m.in[id] {
			changed++
		}
	}
	for id := range m.in {
		if !n.in[id] {
			changed++
		}
	}
	return n, len(n.in) > 0 && changed <= 1
}

func (m *model) enterJoint(autoLeave bool, ccs []pb.ConfChangeSingle) (*model, bool) {
	if len(m.out) > 0 || len(m.in) == 0 {
		return nil, false
	}
	n := m.clone()
	n.out = maps.Clone(m.in)
	for _, c := range ccs {
		n.change(c)
	}
	n.autoLeave = autoLeave
	return n, len(n.in) > 0
}

func (m *model) leaveJoint() (*model, bool) {
	if len(m.out) == 0 {
		return nil, false
	}
	n := m.clone()
	for id := range n.next {
		n.learners[id] = true
	}
	n.next, n.out, n.autoLeave = map[uint64]bool{}, map[uint64]bool{}, false
	return n, true
}

func (m *model) String() string {
	ids := func(s map[uint64]bool) []uint64 { return slices.Sorted(maps.Keys(s)) }
	return fmt.Sprintf("in=%v out=%v learners=%v next=%v autoleave=%t", ids(m.in), ids(m.out), ids(m.learners), ids(m.next), m.autoLeave)
}

// modelOf reads a Config into the model's representation.
func modelOf(cfg tracker.Config) *model {
	m := newModel()
	for _, pair := range []struct {
		from map[uint64]struct{}
		to   map[uint64]bool
	}{{cfg.Voters[0], m.in}, {cfg.Voters[1], m.out}, {cfg.Learners, m.learners}, {cfg.LearnersNext, m.next}} {
		for id := range pair.from {
			pair.to[id] = true
		}
	}
	m.autoLeave = cfg.AutoLeave
	return m
}

// checkStep verifies, independently of checkInvariants, the invariants of a
// configuration and its progress map.
func checkStep(t *testing.T, step string, cfg tracker.Config, prs tracker.ProgressMap) {
	t.Helper()
	m := modelOf(cfg)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after %s: %s; config %s, progress of %v", step, fmt.Sprintf(format, args...), m, slices.Sorted(maps.Keys(prs)))
	}
	if len(m.in) == 0 {
		fail("no incoming voters")
	}
	if len(m.out) == 0 && (len(m.next) > 0 || m.autoLeave) {
		fail("LearnersNext or AutoLeave outside a joint config")
	}
	members := map[uint64]bool{}
	for id := range m.learners {
		if m.in[id] || m.out[id] {
			fail("learner %d is also a voter", id)
		}
		members[id] = true
	}
	for id := range m.next {
		if !m.out[id] || m.in[id] {
			fail("node %d of LearnersNext is not only an outgoing voter", id)
		}
	}
	for _, half := range []map[uint64]bool{m.in, m.out} {
		for id := range half {
			members[id] = true
		}
	}
	if got, want := slices.Sorted(maps.Keys(prs)), slices.Sorted(maps.Keys(members)); !slices.Equal(got, want) {
		fail("progress is tracked for %v, want exactly the members %v", got, want)
	}
	for id, pr := range prs {
		if pr.IsLearner != m.learners[id] {
			fail("progress of %d says learner=%t", id, pr.IsLearner)
		}
	}
}

func randomChanges(rng *rand.Rand, maxID uint64) []pb.ConfChangeSingle {
	types := []pb.ConfChangeType{pb.ConfChangeAddNode, pb.ConfChangeAddLearnerNode, pb.ConfChangeRemoveNode, pb.ConfChangeUpdateNode}
	ccs := make([]pb.ConfChangeSingle, rng.IntN(5))
	for i := range ccs {
		ccs[i] = pb.ConfChangeSingle{Type: types[rng.IntN(len(types))], NodeID: rng.Uint64N(maxID + 1)}
	}
	return ccs
}

// operation is one call on a Changer.
type operation struct {
	kind      int // 0 simple, 1 enter-joint, 2 leave-joint
	autoLeave bool
	ccs       []pb.ConfChangeSingle
}

func (op operation) String() string {
	switch op.kind {
	case 0:
		return "simple " + Describe(op.ccs...)
	case 1:
		return fmt.Sprintf("enter-joint autoleave=%t %s", op.autoLeave, Describe(op.ccs...))
	default:
		return "leave-joint"
	}
}

// stepAgainstModel runs op on chg and on m, checks that both accept or
// refuse it, and that an accepted result matches the model, keeps the
// invariants and survives a Restore round trip. It installs an accepted
// result in chg and returns the new model, or nil if op was refused.
func stepAgainstModel(t *testing.T, desc string, chg *Changer, m *model, op operation) *model {
	t.Helper()
	var (
		cfg  tracker.Config
		prs  tracker.ProgressMap
		err  error
		next *model
		ok   bool
	)
	switch op.kind {
	case 0:
		cfg, prs, err = chg.Simple(op.ccs...)
		next, ok = m.simple(op.ccs)
	case 1:
		cfg, prs, err = chg.EnterJoint(op.autoLeave, op.ccs...)
		next, ok = m.enterJoint(op.autoLeave, op.ccs)
	default:
		cfg, prs, err = chg.LeaveJoint()
		next, ok = m.leaveJoint()
	}
	if slices.ContainsFunc(op.ccs, unknownType) && op.kind != 2 {
		ok = false
	}
	desc = fmt.Sprintf("%s: %s on %s", desc, op, m)
	if (err == nil) != ok {
		t.Fatalf("%s: got error %v, model says allowed=%t", desc, err, ok)
	}
	if err != nil {
		return nil
	}
	if got := modelOf(cfg); got.String() != next.String() {
		t.Fatalf("%s: got config %s, want %s", desc, got, next)
	}
	checkStep(t, desc, cfg, prs)
	checkRestore(t, desc, cfg)
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	return next
}

// unknownType reports a change the Changer must refuse for its type; id 0
// is skipped before the type is looked at.
func unknownType(c pb.ConfChangeSingle) bool {
	return c.NodeID != 0 && c.Type > pb.ConfChangeAddLearnerNode
}

// TestRandomAgainstModel runs random operations, accepted or refused, and
// checks each against the model (see stepAgainstModel).
func TestRandomAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for run := range 200 {
		chg := Changer{Tracker: tracker.MakeProgressTracker(3, 0)}
		m := newModel()
		for step := range 30 {
			chg.LastIndex = rng.Uint64N(100)
			op := operation{kind: rng.IntN(3), autoLeave: rng.IntN(2) == 0, ccs: randomChanges(rng, 6)}
			if next := stepAgainstModel(t, fmt.Sprintf("run %d step %d", run, step), &chg, m, op); next != nil {
				m = next
				accepted++
			}
		}
	}
	// Guard against a generator that makes nearly everything fail.
	if accepted < 1000 {
		t.Fatalf("only %d of 6000 random operations were accepted; the test exercises too little", accepted)
	}
}

// checkRestore restores the ConfState of cfg and compares the result.
func checkRestore(t *testing.T, desc string, cfg tracker.Config) {
	t.Helper()
	sorted := func(s map[uint64]struct{}) []uint64 { return slices.Sorted(maps.Keys(s)) }
	cs := pb.ConfState{
		Voters: sorted(cfg.Voters[0]), VotersOutgoing: sorted(cfg.Voters[1]),
		Learners: sorted(cfg.Learners), LearnersNext: sorted(cfg.LearnersNext), AutoLeave: cfg.AutoLeave,
	}
	got, prs, err := Restore(Changer{Tracker: tracker.MakeProgressTracker(3, 0), LastIndex: 9}, cs)
	if err != nil {
		t.Fatalf("%s: Restore(%+v): %v", desc, cs, err)
	}
	if modelOf(got).String() != modelOf(cfg).String() {
		t.Fatalf("%s: Restore(%+v) gave %s, want %s", desc, cs, modelOf(got), modelOf(cfg))
	}
	checkStep(t, desc+", restored", got, prs)
	for id, pr := range prs {
		if pr.Match != 0 || pr.Next != 9 || !pr.RecentActive {
			t.Fatalf("%s: restored progress of %d is %+v, want fresh with next=9", desc, id, *pr)
		}
	}
}

// TestSimpleStepsMatchJoint applies a random batch of changes twice: at
// once through EnterJoint and LeaveJoint, and one change at a time through
// Simple. Both must end in the same config and track the same nodes.
func TestSimpleStepsMatchJoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for run := range 500 {
		start := mustChanger(t, randomConfState(rng), 5)
		ccs := batchKeepingAVoter(rng, modelOf(start.Tracker.Config))
		desc := fmt.Sprintf("run %d: %s from %s", run, Describe(ccs...), modelOf(start.Tracker.Config))

		joint := start
		cfg, prs, err := joint.EnterJoint(false, ccs...)
		if err != nil {
			t.Fatalf("%s: EnterJoint: %v", desc, err)
		}
		joint.Tracker.Config, joint.Tracker.Progress = cfg, prs
		jointCfg, jointPrs, err := joint.LeaveJoint()
		if err != nil {
			t.Fatalf("%s: LeaveJoint: %v", desc, err)
		}

		simple := start
		for _, c := range ccs {
			cfg, prs, err := simple.Simple(c)
			if err != nil {
				t.Fatalf("%s: Simple(%s): %v", desc, Describe(c), err)
			}
			checkStep(t, desc, cfg, prs)
			simple.Tracker.Config, simple.Tracker.Progress = cfg, prs
		}

		if got, want := modelOf(simple.Tracker.Config), modelOf(jointCfg); got.String() != want.String() {
			t.Fatalf("%s: one at a time gave %s, joint gave %s", desc, got, want)
		}
		if got, want := slices.Sorted(maps.Keys(simple.Tracker.Progress)), slices.Sorted(maps.Keys(jointPrs)); !slices.Equal(got, want) {
			t.Fatalf("%s: one at a time tracks %v, joint tracks %v", desc, got, want)
		}
	}
}

// randomConfState returns a valid, non-joint ConfState over ids 1..6.
func randomConfState(rng *rand.Rand) pb.ConfState {
	var cs pb.ConfState
	for id := uint64(1); id <= 6; id++ {
		switch rng.IntN(3) {
		case 0:
			cs.Voters = append(cs.Voters, id)
		case 1:
			cs.Learners = append(cs.Learners, id)
		}
	}
	if len(cs.Voters) == 0 {
		cs.Voters = []uint64{7}
	}
	return cs
}

// batchKeepingAVoter returns random changes none of whose prefixes leaves
// the config without voters, so that each can be applied on its own.
func batchKeepingAVoter(rng *rand.Rand, m *model) []pb.ConfChangeSingle {
	var ccs []pb.ConfChangeSingle
	for _, c := range randomChanges(rng, 8) {
		after := m.clone()
		after.change(c)
		if len(after.in) == 0 {
			c.Type = pb.ConfChangeUpdateNode
			after = m
		}
		ccs = append(ccs, c)
		m = after
	}
	return ccs
}
