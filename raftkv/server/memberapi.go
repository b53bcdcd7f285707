package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// MemberList lists the members this member knows: voters and learners of
// its applied configuration, with their peer URLs.
func (s *Server) MemberList(_ context.Context, _ *pb.MemberListRequest) (*pb.MemberListResponse, error) {
	resp := &pb.MemberListResponse{Members: s.memberProtos()}
	s.fillHeader(&resp.Header)
	return resp, nil
}

func (s *Server) memberProtos() []*pb.Member {
	st := s.status.Load()
	table := s.members.snapshot()
	var out []*pb.Member
	add := func(ids []uint64, learner bool) {
		for _, id := range ids {
			m := &pb.Member{ID: id, Name: fmt.Sprintf("%x", id), IsLearner: learner}
			if a := table[id].Peer; a != "" {
				m.PeerURLs = []string{"http://" + a}
			}
			if a := table[id].Client; a != "" {
				m.ClientURLs = []string{s.clientScheme() + a}
			}
			out = append(out, m)
		}
	}
	add(st.Voters, false)
	add(st.Learners, true)
	slices.SortFunc(out, func(a, b *pb.Member) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// clientScheme prefixes client addresses in member lists.
func (s *Server) clientScheme() string {
	if s.cfg.ClientTLS != nil {
		return "https://"
	}
	return "http://"
}

// MemberAdd adds a member at the request's one peer URL, with a fresh
// random id. The new member is then started with that id and Join. A
// follower forwards the call to the leader (memberforward.go).
func (s *Server) MemberAdd(ctx context.Context, r *pb.MemberAddRequest) (*pb.MemberAddResponse, error) {
	fresp, fwd, err := forwardMember(s, ctx, func(c pb.ClusterClient, ctx context.Context) (*pb.MemberAddResponse, error) {
		return c.MemberAdd(ctx, r)
	})
	if fwd {
		if err == nil && fresp.Member != nil {
			s.awaitMember(ctx, fresp.Member.ID, true)
		}
		return fresp, err
	}
	if len(r.PeerURLs) != 1 {
		return nil, fmt.Errorf("%w: exactly one peer URL is needed, got %d", ErrBadMember, len(r.PeerURLs))
	}
	addr, err := peerAddr(r.PeerURLs[0])
	if err != nil {
		return nil, err
	}
	var b [8]byte
	var id uint64
	for id == 0 {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		id = binary.LittleEndian.Uint64(b[:])
	}
	if err := s.AddMember(ctx, id, addr, r.IsLearner); err != nil {
		return nil, err
	}
	resp := &pb.MemberAddResponse{
		Member:  &pb.Member{ID: id, Name: fmt.Sprintf("%x", id), PeerURLs: []string{"http://" + addr}, IsLearner: r.IsLearner},
		Members: s.memberProtos(),
	}
	s.fillHeader(&resp.Header)
	return resp, nil
}

// peerAddr accepts "host:port" or a URL with one.
func peerAddr(u string) (string, error) {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		u = p.Host
	}
	if _, _, err := net.SplitHostPort(u); err != nil {
		return "", fmt.Errorf("%w: peer URL %q has no host:port: %v", ErrBadMember, u, err)
	}
	return u, nil
}

// AddMember adds member id at peer address addr (as a learner if asked)
// and returns once the change is applied here.
func (s *Server) AddMember(ctx context.Context, id uint64, addr string, learner bool) error {
	if id == 0 {
		return fmt.Errorf("%w: member id 0", ErrBadMember)
	}
	typ := raftpb.ConfChangeAddNode
	if learner {
		typ = raftpb.ConfChangeAddLearnerNode
	}
	return s.changeMembers(ctx, raftpb.ConfChangeSingle{Type: typ, NodeID: id}, addr)
}

// MemberRemove removes a member. A follower forwards the call to the
// leader.
func (s *Server) MemberRemove(ctx context.Context, r *pb.MemberRemoveRequest) (*pb.MemberRemoveResponse, error) {
	fresp, fwd, err := forwardMember(s, ctx, func(c pb.ClusterClient, ctx context.Context) (*pb.MemberRemoveResponse, error) {
		return c.MemberRemove(ctx, r)
	})
	if fwd {
		if err == nil {
			s.awaitMember(ctx, r.ID, false)
		}
		return fresp, err
	}
	if !isMember(s.confState(), r.ID) {
		return nil, fmt.Errorf("%w: %x", ErrUnknownMember, r.ID)
	}
	if err := s.changeMembers(ctx, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeRemoveNode, NodeID: r.ID}, ""); err != nil {
		return nil, err
	}
	resp := &pb.MemberRemoveResponse{Members: s.memberProtos()}
	s.fillHeader(&resp.Header)
	return resp, nil
}

func (s *Server) confState() raftpb.ConfState {
	st := s.status.Load()
	return raftpb.ConfState{Voters: st.Voters, Learners: st.Learners}
}

// changeMembers proposes one conf change and waits until it is applied
// here. On the leader, a change proposed while another is unapplied ends
// at once with ErrConfChangePending. A change a follower proposes through
// raft (the leader published no client address) that the leader refuses
// becomes an empty entry, and this call ends with ErrTimeout.
func (s *Server) changeMembers(ctx context.Context, ch raftpb.ConfChangeSingle, addr string) error {
	id := s.nextRequestID()
	cctx, err := json.Marshal(kv.ConfChangeContext{Req: id, Addr: addr})
	if err != nil {
		return err
	}
	req := confRequest{id: id, cc: raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{ch}, Context: cctx}}
	_, err = s.submit(ctx, id, func(ctx context.Context) error {
		return enqueue(s, ctx, s.confc, req)
	})
	return err
}
