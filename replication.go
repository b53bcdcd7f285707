package raft

import (
	"errors"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// payloadSize is the size of entries' Data alone, the unit of
// Config.MaxUncommittedEntriesSize (not the encoded size).
func payloadSize(ents []pb.Entry) uint64 {
	var n uint64
	for i := range ents {
		n += uint64(len(ents[i].Data))
	}
	return n
}

// appendEntry appends the leader's new entries, stamping their term and
// index. It refuses them when they would push the uncommitted payload past
// its limit (one batch is always allowed when nothing is uncommitted, so a
// large entry cannot block the log forever). The leader's own copy is
// counted toward commit only once storage acknowledges it.
func (r *raft) appendEntry(es ...pb.Entry) bool {
	size := payloadSize(es)
	if r.uncommittedSize > 0 && size > 0 && r.uncommittedSize+size > r.cfg.MaxUncommittedEntriesSize {
		r.logger.Warningf("%x appending new entries to log would exceed uncommitted entry size limit; dropping proposal", r.id)
		return false
	}
	r.uncommittedSize += size
	last := r.raftLog.lastIndex()
	for i := range es {
		es[i].Term = r.term
		es[i].Index = last + 1 + uint64(i)
	}
	r.raftLog.leaderAppend(es...)
	return true
}

// reduceUncommittedSize releases the budget of entries that committed.
func (r *raft) reduceUncommittedSize(size uint64) {
	r.uncommittedSize -= min(size, r.uncommittedSize)
}

// maxScannedPeers is how many peers selfProgress scans before it hashes.
const maxScannedPeers = 8

// selfProgress returns this node's Progress, nil if it is not a member.
// It runs on each proposal; for the few peers of a typical group,
// comparing ids along r.peers costs less than hashing into trk.Progress.
func (r *raft) selfProgress() *tracker.Progress {
	if len(r.peers) > maxScannedPeers {
		return r.trk.Progress[r.id]
	}
	for i := range r.peers {
		if r.peers[i].id == r.id {
			return r.peers[i].pr
		}
	}
	return nil
}

// handleProposal appends a proposal on the leader.
func (r *raft) handleProposal(m *pb.Message) error {
	if r.selfProgress() == nil {
		return ErrProposalDropped // removed from the configuration
	}
	if r.leadTransferee != None {
		r.logger.Debugf("%x [term %d] transfer leadership to %x is in progress; dropping proposal", r.id, r.term, r.leadTransferee)
		return ErrProposalDropped
	}
	// The entries become the log's, as in v3.6: Step takes ownership of a
	// proposal's entries, whose Term and Index are set here.
	ents := m.Entries
	last := r.raftLog.lastIndex()
	for i := range ents {
		if !isConfChangeEntry(&ents[i]) {
			continue
		}
		if err := r.checkConfChangeProposal(&ents[i]); err != nil {
			r.logger.Infof("%x ignoring conf change at index %d: %v", r.id, last+1+uint64(i), err)
			ents[i] = pb.Entry{Type: pb.EntryNormal}
			continue
		}
		r.pendingConfIndex = last + 1 + uint64(i)
	}
	if !r.appendEntry(ents...) {
		return ErrProposalDropped
	}
	r.bcastAppend()
	return nil
}

// bcastAppend sends what each follower is due: new entries, or an empty
// append carrying a newer commit index.
func (r *raft) bcastAppend() {
	for _, p := range r.peers {
		if p.id != r.id {
			r.maybeSendAppend(p.id, p.pr)
		}
	}
}

// shouldSendAppend reports whether an append is due to a follower. In
// StateReplicate an append without entries still goes out when the commit
// index has news: its acknowledgement frees Inflights, so a full window
// drains even when entries stopped flowing.
func (r *raft) shouldSendAppend(pr *tracker.Progress) bool {
	switch pr.State {
	case tracker.StateProbe:
		return !pr.MsgAppFlowPaused
	case tracker.StateReplicate:
		if pr.Next <= r.raftLog.lastIndex() && !pr.Inflights.Full() {
			return true
		}
		return pr.CanBumpCommit(r.raftLog.committed)
	default:
		return false
	}
}

// maybeSendAppend sends one append to the follower if one is due, or a
// snapshot if the entries it needs are compacted. It reports whether it
// sent anything.
func (r *raft) maybeSendAppend(to uint64, pr *tracker.Progress) bool {
	if !r.shouldSendAppend(pr) {
		return false
	}
	prev := pr.Next - 1
	prevTerm, err := r.raftLog.term(prev)
	if err != nil {
		return r.maybeSendSnapshot(to, pr, err)
	}
	var ents []pb.Entry
	if pr.State != tracker.StateReplicate || !pr.Inflights.Full() {
		ents, err = r.raftLog.entries(pr.Next, entryEncodingSize(r.cfg.MaxSizePerMsg))
		if err != nil {
			return r.maybeSendSnapshot(to, pr, err)
		}
	}
	commit := r.raftLog.committed
	r.send(&pb.Message{To: to, Type: pb.MsgApp, Index: prev, LogTerm: prevTerm, Entries: ents, Commit: commit})
	pr.SentEntries(len(ents), payloadSize(ents))
	pr.SentCommit(commit)
	return true
}

// maybeSendSnapshot sends the latest snapshot to a follower that needs
// compacted entries. err is why the entries could not be read.
func (r *raft) maybeSendSnapshot(to uint64, pr *tracker.Progress, err error) bool {
	if !errors.Is(err, ErrCompacted) {
		r.logger.Errorf("%x cannot read the log for %x: %v", r.id, to, err)
		return false
	}
	if !pr.RecentActive {
		r.logger.Debugf("%x not sending a snapshot to %x: it is not recently active", r.id, to)
		return false
	}
	snap, err := r.raftLog.snapshot()
	if err != nil {
		if !errors.Is(err, ErrSnapshotTemporarilyUnavailable) {
			r.logger.Errorf("%x cannot read the snapshot for %x: %v", r.id, to, err)
		}
		return false
	}
	if snap.Metadata.Index == 0 {
		r.logger.Errorf("%x has compacted entries but no snapshot to send to %x", r.id, to)
		return false
	}
	r.logger.Debugf("%x sending snapshot at %d to %x", r.id, snap.Metadata.Index, to)
	pr.BecomeSnapshot(snap.Metadata.Index)
	r.send(&pb.Message{To: to, Type: pb.MsgSnap, Snapshot: &snap})
	return true
}

// bcastHeartbeat sends heartbeats to every follower, carrying the read
// sequence number and, for a lease leader, the send tick (read.go).
func (r *raft) bcastHeartbeat() {
	ctx := r.heartbeatContext()
	for _, p := range r.peers {
		if p.id == r.id {
			continue
		}
		// The follower may not have the entries up to our commit index;
		// never tell it to commit past what it acknowledged.
		commit := min(p.pr.Match, r.raftLog.committed)
		// Filled in place, as send would stamp it; an idle leader sends
		// nothing else.
		m := r.queueMsg()
		m.Type, m.To, m.From, m.Term, m.Commit, m.Context = pb.MsgHeartbeat, p.id, r.id, r.term, commit, ctx
	}
}

// handleHeartbeatResponse lets a paused follower receive one more append,
// moves a follower probing at the leader's last index to StateReplicate
// (it is reachable and matches everything), and confirms reads.
func (r *raft) handleHeartbeatResponse(m *pb.Message, pr *tracker.Progress) {
	pr.MsgAppFlowPaused = false
	if pr.State == tracker.StateProbe && pr.Match == r.raftLog.lastIndex() {
		pr.BecomeReplicate()
	}
	if pr.Match < r.raftLog.lastIndex() || pr.CanBumpCommit(r.raftLog.committed) {
		if !r.maybeSendAppend(m.From, pr) && pr.State == tracker.StateReplicate {
			r.sendEmptyAppend(m.From, pr)
		}
	}
	r.confirmReads(m)
}

// sendEmptyAppend sends a follower in StateReplicate an append without
// entries at Next-1, which the flow control would not send: appends in
// flight may have been lost. Its acknowledgement frees Inflights (so a full
// window drains), and its rejection sends the follower back to probing.
func (r *raft) sendEmptyAppend(to uint64, pr *tracker.Progress) {
	prev := pr.Next - 1
	prevTerm, err := r.raftLog.term(prev)
	if err != nil {
		r.maybeSendSnapshot(to, pr, err)
		return
	}
	commit := r.raftLog.committed
	r.send(&pb.Message{To: to, Type: pb.MsgApp, Index: prev, LogTerm: prevTerm, Commit: commit})
	pr.SentCommit(commit)
}

// handleAppendResponse processes a follower's acknowledgement or rejection.
func (r *raft) handleAppendResponse(m *pb.Message, pr *tracker.Progress) {
	if m.Reject {
		r.handleAppendRejection(m, pr)
		return
	}
	if m.Index > r.raftLog.lastIndex() {
		r.logger.Warningf("%x dropped an acknowledgement from %x of index %d past the last index %d",
			r.id, m.From, m.Index, r.raftLog.lastIndex())
		return
	}
	if !pr.MaybeUpdate(m.Index) {
		return
	}
	switch {
	case pr.State == tracker.StateProbe:
		pr.BecomeReplicate()
	case pr.State == tracker.StateSnapshot && pr.Match+1 >= r.raftLog.firstIndex():
		// The follower reconnected to the log, whichever snapshot it used.
		pr.BecomeProbe()
		pr.BecomeReplicate()
	}
	if r.maybeCommit() {
		r.bcastAppend()
	} else {
		for r.maybeSendAppend(m.From, pr) {
		}
	}
	if m.From == r.leadTransferee && pr.Match == r.raftLog.lastIndex() {
		r.sendTimeoutNow(m.From)
	}
}

// handleAppendRejection backs off Next using the follower's hint: the
// follower says its log at RejectHint has term LogTerm, so the leader skips
// to its own last entry at or below the hint with a term at most LogTerm,
// crossing a whole diverging term in one round trip.
func (r *raft) handleAppendRejection(m *pb.Message, pr *tracker.Progress) {
	next := m.RejectHint
	if m.LogTerm > 0 {
		next, _ = r.findConflictByTerm(m.RejectHint, m.LogTerm)
	}
	if pr.MaybeDecrTo(m.Index, next) {
		r.maybeSendAppend(m.From, pr)
	}
}

// findConflictByTerm returns the largest index at or below index (clamped
// to the log) whose term is at most term, with that term; it stops at the
// first unknown term (compacted), which is then returned as 0.
func (r *raft) findConflictByTerm(index, term uint64) (uint64, uint64) {
	index = min(index, r.raftLog.lastIndex())
	for ; index > 0; index-- {
		t, err := r.raftLog.term(index)
		if err != nil {
			return index, 0
		}
		if t <= term {
			return index, t
		}
	}
	return 0, 0
}

// maybeCommit raises the commit index to what a quorum acknowledged, if
// that entry is of the leader's term: entries of earlier terms commit only
// indirectly (Raft §5.4.2, Figure 8).
func (r *raft) maybeCommit() bool {
	c := r.committedIndex()
	if c <= r.raftLog.committed {
		return false
	}
	if t, err := r.raftLog.term(c); err != nil || t != r.term {
		return false
	}
	r.raftLog.commitTo(c)
	r.releaseWaitingReads()
	return true
}

// handleSnapStatus ends StateSnapshot when the application reports how
// sending the snapshot went; the follower is then probed, from after the
// snapshot if it arrived. Further appends wait for an answer.
func (r *raft) handleSnapStatus(m *pb.Message, pr *tracker.Progress) {
	if pr.State != tracker.StateSnapshot {
		return
	}
	if m.Reject {
		pr.PendingSnapshot = 0
	}
	pr.BecomeProbe()
	pr.MsgAppFlowPaused = true
}
