package raft

import (
	"fmt"
	"slices"
	"strings"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// Status is a node's state and, on the leader, its view of every peer.
type Status struct {
	BasicStatus
	Config   tracker.Config
	Progress map[uint64]tracker.Progress
}

// BasicStatus is the part of Status that is cheap to get: it does not
// allocate.
type BasicStatus struct {
	ID uint64

	pb.HardState
	SoftState

	Applied uint64

	LeadTransferee uint64
}

func getBasicStatus(r *raft) BasicStatus {
	return BasicStatus{
		ID:             r.id,
		HardState:      r.hardState(),
		SoftState:      r.softState(),
		Applied:        r.raftLog.applied,
		LeadTransferee: r.leadTransferee,
	}
}

func getStatus(r *raft) Status {
	s := Status{BasicStatus: getBasicStatus(r), Config: r.config()}
	if s.RaftState == StateLeader {
		s.Progress = make(map[uint64]tracker.Progress, len(r.trk.Progress))
		r.trk.Visit(func(id uint64, pr *tracker.Progress) {
			p := *pr
			p.Inflights = pr.Inflights.Clone()
			if p.Inflights == nil {
				// The leader keeps no window for itself; v3.6 shows an
				// empty one for every peer.
				p.Inflights = tracker.NewInflights(r.cfg.MaxInflightMsgs, r.cfg.MaxInflightBytes)
			}
			s.Progress[id] = p
		})
	}
	return s
}

// MarshalJSON renders the status as v3.6 does: ids in hex, progress by
// peer (in ascending id order here, so the output is stable).
func (s Status) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"id":"%x","term":%d,"vote":"%x","commit":%d,"lead":"%x","raftState":%q,"applied":%d,"progress":{`,
		s.ID, s.Term, s.Vote, s.Commit, s.Lead, s.RaftState, s.Applied)
	for i, id := range sortedIDs(s.Progress) {
		if i > 0 {
			b.WriteByte(',')
		}
		p := s.Progress[id]
		fmt.Fprintf(&b, `"%x":{"match":%d,"next":%d,"state":%q}`, id, p.Match, p.Next, p.State)
	}
	fmt.Fprintf(&b, `},"leadtransferee":"%x"}`, s.LeadTransferee)
	return []byte(b.String()), nil
}

func (s Status) String() string {
	b, _ := s.MarshalJSON() // never fails
	return string(b)
}

func sortedIDs(m map[uint64]tracker.Progress) []uint64 {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
