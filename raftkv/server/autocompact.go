package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// AutoCompaction makes the leader compact the key history on its own, so
// that the history bucket, and the key index rebuilt from it at start, stay
// bounded. At most one of Period and Revisions is set; neither means off.
type AutoCompaction struct {
	// Period keeps the history of the last Period. Every member notes its
	// revision every min(Period, 1h)/10; the leader compacts to the revision
	// noted Period ago, first once Period has passed since the member
	// started, then every min(Period, 1h).
	Period time.Duration
	// Revisions keeps the Revisions revisions before the current one: every
	// RevisionInterval the leader compacts to current - Revisions.
	Revisions int64
	// RevisionInterval is how often revision mode checks (default 5 min).
	RevisionInterval time.Duration
}

func (a AutoCompaction) check() error {
	switch {
	case a.Period < 0:
		return fmt.Errorf("server: AutoCompaction.Period is %v, must not be negative", a.Period)
	case a.Revisions < 0:
		return fmt.Errorf("server: AutoCompaction.Revisions is %d, must not be negative", a.Revisions)
	case a.Period > 0 && a.Revisions > 0:
		return errors.New("server: AutoCompaction sets both Period and Revisions; choose one mode")
	case a.RevisionInterval < 0:
		return fmt.Errorf("server: AutoCompaction.RevisionInterval is %v, must not be negative", a.RevisionInterval)
	}
	return nil
}

// compactPolicy decides, at each check, the revision to compact to (0:
// none now), from the time and this member's committed revision and
// compacted revision. done reports that a compaction to that revision was
// applied, or had already been.
type compactPolicy interface {
	interval() time.Duration
	due(now time.Time, rev, compacted int64) int64
	done(now time.Time)
	mode() string
}

// revisionPolicy keeps a fixed number of revisions.
type revisionPolicy struct {
	keep  int64
	every time.Duration
}

func (p *revisionPolicy) interval() time.Duration { return p.every }
func (p *revisionPolicy) mode() string            { return "revision" }
func (p *revisionPolicy) done(time.Time)          {}

func (p *revisionPolicy) due(_ time.Time, rev, compacted int64) int64 {
	return worthCompacting(rev-p.keep, compacted)
}

// periodicPolicy keeps a time window of history. Its samples are this
// member's own (committed) revisions, so on a follower they trail the
// leader's a little: a new leader compacts slightly less, never more.
type periodicPolicy struct {
	period  time.Duration
	samples []revSample // oldest first
	last    time.Time   // start, then the last compaction done
}

type revSample struct {
	at  time.Time
	rev int64
}

func newPeriodicPolicy(period time.Duration, start time.Time) *periodicPolicy {
	return &periodicPolicy{period: period, last: start}
}

// step caps the spacing of compactions at an hour for long periods, so a
// retention of days still drops history hourly rather than daily.
func (p *periodicPolicy) step() time.Duration { return min(p.period, time.Hour) }
func (p *periodicPolicy) interval() time.Duration {
	return max(p.step()/10, time.Millisecond)
}
func (p *periodicPolicy) mode() string       { return "periodic" }
func (p *periodicPolicy) done(now time.Time) { p.last = now }

func (p *periodicPolicy) due(now time.Time, rev, compacted int64) int64 {
	p.samples = append(p.samples, revSample{at: now, rev: rev})
	// The newest sample at least a period old is the target; the older
	// ones can never be one again.
	cut := now.Add(-p.period)
	i := -1
	for j, s := range p.samples {
		if s.at.After(cut) {
			break
		}
		i = j
	}
	if i < 0 {
		return 0
	}
	p.samples = slices.Delete(p.samples, 0, i)
	if now.Sub(p.last) < p.step() {
		return 0
	}
	target := worthCompacting(p.samples[0].rev, compacted)
	if target == 0 {
		// Nothing older than the window is left: as good as a compaction.
		p.last = now
	}
	return target
}

// worthCompacting returns target if compacting to it drops anything: the
// oldest readable revision is compacted+1.
func worthCompacting(target, compacted int64) int64 {
	if target <= compacted+1 {
		return 0
	}
	return target
}

func (a AutoCompaction) policy(start time.Time) compactPolicy {
	switch {
	case a.Period > 0:
		return newPeriodicPolicy(a.Period, start)
	case a.Revisions > 0:
		return &revisionPolicy{keep: a.Revisions, every: a.RevisionInterval}
	}
	return nil
}

// autoCompactLoop runs on every member; only the leader's compactions are
// proposed (proposal.leaderOnly), so every replica compacts at the same
// log position and a new leader simply carries on from its own samples.
func (s *Server) autoCompactLoop(p compactPolicy) {
	defer s.compactor.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stopc:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(p.interval())
	defer t.Stop()
	for {
		select {
		case <-s.stopc:
			return
		case now := <-t.C:
			rev := p.due(now, s.kv.Revision(), s.kv.CompactedRevision())
			if rev != 0 && s.autoCompact(ctx, p.mode(), rev) {
				p.done(time.Now())
			}
		}
	}
}

// autoCompact proposes a compaction to rev if this member leads, and says
// whether the history is now compacted to at least rev.
func (s *Server) autoCompact(ctx context.Context, mode string, rev int64) bool {
	start := time.Now()
	cmd := &kv.Command{RequestID: s.nextRequestID(), Compaction: &pb.CompactionRequest{Revision: rev}}
	data, err := cmd.Encode()
	if err != nil {
		s.cfg.Logger.Error("encoding an auto-compaction failed", "revision", rev, "err", err)
		return false
	}
	o, err := s.submit(ctx, cmd.RequestID, func(ctx context.Context) error {
		return enqueue(s, ctx, s.propc, proposal{id: cmd.RequestID, data: data, leaderOnly: true})
	})
	if err == nil {
		err = o.result.Err
	}
	switch {
	case ctx.Err() != nil:
		return false // stopping
	case err == nil:
		s.cfg.Logger.Info("auto-compacted the key history", "mode", mode, "revision", rev, "took", time.Since(start))
		return true
	case errors.Is(err, kv.ErrCompacted):
		// Someone compacted as far already (a client, or this leader's
		// previous term).
		s.cfg.Logger.Info("auto-compaction: history already compacted", "mode", mode, "revision", rev)
		return true
	case errors.Is(err, kv.ErrFutureRevision), errors.Is(err, ErrNotLeader):
		// Not this member's turn, or a revision its state has not
		// reached: nothing to do until the next check.
		return false
	default:
		s.cfg.Logger.Warn("auto-compaction failed; will retry at the next check", "mode", mode, "revision", rev, "err", err)
		return false
	}
}
