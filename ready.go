package raft

import (
	pb "github.com/tickraft/raft/raftpb"
)

// storageWork is what the node wants written and applied now, before it is
// presented as a Ready (synchronous) or as MsgStorage* messages
// (AsyncStorageWrites).
type storageWork struct {
	hardState   pb.HardState // empty if unchanged
	entries     []pb.Entry
	snapshot    *pb.Snapshot
	mark        logMark // the log's end once entries and snapshot are written
	afterAppend []pb.Message
	committed   []pb.Entry
	// msgs and after are raft's two queues' arrays once the Ready has
	// taken its messages, for the next messages (see msgchunk.go); unused
	// with ReuseReadyBuffers.
	msgs, after queueRoom
}

// needsWrite reports whether anything must go through the append path.
func (w *storageWork) needsWrite() bool {
	return !IsEmptyHardState(w.hardState) || len(w.entries) > 0 || w.snapshot != nil || len(w.afterAppend) > 0
}

// writesLog reports whether the write changes the log and so must be
// acknowledged with its mark.
func (w *storageWork) writesLog() bool { return len(w.entries) > 0 || w.snapshot != nil }

// nextWork gathers the pending work into the zero w without marking it
// handed out. It fills w in place: the struct is large enough that
// returning it by value showed in profiles.
func (rn *RawNode) nextWork(w *storageWork) error {
	r := rn.raft
	w.entries = r.raftLog.unstable.nextEntries()
	w.snapshot = r.raftLog.unstable.nextSnapshot()
	w.mark = r.raftLog.unstable.mark()
	w.afterAppend = r.msgsAfterAppend
	if hs := r.hardState(); hs != rn.prevHardSt {
		w.hardState = hs
	}
	ents, err := r.raftLog.nextCommittedEnts(!rn.asyncStorageWrites)
	w.committed = ents
	return err
}

// hasWork reports whether Ready would return anything.
func (rn *RawNode) hasWork() bool {
	r := rn.raft
	ss := r.softState()
	switch {
	case !ss.equal(&rn.prevSoftSt),
		r.hardState() != rn.prevHardSt,
		len(r.msgs) > 0, len(r.msgsAfterAppend) > 0, len(r.readStates) > 0,
		r.raftLog.unstable.nextSnapshot() != nil,
		len(r.raftLog.unstable.nextEntries()) > 0:
		return true
	}
	return r.raftLog.hasNextCommittedEnts(!rn.asyncStorageWrites)
}

// accept marks the work as handed out: its entries are being written and
// its committed entries applied.
func (rn *RawNode) accept(w *storageWork) {
	r := rn.raft
	r.msgs, r.msgsAfterAppend, r.readStates = nil, nil, nil
	if rn.bufs != nil {
		rn.bufs.refill(r)
	} else {
		rn.setQueues(w.msgs, w.after)
	}
	rn.prevSoftSt = r.softState()
	if !IsEmptyHardState(w.hardState) {
		rn.prevHardSt = w.hardState
	}
	r.raftLog.unstable.acceptInProgress()
	if n := len(w.committed); n > 0 {
		var size entryEncodingSize
		for i := range w.committed {
			size += entrySize(&w.committed[i])
		}
		r.raftLog.acceptApplying(w.committed[n-1].Index, size)
		if !rn.asyncStorageWrites {
			rn.acks.committedSize = size // saves Advance computing it again
		}
		if r.state == StateLeader {
			r.reduceUncommittedSize(payloadSize(w.committed))
		}
	}
}

// describeWork fills the Ready fields that describe the work. In the
// synchronous mode the application acts on them; with AsyncStorageWrites
// they only inform (for logging and metrics, as in v3.6), and the
// MsgStorage* messages carry the same work.
func (rn *RawNode) describeWork(w *storageWork, rd *Ready) {
	rd.HardState = w.hardState
	rd.Entries = w.entries
	if w.snapshot != nil {
		rd.Snapshot = *w.snapshot
	}
	rd.CommittedEntries = w.committed
	rd.MustSync = MustSync(rn.raft.hardState(), rn.prevHardSt, len(w.entries))
}

