package rafttest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/tickraft/raft"
)

// SimBug names a fault injected into the simulator itself (never into
// package raft) to show that the invariant checks catch it.
type SimBug int

const (
	// BugNone runs a correct simulator.
	BugNone SimBug = iota
	// BugLyingDisk acknowledges writes before they are durable: a sync
	// usually leaves the writes volatile, so a crash loses acknowledged data.
	BugLyingDisk
	// BugForgetVote restarts nodes with HardState.Vote zeroed.
	BugForgetVote
	// BugApplyUnstable applies entries as soon as they are handed out for
	// persisting, before they are known to be committed.
	BugApplyUnstable
	// BugTruncateLog restarts nodes without the durable entries past their
	// durable commit index, though they may have acknowledged them.
	BugTruncateLog
	// BugStaleReads serves reads from the local state machine instead of
	// confirming them with ReadIndex.
	BugStaleReads
)

func (b SimBug) String() string {
	return [...]string{"none", "lying-disk", "forget-vote", "apply-unstable", "truncate-log", "stale-reads"}[b]
}

// SimOptions fixes one simulation run. Everything else (cluster size,
// storage mode, PreVote, CheckQuorum, fault rates) is drawn from Seed.
type SimOptions struct {
	Seed  uint64
	Steps int
	// TraceLen is how many of the last events a failure shows.
	TraceLen int
	Bug      SimBug
	// Churn adds membership changes to the faults.
	Churn bool
	// NoReadFloor leaves reads to the linearizability check alone, without
	// the direct check of each read index against the writes applied before.
	NoReadFloor bool
	// LeaseReads serves reads with ReadOnlyLeaseBased on every seed that
	// draws CheckQuorum. Without it, about half of those seeds do (see
	// drawLease).
	LeaseReads bool
	// Strand makes half of the partitions strand the leader instead (see
	// simNet.strand) on every seed. Seeds with lease reads always do; the
	// others do not by default, so that their runs stay as they were.
	Strand bool
}

// simParams are the per-seed choices: the cluster and how often each fault
// happens per step.
type simParams struct {
	nodes       int
	async       bool
	preVote     bool
	checkQuorum bool

	pDrop, pDelay, pReorder, pDup float64
	pPartition, pHeal             float64
	pCrash, pCompact, pTransfer   float64
	pPropose, pChurn, pRead       float64
	// pReady and pDisk slow nodes and disks down: the chance per step that
	// a node handles its Ready, or a storage thread does one piece of work.
	pReady, pDisk float64
	// lease serves reads with ReadOnlyLeaseBased; it needs checkQuorum.
	lease bool
	// strand lets half of the partitions strand the leader.
	strand bool
	// reuse sets Config.ReuseReadyBuffers; sync mode only.
	reuse   bool
	clients int
}

func drawParams(r *rand.Rand) simParams {
	f := func(max float64) float64 { return r.Float64() * max }
	return simParams{
		nodes:       []int{3, 5, 7}[r.IntN(3)],
		async:       r.IntN(2) == 0,
		preVote:     r.IntN(2) == 0,
		checkQuorum: r.IntN(2) == 0,
		pDrop:       f(0.2),
		pDelay:      f(0.1),
		pReorder:    f(0.3),
		pDup:        f(0.1),
		pPartition:  f(0.01),
		pHeal:       0.005 + f(0.03),
		pCrash:      f(0.01),
		pCompact:    f(0.05),
		pTransfer:   f(0.005),
		pPropose:    0.05 + f(0.3),
		pChurn:      f(0.01),
		pRead:       f(0.1),
		pReady:      0.3 + f(0.7),
		pDisk:       0.2 + f(0.8),
		// Drawn last, so that the draws above stay as they were.
		clients: 4 + r.IntN(9),
	}
}

// drawLease picks lease reads for about half of the seeds, from a source of
// its own so that the run's other draws stay as they were before lease
// reads joined the default sweep.
func drawLease(seed uint64) bool {
	return rand.New(rand.NewPCG(seed, 0x1ea5e5eed)).IntN(2) == 0
}

// drawReuse picks ReuseReadyBuffers for about half of the seeds, from a
// source of its own so that the run's other draws stay as they were. The
// option recycles only the arrays behind Ready.Messages, so a seed's run is
// the same with it or without it, unless reuse corrupts something.
func drawReuse(seed uint64) bool {
	return rand.New(rand.NewPCG(seed, 0x5eed0fb0f)).IntN(2) == 0
}

