package tracker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tickraft/raft/quorum"
	pb "github.com/tickraft/raft/raftpb"
)

// Config is the membership a ProgressTracker works with: who votes, possibly
// in a joint configuration, and who only learns.
type Config struct {
	Voters quorum.JointConfig
	// AutoLeave, meaningful only while joint, asks Raft to leave the joint
	// configuration by itself as soon as it can. Without it the joint
	// configuration stays until the application proposes leaving it.
	AutoLeave bool
	// Learners are the peers that receive the log without voting.
	//
	// Invariant: no peer is in both Learners and Voters (either half), so
	// every peer has exactly one role even while the configuration is joint.
	Learners map[uint64]struct{}
	// LearnersNext holds voters being demoted to learners in a joint
	// configuration. A demoted voter stays in the outgoing half until the
	// joint configuration is left, so it cannot already be in Learners
	// without breaking the invariant above; it moves there on leaving:
	//
	//	enter joint:  voters (1 2)&&(1 2 3)  learners ()   learners_next (3)
	//	leave joint:  voters (1 2)           learners (3)  learners_next ()
	//
	// A peer that becomes a learner without having been a voter skips
	// LearnersNext: nothing stops it joining Learners on entering, and
	// replication to it starts sooner.
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

// Clone returns a deep copy of the Config, AutoLeave included; a nil set
// stays nil.
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

// ProgressTracker is the bookkeeping behind one configuration: the Config,
// a Progress per member (their Match values decide the commit index), the
// votes of the current election, and the Inflights limits that each new
// member's Progress gets.
type ProgressTracker struct {
	Config

	Progress ProgressMap

	Votes map[uint64]bool

	MaxInflight      int
	MaxInflightBytes uint64
}

// MakeProgressTracker returns a tracker with no members. Members added later
// get Inflights windows of maxInflight messages and maxBytes bytes, where
// maxBytes == 0 means no byte limit.
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

// ConfState converts the current configuration to its raftpb form, every id
// list sorted.
func (p *ProgressTracker) ConfState() pb.ConfState {
	return pb.ConfState{
		Voters:         p.Voters[0].Slice(),
		VotersOutgoing: p.Voters[1].Slice(),
		Learners:       quorum.MajorityConfig(p.Learners).Slice(),
		LearnersNext:   quorum.MajorityConfig(p.LearnersNext).Slice(),
		AutoLeave:      p.AutoLeave,
	}
}

// IsSingleton reports whether the configuration is not joint and has exactly
// one voter, whose own acknowledgement is then a quorum.
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

// Committed returns the highest index that a quorum of voters (of both
// halves, when joint) has acknowledged; learners do not count.
func (p *ProgressTracker) Committed() uint64 {
	return uint64(p.Voters.CommittedIndex(p.Progress))
}

// visitOnStack is how many progresses Visit orders without allocating.
const visitOnStack = 16

// Visit calls f on every tracked peer in ascending id order. Up to
// visitOnStack peers are ordered without allocating.
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

// QuorumActive reports whether the voters marked RecentActive form a quorum,
// which tells a leader whether it can still reach enough of its group. A
// leader with CheckQuorum asks once per election timeout, so it counts in
// place rather than building a vote map each time.
func (p *ProgressTracker) QuorumActive() bool {
	return p.activeMajority(p.Voters[0]) && p.activeMajority(p.Voters[1])
}

// activeMajority reports whether a majority of c is RecentActive; learners
// are not in c, and a voter without a Progress counts as inactive. An
// empty configuration has a majority, as in quorum.MajorityConfig.
func (p *ProgressTracker) activeMajority(c quorum.MajorityConfig) bool {
	if len(c) == 0 {
		return true
	}
	active := 0
	for id := range c {
		if pr := p.Progress[id]; pr != nil && pr.RecentActive {
			active++
		}
	}
	return active >= len(c)/2+1
}

// VoterNodes returns the ids of the voters of either half, ascending.
func (p *ProgressTracker) VoterNodes() []uint64 {
	ids := p.Voters.IDs()
	nodes := make([]uint64, 0, len(ids))
	for id := range ids {
		nodes = append(nodes, id)
	}
	slices.Sort(nodes)
	return nodes
}

// LearnerNodes returns the learner ids ascending, or nil if there are none.
func (p *ProgressTracker) LearnerNodes() []uint64 {
	if len(p.Learners) == 0 {
		return nil
	}
	return quorum.MajorityConfig(p.Learners).Slice()
}

// ResetVotes forgets every recorded vote, ready for a new election.
func (p *ProgressTracker) ResetVotes() {
	p.Votes = map[uint64]bool{}
}

// RecordVote notes that peer id granted (v) or refused (!v) its vote. A
// peer's first answer in an election is final, so a duplicated or reordered
// response cannot flip it. A nil Votes map is made on the first vote, so
// that a tracker outside elections need not keep an empty one.
func (p *ProgressTracker) RecordVote(id uint64, v bool) {
	if p.Votes == nil {
		p.Votes = map[uint64]bool{}
	}
	if _, voted := p.Votes[id]; !voted {
		p.Votes[id] = v
	}
}

// TallyVotes counts the granted and refused votes of tracked peers that are
// not learners, and says whether the election is won, lost or still open.
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
