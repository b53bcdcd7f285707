package tracker

import (
	"fmt"
	"slices"
	"strings"
)

// Progress represents a follower's progress in the view of the leader. Leader
// maintains progresses of all followers, and sends entries to the follower
// based on its progress.
//
// Progress is a state machine, and this comment is its one specification.
// Every change of State goes through a named method below; callers never
// assign State themselves.
//
//	            ack (MaybeUpdate), then BecomeReplicate
//	+------------+ ---------------------------------> +----------------+
//	| StateProbe |                                    | StateReplicate |
//	+------------+ <--------------------------------- +----------------+
//	   |     ^       BecomeProbe: a genuine rejection         |
//	   |     |       (MaybeDecrTo), or unreachable            |
//	   |     |                                                |
//	   |     | BecomeProbe: snapshot applied,                 |
//	   |     | failed, or acked by an append                  |
//	   v     |                                                |
//	+---------------+          BecomeSnapshot(i)              |
//	| StateSnapshot | <---------------------------------------+
//	+---------------+
//
// BecomeSnapshot is taken from either other state once entry Next-1 has been
// compacted away, so that appends can no longer catch the follower up.
//
// Invariants, checked by the tests after every operation:
//
//   - Always 0 <= Match < Next: Match is acknowledged, Next is not, and
//     entries in (Match, Next) were sent but are not acknowledged yet.
//   - StateProbe: nothing in Inflights and PendingSnapshot == 0. At most one
//     MsgApp is in flight: sending entries sets MsgAppFlowPaused until an
//     answer (ack, rejection, heartbeat response) clears it.
//   - StateReplicate: PendingSnapshot == 0. Next advances optimistically past
//     each sent append; every message in Inflights ends in (Match, Next),
//     and once Inflights is Full the flow pauses.
//   - StateSnapshot: Next > PendingSnapshot, nothing in Inflights, and no
//     append is sent (IsPaused is always true).
//   - Every transition empties Inflights, including its byte count.
type Progress struct {
	// Match is the index up to which the follower's log is known to match the
	// leader's.
	Match uint64
	// Next is the log index of the next entry to send to this follower. All
	// entries with indices in (Match, Next) interval are already in flight.
	//
	// Invariant: 0 <= Match < Next.
	Next uint64

	// sentCommit is the highest commit index the follower has been told of.
	// It lets the leader skip telling it again.
	sentCommit uint64

	// State defines how the leader should interact with the follower; see
	// the type's comment.
	State StateType

	// PendingSnapshot is the index of the snapshot sent to the follower while
	// in StateSnapshot, and 0 otherwise. Replication resumes once an ack
	// shows the follower reconnected to the leader's log, whatever snapshot
	// it actually applied (an application may send snapshots by other means,
	// at another index). ReportSnapshot moves the follower to StateProbe,
	// probing from PendingSnapshot+1 if the snapshot succeeded.
	PendingSnapshot uint64

	// RecentActive is true if the progress is recently active. Receiving any
	// messages from the corresponding follower indicates the progress is
	// active. RecentActive can be reset to false after an election timeout.
	// This is always true on the leader.
	RecentActive bool

	// MsgAppFlowPaused is true while the MsgApp flow to the follower is
	// throttled: in StateProbe after sending entries, in StateReplicate once
	// Inflights is Full. A heartbeat response clears it so that one more
	// append gets through, which guarantees progress even if earlier appends
	// were lost. See IsPaused.
	MsgAppFlowPaused bool

	// Inflights is the sliding window of appends sent but not yet
	// acknowledged, one entry per MsgApp holding the index of its last entry.
	// When it is Full no more appends are sent.
	Inflights *Inflights

	// IsLearner is true if this progress is tracked for a learner.
	IsLearner bool
}

// ResetState moves the Progress into the specified State, resetting
// MsgAppFlowPaused, PendingSnapshot, and Inflights.
func (pr *Progress) ResetState(state StateType) {
	pr.MsgAppFlowPaused = false
	pr.PendingSnapshot = 0
	pr.State = state
	pr.Inflights.reset()
}

// BecomeProbe transitions into StateProbe. Next is reset to Match+1 or,
// optionally and if larger, the index of the pending snapshot.
func (pr *Progress) BecomeProbe() {
	next := pr.Match + 1
	if pr.State == StateSnapshot {
		// A snapshot reported as applied lets probing start right after it.
		// After a failure the caller clears PendingSnapshot first.
		next = max(next, pr.PendingSnapshot+1)
	}
	pr.ResetState(StateProbe)
	pr.Next = next
	pr.sentCommit = min(pr.sentCommit, pr.Next-1)
}

// BecomeReplicate transitions into StateReplicate, resetting Next to Match+1.
func (pr *Progress) BecomeReplicate() {
	pr.ResetState(StateReplicate)
	pr.Next = pr.Match + 1
}

// BecomeSnapshot moves the Progress to StateSnapshot with the specified
// pending snapshot index.
func (pr *Progress) BecomeSnapshot(snapshoti uint64) {
	pr.ResetState(StateSnapshot)
	pr.PendingSnapshot = snapshoti
	// max keeps Match < Next even if the snapshot is older than Match.
	pr.Next = max(pr.Match, snapshoti) + 1
	// The snapshot carries its index as the commit index.
	pr.sentCommit = snapshoti
}