func (p simParams) String() string {
	mode := "sync"
	switch {
	case p.async:
		mode = "async"
	case p.reuse:
		mode = "sync+reuse"
	}
	return fmt.Sprintf("nodes=%d storage=%s prevote=%t checkquorum=%t lease=%t strand=%t clients=%d drop=%.3f delay=%.3f reorder=%.3f dup=%.3f "+
		"partition=%.4f heal=%.4f crash=%.4f compact=%.3f transfer=%.4f propose=%.3f ready=%.2f disk=%.2f",
		p.nodes, mode, p.preVote, p.checkQuorum, p.lease, p.strand, p.clients, p.pDrop, p.pDelay, p.pReorder, p.pDup,
		p.pPartition, p.pHeal, p.pCrash, p.pCompact, p.pTransfer, p.pPropose, p.pReady, p.pDisk)
}

const (
	simElectionTick  = 10
	simHeartbeatTick = 1
	// simTickEvery is how many steps pass between ticks, so that a message
	// usually arrives within a tick.
	simTickEvery = 3
	// simLivenessTicks bounds the ticks, after the faults stop, within which
	// a leader must be elected and every proposal resolved.
	simLivenessTicks = 30 * simElectionTick
)

// Sim is one seeded run of a cluster under faults. Same options, same run:
// one math/rand/v2 source drives every choice.
//
// A step injects the faults the seed's rates pick (client proposals and
// reads, partitions, stranded leaders and heals, crash-restarts, compactions, leadership
// transfers, membership changes), ticks every node every simTickEvery
// steps, delivers the messages due, lets each node handle its Ready or run
// its storage threads, and then checks every invariant (see checker). After
// Steps steps the faults stop and the cluster must settle (runLiveness).
type Sim struct {
	opts   SimOptions
	params simParams
	rng    *rand.Rand
	step   int64
	nodes  []*simNode
	net    simNet
	trace  simTrace
	check  *checker
	logger captureLogger

	// faulty is false once the faults stop for the liveness phase.
	faulty bool
	// Proposals by payload; payloads are unique.
	nextProposal int
	proposed     map[string]bool // accepted by Propose, not yet applied
	nextRead     int
	reads        map[string]pendingRead
	clients      []*simClient
	// history holds the clients' answered operations; kvLog the command
	// applied at each index, for rebuilding stores.
	history []porcupine.Operation
	kvLog   map[uint64]kvCommand
	// Figures for the report.
	Stats SimStats
}

// SimStats counts what a run did.
type SimStats struct {
	Steps, Delivered, Dropped, Crashes, Compactions, Snapshots int
	Proposed, Applied, ProposalsDropped, MaxCommit             int
	LivenessTicks                                              int
	// ConfChanges counts conf changes proposed and accepted, Reconfigured
	// their applications summed over nodes.
	ConfChanges, Reconfigured int
	// LeadersChecked counts leaders whose completeness was verified.
	LeadersChecked int
	// Reads counts reads confirmed by ReadIndex.
	Reads int
	// ClientOps counts the clients' answered operations, Retries their
	// attempts after the first, Deduplicated the commands the stores
	// recognised as already applied.
	ClientOps, Retries, Deduplicated int
}

// Violation is an invariant the run broke, with the events leading to it.
type Violation struct {
	Seed  uint64
	Steps int
	Churn bool
	// LeaseReads and Strand are the run's SimOptions.
	LeaseReads, Strand bool
	Step               int64
	What               string
	Trace              string
	// Visualization is the HTML file porcupine drew a non-linearizable
	// history in, if that is the violation.
	Visualization string
}

func (v *Violation) Error() string {
	return fmt.Sprintf("step %d: %s\nlast events:\n%s", v.Step, v.What, v.Trace)
}

// Repro is the command that runs the failing seed again.
func (v *Violation) Repro() string {
	cmd := fmt.Sprintf("go test ./rafttest -run TestSim -sim.seed=%d -sim.steps=%d", v.Seed, v.Steps)
	if v.Churn && v.Seed%2 == 1 {
		cmd += " -sim.churn" // the sweep adds churn to even seeds only
	}
	if v.LeaseReads {
		cmd += " -sim.lease"
	}
	if v.Strand {
		cmd += " -sim.strand"
	}
	return cmd
}

// NewSim builds the cluster for opts.
func NewSim(opts SimOptions) *Sim { return newSim(opts, nil) }

