package tracker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// Config reflects the configuration tracked in a ProgressTracker.
type Config struct {
	Voters quorum.JointConfig
	// AutoLeave is true if the configuration is joint and a transition to the
	// incoming configuration should be carried out automatically by Raft when
	// this is possible. If false, the configuration will be joint until the
	// application initiates the transition manually.
	AutoLeave bool
	// Learners is a set of IDs corresponding to the learners active in the
	// current configuration.
	//
	// Invariant: Learners and Voters do not intersect, so a peer's role never
	// depends on which half of a joint config is asked.
	Learners map[uint64]struct{}
	// LearnersNext holds voters being demoted to learners in a joint
	// configuration. A demoted voter stays in the outgoing half until the
	// joint configuration is left, so it cannot already be in Learners
	// without breaking the invariant above; it moves there on leaving:
	//
	//	enter joint:  voters (1 2)&&(1 2 3)  learners ()   learners_next (3)
	//	leave joint:  voters (1 2)           learners (3)  learners_next ()
	//
	// A learner that was not a voter is added to Learners directly on
	// entering, so that it starts catching up at once.
	LearnersNext map[uint64]struct{}
}

// String renders the configuration on one line, e.g.
// "voters=(1 2)&&(1 2 3) learners_next=(3) autoleave". Learner sets are only
// shown when non-nil.
func (c Config) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "voters=%s", c.Voters)
	if c.Learners != nil {
		fmt.Fprintf(&b, " learners=%s", quorum.MajorityConfig(c.Learners))
	}
	if c.LearnersNext != nil {
		fmt.Fprintf(&b, " learners_next=%s", quorum.MajorityConfig(c.LearnersNext))
	}
	if c.AutoLeave {
		b.WriteString(" autoleave")
	}
	return b.String()
}

// Clone returns a copy of the Config that shares no memory with the original.
// A nil set stays nil.
func (c *Config) Clone() Config {
	return Config{
		Voters:       quorum.JointConfig{cloneSet(c.Voters[0]), cloneSet(c.Voters[1])},
		AutoLeave:    c.AutoLeave,
		Learners:     cloneSet(c.Learners),
		LearnersNext: cloneSet(c.LearnersNext),
	}
}

func cloneSet[M ~map[uint64]struct{}](m M) M {
	if m == nil {
		return nil
	}
	c := make(M, len(m))
	for id := range m {
		c[id] = struct{}{}
	}
	return c
}

// ProgressTracker tracks the currently active configuration and the
// information known about the nodes and learners in it. In particular,
// it tracks the match index for each peer which in turn allows reasoning about
// the committed index.
type ProgressTracker struct {
	Config

	Progress ProgressMap

	Votes map[uint64]bool

	MaxInflight      int
	MaxInflightBytes uint64
}

// MakeProgressTracker initializes a ProgressTracker.
func MakeProgressTracker(maxInflight int, maxBytes uint64) ProgressTracker {
	return ProgressTracker{
		MaxInflight:      maxInflight,
		MaxInflightBytes: maxBytes,
		// The outgoing half and the learner sets stay nil until used.
		Config:   Config{Voters: quorum.JointConfig{quorum.MajorityConfig{}, nil}},
		Votes:    map[uint64]bool{},
		Progress: ProgressMap{},
	}
}

// ConfState returns a ConfState representing the active configuration.
func (p *ProgressTracker) ConfState() pb.ConfState {
	return pb.ConfState{
		Voters:         p.Voters[0].Slice(),
		VotersOutgoing: p.Voters[1].Slice(),
		Learners:       quorum.MajorityConfig(p.Learners).Slice(),
		LearnersNext:   quorum.MajorityConfig(p.LearnersNext).Slice(),
		AutoLeave:      p.AutoLeave,
	}
}

// IsSingleton returns true if (and only if) there is only one voting member
// (i.e. the leader) in the current configuration.
func (p *ProgressTracker) IsSingleton() bool {
	return len(p.Voters[0]) == 1 && len(p.Voters[1]) == 0
}

var _ quorum.AckedIndexer = ProgressMap(nil)

// AckedIndex returns the Match of the given peer, so that a quorum can
// compute the committed index straight from the ProgressMap.
func (m ProgressMap) AckedIndex(id uint64) (quorum.Index, bool) {
	pr, ok := m[id]
	if !ok {
		return 0, false
	}
	return quorum.Index(pr.Match), true
}

// Committed returns the largest log index known to be committed based on what
// the voting members of the group have acknowledged.
func (p *ProgressTracker) Committed() uint64 {
	return uint64(p.Voters.CommittedIndex(p.Progress))
}

// visitOnStack is how many progresses Visit orders without allocating.
const visitOnStack = 16

// Visit invokes the supplied closure for all tracked progresses in stable
// order: ascending id.
func (p *ProgressTracker) Visit(f func(id uint64, pr *Progress)) {
	var onStack [visitOnStack]uint64
	ids := onStack[:0]
	if len(p.Progress) > len(onStack) {
		ids = make([]uint64, 0, len(p.Progress))
	}
	for id := range p.Progress {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		f(id, p.Progress[id])
	}
}

// QuorumActive returns true if the quorum is active from the view of the local
// raft state machine. Otherwise, it returns false.
func (p *ProgressTracker) QuorumActive() bool {
	// Each peer "votes" with its RecentActive flag; VoteResult ignores the
	// learners' votes as they are not in Voters.
	votes := make(map[uint64]bool, len(p.Progress))
	for id, pr := range p.Progress {
		votes[id] = pr.RecentActive
	}
	return p.Voters.VoteResult(votes) == quorum.VoteWon
}

// VoterNodes returns a sorted slice of voters.
func (p *ProgressTracker) VoterNodes() []uint64 {
	ids := p.Voters.IDs()
	nodes := make([]uint64, 0, len(ids))
	for id := range ids {
		nodes = append(nodes, id)
	}
	slices.Sort(nodes)
	return nodes
}

// LearnerNodes returns a sorted slice of learners, nil if there are none.
func (p *ProgressTracker) LearnerNodes() []uint64 {
	if len(p.Learners) == 0 {
		return nil
	}
	return quorum.MajorityConfig(p.Learners).Slice()
}

// ResetVotes prepares for a new round of vote counting via recordVote.
func (p *ProgressTracker) ResetVotes() {
	p.Votes = map[uint64]bool{}
}

// RecordVote records that the node with the given id voted for this Raft
// instance if v == true (and declined it otherwise). Only a node's first vote
// of the round counts: a duplicated or reordered response cannot flip it.
func (p *ProgressTracker) RecordVote(id uint64, v bool) {
	if _, voted := p.Votes[id]; !voted {
		p.Votes[id] = v
	}
}

// TallyVotes returns the number of granted and rejected Votes, and whether the
// election outcome is known. Only votes of tracked voters are counted.
func (p *ProgressTracker) TallyVotes() (granted int, rejected int, _ quorum.VoteResult) {
	for id, pr := range p.Progress {
		if pr.IsLearner {
			continue
		}
		v, voted := p.Votes[id]
		switch {
		case !voted:
		case v:
			granted++
		default:
			rejected++
		}
	}
	return granted, rejected, p.Voters.VoteResult(p.Votes)
}