// SentEntries updates the progress on the given number of consecutive entries
// being sent in a MsgApp, with the given total bytes size, appended at log
// indices >= pr.Next.
//
// Must be used with StateProbe or StateReplicate.
func (pr *Progress) SentEntries(entries int, bytes uint64) {
	switch pr.State {
	case StateReplicate:
		if entries > 0 {
			pr.Next += uint64(entries)
			pr.Inflights.Add(pr.Next-1, bytes)
		}
		pr.MsgAppFlowPaused = pr.Inflights.Full()
	case StateProbe:
		// One probe at a time: wait for its answer before sending another.
		if entries > 0 {
			pr.MsgAppFlowPaused = true
		}
	default:
		panic(fmt.Sprintf("tracker: SentEntries in %s: appends must not be sent to a paused follower", pr.State))
	}
}

// CanBumpCommit returns true if sending the given commit index can potentially
// advance the follower's commit index.
func (pr *Progress) CanBumpCommit(index uint64) bool {
	// The follower can only commit entries it has been sent, so a commit
	// index past Next-1 is no news once Next-1 was sent.
	return index > pr.sentCommit && pr.sentCommit < pr.Next-1
}

// SentCommit updates the sentCommit.
func (pr *Progress) SentCommit(commit uint64) {
	pr.sentCommit = commit
}

// MaybeUpdate is called when an MsgAppResp arrives from the follower, with the
// index acked by it. The method returns false if the given n index comes from
// an outdated message. Otherwise it updates the progress, frees the
// acknowledged Inflights, and returns true.
func (pr *Progress) MaybeUpdate(n uint64) bool {
	if n <= pr.Match {
		return false
	}
	pr.Match = n
	pr.Next = max(pr.Next, n+1)
	pr.Inflights.FreeLE(n)
	pr.MsgAppFlowPaused = false
	return true
}

// MaybeDecrTo adjusts the Progress to the receipt of a MsgApp rejection.
// The arguments are the index of the append message rejected by the follower,
// and the hint that we want to decrease to.
//
// Rejections can happen spuriously as messages are sent out of order or
// duplicated. In such cases, the rejection pertains to an index that the
// Progress already knows were previously acknowledged, or to an append the
// leader is no longer waiting for, and false is returned without changing
// the Progress.
//
// If the rejection is genuine, Next is lowered sensibly, and the Progress is
// cleared for sending log entries: a follower in StateReplicate falls back
// to StateProbe.
func (pr *Progress) MaybeDecrTo(rejected, matchHint uint64) bool {
	if rejected <= pr.Match {
		return false // the follower already acknowledged this index
	}
	switch pr.State {
	case StateReplicate:
		// Any append in flight may have been rejected for the same reason, so
		// restart from the last known match, one probe at a time.
		pr.BecomeProbe()
		return true
	case StateProbe:
		if rejected != pr.Next-1 {
			return false // not the probe currently outstanding
		}
		// Probe at the hint, but never below Match+1 nor at or above the
		// rejected index. Written to avoid overflowing matchHint+1.
		next := rejected
		if matchHint < rejected {
			next = matchHint + 1
		}
		pr.Next = max(next, pr.Match+1)
		pr.sentCommit = min(pr.sentCommit, pr.Next-1)
		pr.MsgAppFlowPaused = false
		return true
	default:
		// No append is sent in StateSnapshot, so the rejection answers an
		// append from before the snapshot was needed.
		return false
	}
}

// IsPaused returns whether sending log entries to this node has been
// throttled. This is done when a node has rejected recent MsgApps, is
// currently waiting for a snapshot, or has reached the MaxInflightMsgs limit.
// In normal operation, this is false. A throttled node will be contacted
// less frequently until it has reached a state in which it's able to accept a
// steady stream of log entries again.
func (pr *Progress) IsPaused() bool {
	switch pr.State {
	case StateProbe, StateReplicate:
		return pr.MsgAppFlowPaused
	default:
		// StateSnapshot, or a State that no transition produces: send nothing.
		return true
	}
}

// String renders the Progress on one line, e.g.
// "StateReplicate match=5 next=8 paused inflight=2[full]".
func (pr *Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s match=%d next=%d", pr.State, pr.Match, pr.Next)
	if pr.IsLearner {
		b.WriteString(" learner")
	}
	if pr.IsPaused() {
		b.WriteString(" paused")
	}
	if pr.PendingSnapshot > 0 {
		fmt.Fprintf(&b, " pendingSnap=%d", pr.PendingSnapshot)
	}
	if !pr.RecentActive {
		b.WriteString(" inactive")
	}
	if n := pr.Inflights.Count(); n > 0 {
		fmt.Fprintf(&b, " inflight=%d", n)
		if pr.Inflights.Full() {
			b.WriteString("[full]")
		}
	}
	return b.String()
}

// ProgressMap is a map of *Progress.
type ProgressMap map[uint64]*Progress

// String prints the ProgressMap in sorted key order, one Progress per line.
func (m ProgressMap) String() string {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%d: %s\n", id, m[id])
	}
	return b.String()
}