// syncReady presents work as the synchronous Ready; Advance steps the
// acknowledgements it records.
func (rn *RawNode) syncReady(w *storageWork, rd *Ready) {
	r := rn.raft
	rn.flushAcks()
	rn.describeWork(w, rd)
	msgs, after := r.msgs, w.afterAppend
	out := rn.sendAfterAppend(msgs, after)
	if rn.bufs != nil {
		rn.bufs.keep(msgs, after, out)
		rd.Messages = out
	} else {
		if len(out) > 0 && (len(after) == 0 || &out[0] != &after[0]) {
			msgs = out // msgs's array, or its copy, with after's messages appended
		}
		w.msgs, w.after = filled(msgs), filled(after)
		if len(out) > 0 {
			rn.countReady()
		}
		// The queues go on past out: nothing may append into it.
		rd.Messages = out[:len(out):len(out)]
	}
	rn.acks = pendingAcks{snap: w.snapshot, committed: w.committed}
	if w.writesLog() {
		rn.acks.mark = w.mark
	}
}

// pendingAcks records the acknowledgements of a synchronous Ready. Advance
// builds the write's (storageAppendAck) on its stack and hands it to its
// handler, as AsyncStorageWrites delivers it but without copying it
// through the heap or past stepMsg's checks, which trusted
// acknowledgements without a term would pass; the applied entries go to
// appliedEntries with the size accept computed.
type pendingAcks struct {
	mark          logMark // zero unless the Ready wrote the log
	snap          *pb.Snapshot
	committed     []pb.Entry // handed out for applying
	committedSize entryEncodingSize
}

// wrote reports whether the Ready wrote the log, so that mark and snap
// must be acknowledged. A written log ends past index 0, or a snapshot
// was written.
func (a *pendingAcks) wrote() bool { return a.mark.index > 0 || a.snap != nil }

// step acknowledges the recorded write, then the applied entries, and
// clears the record.
func (a *pendingAcks) step(r *raft) {
	if a.wrote() {
		m := r.storageAppendAck(a.mark, a.snap)
		r.handleStorageAppendResp(&m)
	}
	if n := len(a.committed); n > 0 {
		r.appliedEntries(a.committed[n-1].Index, a.committedSize)
	}
	*a = pendingAcks{}
}

// flushAcks moves the acknowledgements of a Ready not yet advanced into
// stepsOnAdvance, ahead of the next Ready's, so that Advance steps both in
// order.
func (rn *RawNode) flushAcks() {
	a := &rn.acks
	if a.wrote() {
		rn.stepsOnAdvance = append(rn.stepsOnAdvance, rn.raft.storageAppendAck(a.mark, a.snap))
	}
	if len(a.committed) > 0 {
		rn.stepsOnAdvance = append(rn.stepsOnAdvance, rn.raft.storageApplyAck(a.committed))
	}
	*a = pendingAcks{}
}