// newSim builds the cluster, letting adjust change the seed's choices.
func newSim(opts SimOptions, adjust func(*simParams)) *Sim {
	if opts.TraceLen == 0 {
		opts.TraceLen = 60
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	s := &Sim{opts: opts, rng: rng, faulty: true, proposed: map[string]bool{}, reads: map[string]pendingRead{},
		kvLog: map[uint64]kvCommand{}}
	s.params = drawParams(rng)
	s.params.lease = opts.LeaseReads || drawLease(opts.Seed)
	if adjust != nil {
		adjust(&s.params)
	}
	s.params.lease = s.params.lease && s.params.checkQuorum // required by Config
	s.params.strand = opts.Strand || s.params.lease
	s.params.reuse = drawReuse(opts.Seed) && !s.params.async // required by Config
	for i := range s.params.clients {
		s.clients = append(s.clients, &simClient{id: i})
	}
	s.logger = captureLogger{out: &strings.Builder{}, level: LevelNone}
	s.trace = newSimTrace(opts.TraceLen)
	s.check = newChecker(s)
	for i := 1; i <= s.params.nodes; i++ {
		s.nodes = append(s.nodes, newSimNode(s, uint64(i)))
	}
	for _, n := range s.nodes {
		n.start()
	}
	return s
}

// Params describes the per-seed choices.
func (s *Sim) Params() string { return s.params.String() }

// Run runs the faulty phase, then the liveness phase, and returns the first
// violation (as a *Violation), or nil.
func (s *Sim) Run() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.violation(fmt.Sprintf("panic: %v", r))
		}
	}()
	for s.step = 0; s.step < int64(s.opts.Steps); s.step++ {
		if err := s.runStep(); err != nil {
			return err
		}
	}
	if err := s.runLiveness(); err != nil {
		return err
	}
	return s.checkLinearizable()
}

func (s *Sim) violation(what string) error {
	return &Violation{Seed: s.opts.Seed, Steps: s.opts.Steps, Churn: s.opts.Churn, LeaseReads: s.opts.LeaseReads, Strand: s.opts.Strand, Step: s.step, What: what, Trace: s.trace.String()}
}

func (s *Sim) runStep() error {
	s.Stats.Steps++
	if s.faulty {
		s.injectFaults()
	}
	if s.step%simTickEvery == 0 {
		for _, n := range s.nodes {
			n.rn.Tick()
		}
	}
	if err := s.net.deliverDue(s); err != nil {
		return err
	}
	for _, n := range s.nodes {
		if err := n.work(); err != nil {
			return err
		}
	}
	if msg := s.check.afterStep(); msg != "" {
		return s.violation(msg)
	}
	return nil
}

func (s *Sim) chance(p float64) bool { return s.faulty && s.rng.Float64() < p }

func (s *Sim) randomNode() *simNode { return s.nodes[s.rng.IntN(len(s.nodes))] }

func (s *Sim) injectFaults() {
	p := s.params
	s.clientsStep()
	if s.rng.Float64() < p.pPartition {
		if p.strand && s.rng.IntN(2) == 0 {
			s.net.strand(s)
		} else {
			s.net.partition(s)
		}
	}
	if s.rng.Float64() < p.pHeal {
		s.net.heal(s)
	}
	if s.rng.Float64() < p.pCrash {
		s.randomNode().crash()
	}
	for _, n := range s.nodes {
		if n.crashSoon {
			n.crash()
		}
	}
	if s.rng.Float64() < p.pCompact {
		s.randomNode().compact()
	}
	if s.rng.Float64() < p.pTransfer {
		s.transfer()
	}
	if s.opts.Churn && s.rng.Float64() < p.pChurn {
		s.churn()
	}
}

// propose makes an anonymous proposal at n, which no client waits for.
func (s *Sim) propose(n *simNode) {
	s.nextProposal++
	data := fmt.Sprintf("p%d", s.nextProposal)
	err := n.rn.Propose([]byte(data))
	s.trace.addf(s, "propose %s at %d: %v", data, n.id, err)
	s.Stats.Proposed++
	switch {
	case err == nil:
		s.proposed[data] = true
	case errors.Is(err, raft.ErrProposalDropped):
		s.Stats.ProposalsDropped++
	default:
		s.check.fail(fmt.Sprintf("proposal %s at %d: unexpected error %v", data, n.id, err))
	}
}

func (s *Sim) transfer() {
	for _, n := range s.nodes {
		if n.rn.BasicStatus().RaftState == raft.StateLeader {
			to := s.randomNode().id
			s.trace.addf(s, "transfer leadership %d -> %d", n.id, to)
			n.rn.TransferLeader(to)
			return
		}
	}
}

func (s *Sim) nodeByID(id uint64) *simNode {
	if id == 0 || id > uint64(len(s.nodes)) {
		return nil
	}
	return s.nodes[id-1]
}

// chanceAlways is chance, except that once the faults stop everything
// happens at once.
func (s *Sim) chanceAlways(p float64) bool { return !s.faulty || s.rng.Float64() < p }
