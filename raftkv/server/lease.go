package server

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// ErrNotPrimary: a lease keepalive or time-to-live reached a member that is
// not the leader. Only the leader keeps lease deadlines; the client should
// retry on another endpoint (etcd's client reopens its keepalive stream).
var ErrNotPrimary = errors.New("server: not the leader, which alone keeps lease deadlines")

// leaseRevokesPerTick bounds the revokes the leader proposes per tick, so a
// mass expiry is spread over ticks instead of stalling the loop.
const leaseRevokesPerTick = 64

// lessor tracks every lease's TTL on every member, from what the state
// machine applied. Deadlines are meaningful only while primary (leader):
// they live in memory, are never replicated, and are all reset to now + TTL
// when the member becomes leader, so a failover extends leases by the
// election time and never shortens them.
type lessor struct {
	mu      sync.Mutex
	primary bool
	leases  map[int64]*leaseClock
}

type leaseClock struct {
	ttl      time.Duration
	deadline time.Time
	revoking time.Time // when an expiry revoke was last proposed; zero if none
}

func newLessor() *lessor { return &lessor{leases: make(map[int64]*leaseClock)} }

// reload replaces the known leases with the state machine's, after Open or
// a snapshot install. Deadlines start from now.
func (l *lessor) reload(ls []kv.Lease, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.leases)
	for _, le := range ls {
		l.addLocked(le.ID, le.TTL, now)
	}
}

func (l *lessor) addLocked(id, ttlSeconds int64, now time.Time) {
	ttl := time.Duration(ttlSeconds) * time.Second
	l.leases[id] = &leaseClock{ttl: ttl, deadline: now.Add(ttl)}
}

// applied records what an applied lease command changed.
func (l *lessor) applied(r *kv.LeaseResult, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Granted != nil {
		l.addLocked(r.Granted.ID, r.Granted.TTL, now)
	}
	if r.Revoked != 0 {
		delete(l.leases, r.Revoked)
	}
}

// setPrimary records whether this member leads; on becoming leader every
// deadline restarts from now.
func (l *lessor) setPrimary(primary bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if primary && !l.primary {
		for _, c := range l.leases {
			c.deadline, c.revoking = now.Add(c.ttl), time.Time{}
		}
	}
	l.primary = primary
}

// renew moves a lease's deadline to now + TTL and returns the TTL.
func (l *lessor) renew(id int64, now time.Time) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.primary {
		return 0, ErrNotPrimary
	}
	c := l.leases[id]
	if c == nil {
		return 0, kv.ErrLeaseNotFound
	}
	c.deadline = now.Add(c.ttl)
	return c.ttl, nil
}

// remaining reports the time a lease has left.
func (l *lessor) remaining(id int64, now time.Time) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.primary {
		return 0, ErrNotPrimary
	}
	c := l.leases[id]
	if c == nil {
		return 0, kv.ErrLeaseNotFound
	}
	return max(c.deadline.Sub(now), 0), nil
}

// expired returns up to limit leases past their deadline that have no
// revoke in flight younger than retry, and marks them as being revoked.
func (l *lessor) expired(now time.Time, limit int, retry time.Duration) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.primary {
		return nil
	}
	var ids []int64
	for id, c := range l.leases {
		if len(ids) == limit {
			break
		}
		if now.Before(c.deadline) || (!c.revoking.IsZero() && now.Sub(c.revoking) < retry) {
			continue
		}
		c.revoking = now
		ids = append(ids, id)
	}
	return ids
}

// tickLeases runs in the loop on every tick: it tells the lessor whether
// this member leads and, if it does, proposes revokes for expired leases.
// A revoke that fails to commit is proposed again after RequestTimeout.
func (s *Server) tickLeases() {
	now := time.Now()
	leader := s.rn.BasicStatus().RaftState == raft.StateLeader
	s.lessor.setPrimary(leader, now)
	for _, id := range s.lessor.expired(now, leaseRevokesPerTick, s.cfg.RequestTimeout) {
		data, err := (&kv.Command{LeaseRevoke: &pb.LeaseRevokeRequest{ID: id}}).Encode()
		if err == nil {
			err = s.rn.Propose(data)
		}
		if err != nil {
			s.cfg.Logger.Debug("proposing a lease expiry failed; will retry", "lease", id, "err", err)
		}
	}
}

