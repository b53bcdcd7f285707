package raft

import (
	pb "github.com/tickraft/raft/raftpb"
)

// handleAppendEntries writes a leader's entries into a follower's log. The
// acknowledgement is sent only once the write is durable.
//
// A rejection hints where to resume: the follower's last index at or below
// the probed one whose term is at most the probe's LogTerm. With
//
//	leader   [1 1 1 4 4 5 5 6 6 6]   probes at 10 (term 6)
//	follower [1 1 1 2 2 2 3 3 3 3 3] rejects with hint 10, term 3
//
// the leader skips to its last entry of term <= 3 (index 3) at once.
func (r *raft) handleAppendEntries(m *pb.Message) {
	s := logSlice{term: m.Term, prev: entryID{term: m.LogTerm, index: m.Index}, entries: m.Entries}
	if s.prev.index < r.raftLog.committed {
		// Everything up to our commit index matches any leader's log.
		r.send(&pb.Message{To: m.From, Type: pb.MsgAppResp, Index: r.raftLog.committed})
		return
	}
	ok, err := r.raftLog.maybeAppend(s)
	if err != nil {
		r.logger.Errorf("%x dropped MsgApp from %x: %v", r.id, m.From, err)
		return
	}
	if ok {
		r.raftLog.commitTo(min(m.Commit, s.lastIndex()))
		r.send(&pb.Message{To: m.From, Type: pb.MsgAppResp, Index: s.lastIndex()})
		return
	}
	hint, hintTerm := r.findConflictByTerm(min(m.Index, r.raftLog.lastIndex()), m.LogTerm)
	r.logger.Debugf("%x rejected MsgApp [logterm: %d, index: %d] from %x", r.id, m.LogTerm, m.Index, m.From)
	r.send(&pb.Message{To: m.From, Type: pb.MsgAppResp, Index: m.Index, Reject: true, RejectHint: hint, LogTerm: hintTerm})
}

// handleHeartbeat advances the commit index if the log was written by this
// leader (then all of it is a prefix of the leader's log), and answers with
// the heartbeat's context, which carries the leader's read sequence.
func (r *raft) handleHeartbeat(m *pb.Message) {
	if r.raftLog.accTerm() == m.Term {
		r.raftLog.commitTo(min(m.Commit, r.raftLog.lastIndex()))
	}
	r.send(&pb.Message{To: m.From, Type: pb.MsgHeartbeatResp, Context: m.Context})
}

// handleSnapshot installs a leader's snapshot and acknowledges the log's new
// end, or acknowledges the commit index if the snapshot is not needed.
func (r *raft) handleSnapshot(m *pb.Message) {
	md := m.Snapshot.Metadata
	if r.restore(*m.Snapshot) {
		r.logger.Infof("%x [commit: %d] restored snapshot [index: %d, term: %d]", r.id, r.raftLog.committed, md.Index, md.Term)
		r.send(&pb.Message{To: m.From, Type: pb.MsgAppResp, Index: r.raftLog.lastIndex()})
		return
	}
	r.logger.Infof("%x [commit: %d] ignored snapshot [index: %d, term: %d]", r.id, r.raftLog.committed, md.Index, md.Term)
	r.send(&pb.Message{To: m.From, Type: pb.MsgAppResp, Index: r.raftLog.committed})
}

// restore replaces the log and configuration with a snapshot's. It refuses
// a snapshot that is not newer than the commit index, and one whose
// configuration does not include this node (in either half of a joint
// configuration, or as a learner). If the log already holds the snapshot's
// last entry, it only fast-forwards the commit index.
func (r *raft) restore(s pb.Snapshot) bool {
	md := s.Metadata
	if md.Index <= r.raftLog.committed {
		return false
	}
	if !confStateHas(md.ConfState, r.id) {
		r.logger.Warningf("%x attempted to restore snapshot but it is not in the ConfState %v; should never happen", r.id, md.ConfState)
		return false
	}
	if r.raftLog.matchTerm(entryID{term: md.Term, index: md.Index}) {
		r.raftLog.commitTo(md.Index)
		return false
	}
	cfg, prs, err := r.restoreConfig(md.ConfState, md.Index)
	if err != nil {
		r.logger.Errorf("%x refused a snapshot with an invalid configuration: %v", r.id, err)
		return false
	}
	r.raftLog.restore(&s, r.term)
	r.switchToConfig(cfg, prs)
	return true
}

func confStateHas(cs pb.ConfState, id uint64) bool {
	for _, set := range [][]uint64{cs.Voters, cs.Learners, cs.VotersOutgoing} {
		for _, v := range set {
			if v == id {
				return true
			}
		}
	}
	return false
}