// sendAfterAppend returns msgs followed by the messages that wait for the
// write: the application persists before it sends. Those addressed to this
// node (a candidate's own vote) are stepped by Advance instead, once the
// write is durable.
func (rn *RawNode) sendAfterAppend(msgs, after []pb.Message) []pb.Message {
	self := 0
	for i := range after {
		if after[i].To == rn.raft.id {
			self++
		}
	}
	if self == 0 {
		if len(msgs) == 0 {
			return after // no copy: the common follower Ready
		}
		return append(msgs, after...)
	}
	for _, m := range after {
		if m.To == rn.raft.id {
			rn.stepsOnAdvance = append(rn.stepsOnAdvance, m)
		} else {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// asyncReady presents work as MsgStorageAppend and MsgStorageApply messages
// whose responses carry the same acknowledgements. The storage messages
// and their responses go into raft's queues' arrays, after the messages
// raft queued, so that a busy node's chunks hold them too (msgchunk.go);
// every slice handed out is a full slice expression.
func (rn *RawNode) asyncReady(w *storageWork, rd *Ready) {
	r := rn.raft
	rn.describeWork(w, rd)
	msgs, after := r.msgs, w.afterAppend
	appendAt, applyAt := -1, -1
	if w.needsWrite() {
		appendAt = len(msgs)
		m := pb.Message{Type: pb.MsgStorageAppend, To: LocalAppendThread, From: r.id,
			Entries: w.entries, Snapshot: w.snapshot}
		if !IsEmptyHardState(w.hardState) {
			m.Term, m.Vote, m.Commit = w.hardState.Term, w.hardState.Vote, w.hardState.Commit
		}
		msgs = append(msgs, m)
	}
	if len(w.committed) > 0 {
		applyAt = len(msgs)
		msgs = append(msgs, pb.Message{Type: pb.MsgStorageApply, To: LocalApplyThread, From: r.id,
			Entries: w.committed})
	}
	n := len(msgs)
	if appendAt >= 0 {
		if w.writesLog() {
			after = append(after, r.storageAppendAck(w.mark, w.snapshot))
		}
		if len(after) > 0 {
			msgs[appendAt].Responses = after[:len(after):len(after)]
		}
	}
	if applyAt >= 0 {
		msgs = append(msgs, r.storageApplyAck(w.committed))
		msgs[applyAt].Responses = msgs[len(msgs)-1 : len(msgs) : len(msgs)]
	}
	w.msgs, w.after = filled(msgs), filled(after)
	if n > 0 {
		rn.countReady()
	}
	rd.Messages = msgs[:n:n]
}

// readyBuffers recycles the arrays behind Ready.Messages under
// Config.ReuseReadyBuffers. Two pairs of arrays take turns: while the
// application holds one Ready's (handed), raft queues into the other
// (spare), so that messages queued between Ready and Advance (a Node's
// steady state) do not allocate either. Advance frees the handed pair,
// which is what makes Messages valid only until then.
type readyBuffers struct {
	handedMsgs  []pb.Message // raft.msgs's array, grown to hold Messages if it did
	handedAfter []pb.Message // raft.msgsAfterAppend's array
	spareMsgs   []pb.Message // empty
	spareAfter  []pb.Message // empty
	// ents is the unstable log's entries array from its start, once
	// adopted by rewindLog; nil if the log has none worth keeping.
	ents []pb.Entry
}

// maxRewoundEntries bounds the entries array rewindLog keeps: a longer one
// was grown by a burst, and shrink or the tick lets it go.
const maxRewoundEntries = 256

// rewindLog moves the unstable log's appends back to the start of its
// array once the log has drained, instead of letting them run to its end
// and allocate a new one. Called by Advance after the acknowledgements:
// every slice of the array handed out in a Ready (Entries,
// CommittedEntries, messages' entries) is then out of date, and the check
// below makes sure that raft itself holds none, so nothing that may still
// be read is overwritten.
func (b *readyBuffers) rewindLog(r *raft) {
	u := &r.raftLog.unstable
	if len(u.entries) > 0 || len(u.durable) > 0 || carriesEntries(r.msgs) || carriesEntries(r.msgsAfterAppend) {
		return
	}
	switch c := cap(u.entries); {
	case c == 0 || c > maxRewoundEntries:
		b.ents = nil // released by a tick, or too large to keep
	case sameArrayEnd(u.entries, b.ents):
		u.entries, u.durable = b.ents[:0], nil
	default:
		// A new array: its start is behind us, but the free room from
		// here on can be rewound to from now on.
		b.ents = u.entries[:0:c]
	}
}

// carriesEntries reports whether any of msgs carries entries.
func carriesEntries(msgs []pb.Message) bool {
	for i := range msgs {
		if len(msgs[i].Entries) > 0 {
			return true
		}
	}
	return false
}

// sameArrayEnd reports whether a and b reach the same last element of one
// array. Slices of the unstable log's array always reach its end.
func sameArrayEnd(a, b []pb.Entry) bool {
	ca, cb := cap(a), cap(b)
	return ca > 0 && cb > 0 && &a[:ca][ca-1] == &b[:cb][cb-1]
}

// keep records the arrays of a Ready whose Messages out was built from
// msgs and after by sendAfterAppend.
func (b *readyBuffers) keep(msgs, after, out []pb.Message) {
	// An empty out may still be after's array (sendAfterAppend returns an
	// empty after as is): handing that array out twice would give it to
	// both of raft's queues at Advance.
	if len(out) == 0 || (len(after) > 0 && &out[0] == &after[0]) {
		out = msgs // Messages is after's array, or empty
	}
	b.handedMsgs, b.handedAfter = out, after
}

// refill gives raft the spare arrays once a Ready has taken its own.
func (b *readyBuffers) refill(r *raft) {
	r.msgs, r.msgsAfterAppend = b.spareMsgs, b.spareAfter
	b.spareMsgs, b.spareAfter = nil, nil
}

// recycle empties the handed arrays and gives them to raft if it has none,
// else keeps them as spares. Clearing drops the references to entries and
// snapshots.
func (b *readyBuffers) recycle(r *raft) {
	clear(b.handedMsgs)
	clear(b.handedAfter)
	r.msgs, b.spareMsgs = freed(r.msgs, b.handedMsgs)
	r.msgsAfterAppend, b.spareAfter = freed(r.msgsAfterAppend, b.handedAfter)
	b.handedMsgs, b.handedAfter = nil, nil
}

// freed returns what raft queues into and the spare, given raft's current
// array and an emptied one.
func freed(cur, empty []pb.Message) (queue, spare []pb.Message) {
	if cap(cur) == 0 {
		return empty[:0], nil
	}
	return cur, empty[:0]
}