// minLeaseTTL is etcd's floor on a lease's TTL: one and a half election
// timeouts, rounded up to whole seconds, so a lease outlives a failover.
func (s *Server) minLeaseTTL() int64 {
	d := s.cfg.TickInterval * time.Duration(s.cfg.ElectionTicks) * 3 / 2
	return int64(math.Ceil(d.Seconds()))
}

// writeLease proposes a lease command and waits for its outcome.
func (s *Server) writeLease(ctx context.Context, cmd *kv.Command) (*kv.LeaseResult, error) {
	res, err := s.writeCommand(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return res.Lease, nil
}

// LeaseGrant creates a lease through raft. An ID of 0 lets the state
// machine pick one from the raft index; a TTL below the minimum is raised.
func (s *Server) LeaseGrant(ctx context.Context, r *pb.LeaseGrantRequest) (*pb.LeaseGrantResponse, error) {
	req := &pb.LeaseGrantRequest{ID: r.ID, TTL: max(r.TTL, s.minLeaseTTL())}
	lr, err := s.writeLease(ctx, &kv.Command{LeaseGrant: req})
	if err != nil {
		return nil, err
	}
	resp := &pb.LeaseGrantResponse{Header: &pb.ResponseHeader{Revision: lr.Revision}, ID: lr.Granted.ID, TTL: lr.Granted.TTL}
	s.fillHeader(&resp.Header)
	return resp, nil
}

// LeaseRevoke revokes a lease through raft, deleting its keys.
func (s *Server) LeaseRevoke(ctx context.Context, r *pb.LeaseRevokeRequest) (*pb.LeaseRevokeResponse, error) {
	lr, err := s.writeLease(ctx, &kv.Command{LeaseRevoke: &pb.LeaseRevokeRequest{ID: r.ID}})
	if err != nil {
		return nil, err
	}
	resp := &pb.LeaseRevokeResponse{Header: &pb.ResponseHeader{Revision: lr.Revision}}
	s.fillHeader(&resp.Header)
	return resp, nil
}

// LeaseRenew is one keepalive: on the leader it restarts the lease's TTL
// and returns it in seconds. Other members forward it to the leader
// (leaseforward.go), or answer ErrNotPrimary if they cannot.
func (s *Server) LeaseRenew(ctx context.Context, id int64) (int64, error) {
	ttl, err := s.lessor.renew(id, time.Now())
	if errors.Is(err, ErrNotPrimary) {
		return s.forwardRenew(ctx, id)
	}
	if err != nil {
		return 0, err
	}
	return int64(ttl / time.Second), nil
}

// LeaseTimeToLive reports a lease's granted and remaining TTL (seconds,
// rounded up) and, if asked, its keys. Only the leader knows the remaining
// time; others forward the call to it, or answer ErrNotPrimary.
func (s *Server) LeaseTimeToLive(ctx context.Context, r *pb.LeaseTimeToLiveRequest) (*pb.LeaseTimeToLiveResponse, error) {
	left, err := s.lessor.remaining(r.ID, time.Now())
	if errors.Is(err, ErrNotPrimary) {
		return s.forwardTimeToLive(ctx, r)
	}
	if err != nil {
		return nil, err
	}
	// The lessor knows staged leases; kv shows them once committed.
	if err := s.WaitVisible(ctx); err != nil {
		return nil, err
	}
	le, keys, err := s.kv.LeaseInfo(r.ID)
	if err != nil {
		return nil, err
	}
	resp := &pb.LeaseTimeToLiveResponse{ID: r.ID, GrantedTTL: le.TTL, TTL: int64(math.Ceil(left.Seconds()))}
	if r.Keys {
		resp.Keys = keys
	}
	s.fillHeader(&resp.Header)
	return resp, nil
}

// LeaseLeases lists every lease this member has applied.
func (s *Server) LeaseLeases(ctx context.Context, r *pb.LeaseLeasesRequest) (*pb.LeaseLeasesResponse, error) {
	if err := s.WaitVisible(ctx); err != nil {
		return nil, err
	}
	ls, err := s.kv.Leases()
	if err != nil {
		return nil, err
	}
	resp := &pb.LeaseLeasesResponse{Leases: make([]*pb.LeaseStatus, 0, len(ls))}
	for _, le := range ls {
		resp.Leases = append(resp.Leases, &pb.LeaseStatus{ID: le.ID})
	}
	s.fillHeader(&resp.Header)
	return resp, nil
}

// reloadLeases loads the state machine's leases into the lessor.
func (s *Server) reloadLeases() error {
	ls, err := s.kv.Leases()
	if err != nil {
		return err
	}
	s.lessor.reload(ls, time.Now())
	return nil
}
