package server

import (
	"fmt"

	"github.com/tickraft/raft/raftpb"
)

// A write waits for its entry to be applied. When the leader it was
// proposed to dies or steps down, the entry may be lost, and without more
// the client would wait out its whole deadline. The member ends such
// writes as soon as it knows they can never be applied:
//
//   - Every proposal is tagged with the term it was proposed in. On the
//     leader that is the term of the entry raft appends. A follower
//     forwards it to the leader of that term, and stamps the forwarded
//     MsgProp with the term (raft leaves it 0); the receiving member steps
//     it only if it is still in that term, so a proposal delayed past an
//     election is dropped instead of being appended by a later leader.
//   - So a proposal of term T can only become an entry of term T. Terms
//     never decrease along the log, so once this member has applied an
//     entry of a term above T, every entry of term T it will ever apply is
//     applied. A request proposed in T still waiting then was lost: it
//     ends with ErrLeaderChanged, and a retry cannot apply it twice.
//   - A snapshot skips entries without applying them one by one: requests
//     proposed before the snapshot's term may be inside it, so they end
//     with an unknown outcome (ErrTimeout) rather than wait.
//
// A member of an older raftkv sends unstamped proposals; they are stepped
// as before. An older member refuses stamped ones (raft rejects a MsgProp
// with a term), so during a rolling upgrade a follower's write may time out.

// errSnapshotUnknown ends requests a snapshot may have applied unseen.
var errSnapshotUnknown = fmt.Errorf("%w (a snapshot was installed, which may hold it)", ErrTimeout)

// stampProposal tags a MsgProp this member forwards with its term.
func stampProposal(m *raftpb.Message, term uint64) {
	if m.Type == raftpb.MsgProp && m.Term == 0 {
		m.Term = term
	}
}

// acceptProposal checks a forwarded MsgProp's stamp against this member's
// term and clears it for raft. It reports false for a proposal forwarded
// in another term: its sender counts it as lost once a later term's entry
// applies.
func acceptProposal(m *raftpb.Message, term uint64) bool {
	if m.Type != raftpb.MsgProp || m.Term == 0 {
		return true
	}
	if m.Term != term {
		return false
	}
	m.Term = 0
	return true
}

// noteAppliedTerm runs after a batch whose last entry has term is applied
// and its results delivered: requests proposed in an earlier term and
// still waiting were lost.
func (s *Server) noteAppliedTerm(term uint64) {
	if term <= s.loop.appliedTerm {
		return
	}
	s.loop.appliedTerm = term
	s.waiters.failBefore(term, ErrLeaderChanged)
}

// noteSnapshot runs when raft hands a snapshot to storage.
func (s *Server) noteSnapshot(meta raftpb.SnapshotMetadata) {
	s.waiters.failBefore(meta.Term, errSnapshotUnknown)
	s.loop.appliedTerm = max(s.loop.appliedTerm, meta.Term)
}
