package raft

import (
	"fmt"
	"strconv"
	"strings"

	pb "github.com/tickraft/raft/raftpb"
)

// The Describe functions render raft's values as stable, compact text for
// logs, test transcripts and error messages. Their output is v3.6's, word
// for word, because applications' tests and log scrapers depend on it. They
// accept anything a peer can send: malformed conf change data is shown as
// its decoding error instead of being decoded.

// EntryFormatter renders the Data of a normal entry for the Describe
// functions, letting an application show its own commands readably. A nil
// EntryFormatter shows the bytes as a quoted Go string.
type EntryFormatter func([]byte) string

// DescribeHardState renders hs as "Term:2 Vote:1 Commit:5"; Vote is left
// out when no vote is cast.
func DescribeHardState(hs pb.HardState) string {
	b := make([]byte, 0, 48)
	b = appendUintField(b, "Term:", hs.Term)
	if hs.Vote != None {
		b = appendUintField(b, " Vote:", hs.Vote)
	}
	b = appendUintField(b, " Commit:", hs.Commit)
	return string(b)
}

// DescribeSoftState renders ss as "Lead:1 State:StateLeader".
func DescribeSoftState(ss SoftState) string {
	return "Lead:" + strconv.FormatUint(ss.Lead, 10) + " State:" + ss.RaftState.String()
}

// DescribeConfState renders all five parts of cs, empty ones included, as
// "Voters:[1 2] VotersOutgoing:[] Learners:[3] LearnersNext:[] AutoLeave:false".
func DescribeConfState(cs pb.ConfState) string {
	return fmt.Sprintf("Voters:%v VotersOutgoing:%v Learners:%v LearnersNext:%v AutoLeave:%v",
		cs.Voters, cs.VotersOutgoing, cs.Learners, cs.LearnersNext, cs.AutoLeave)
}

// DescribeSnapshot renders the metadata of snap (not its data) as
// "Index:10 Term:2 ConfState:...".
func DescribeSnapshot(snap pb.Snapshot) string {
	m := &snap.Metadata
	return "Index:" + strconv.FormatUint(m.Index, 10) + " Term:" + strconv.FormatUint(m.Term, 10) +
		" ConfState:" + DescribeConfState(m.ConfState)
}

// DescribeReady renders the non-empty parts of rd, one per line or block,
// under a "Ready MustSync=<bool>:" header, or "<empty Ready>" if there are
// none. f renders the data of normal entries.
func DescribeReady(rd Ready, f EntryFormatter) string {
	var b strings.Builder
	if rd.SoftState != nil {
		b.WriteString(DescribeSoftState(*rd.SoftState))
		b.WriteByte('\n')
	}
	if !IsEmptyHardState(rd.HardState) {
		b.WriteString("HardState ")
		b.WriteString(DescribeHardState(rd.HardState))
		b.WriteByte('\n')
	}
	if len(rd.ReadStates) > 0 {
		fmt.Fprintf(&b, "ReadStates %v\n", rd.ReadStates)
	}
	if len(rd.Entries) > 0 {
		b.WriteString("Entries:\n")
		b.WriteString(DescribeEntries(rd.Entries, f))
	}
	if !IsEmptySnap(rd.Snapshot) {
		b.WriteString("Snapshot ")
		b.WriteString(DescribeSnapshot(rd.Snapshot))
		b.WriteByte('\n')
	}
	if len(rd.CommittedEntries) > 0 {
		b.WriteString("CommittedEntries:\n")
		b.WriteString(DescribeEntries(rd.CommittedEntries, f))
	}
	if len(rd.Messages) > 0 {
		b.WriteString("Messages:\n")
		for i := range rd.Messages {
			describeMessage(&b, "", &rd.Messages[i], f)
			b.WriteByte('\n')
		}
	}
	if b.Len() == 0 {
		return "<empty Ready>"
	}
	return "Ready MustSync=" + strconv.FormatBool(rd.MustSync) + ":\n" + b.String()
}

// DescribeMessage renders m on one line, such as
// "1->2 MsgApp Term:3 Log:2/7 Commit:7 Entries:[3/8 EntryNormal \"x\"]".
// Several entries, a snapshot and the responses of local storage messages
// continue on indented lines. f renders the data of normal entries.
func DescribeMessage(m pb.Message, f EntryFormatter) string {
	var b strings.Builder
	describeMessage(&b, "", &m, f)
	return b.String()
}

// describeMessage writes m to b, indenting continuation lines by indent;
// responses nest one level (two spaces) deeper.
func describeMessage(b *strings.Builder, indent string, m *pb.Message, f EntryFormatter) {
	b.WriteString(indent)
	b.WriteString(describeTarget(m.From))
	b.WriteString("->")
	b.WriteString(describeTarget(m.To))
	b.WriteByte(' ')
	b.WriteString(m.Type.String())
	fmt.Fprintf(b, " Term:%d Log:%d/%d", m.Term, m.LogTerm, m.Index)
	if m.Reject {
		fmt.Fprintf(b, " Rejected (Hint: %d)", m.RejectHint)
	}
	if m.Commit != 0 {
		fmt.Fprintf(b, " Commit:%d", m.Commit)
	}
	if m.Vote != 0 {
		fmt.Fprintf(b, " Vote:%d", m.Vote)
	}
	switch len(m.Entries) {
	case 0:
	case 1:
		b.WriteString(" Entries:[")
		b.WriteString(DescribeEntry(m.Entries[0], f))
		b.WriteByte(']')
	default:
		b.WriteString(" Entries:[")
		for i := range m.Entries {
			b.WriteString("\n" + indent + "  ")
			b.WriteString(DescribeEntry(m.Entries[i], f))
		}
		b.WriteString("\n" + indent + "]")
	}
	if s := m.Snapshot; s != nil && !IsEmptySnap(*s) {
		b.WriteString("\n" + indent + "  Snapshot: ")
		b.WriteString(DescribeSnapshot(*s))
	}
	if len(m.Responses) > 0 {
		b.WriteString(" Responses:[")
		for i := range m.Responses {
			b.WriteByte('\n')
			describeMessage(b, indent+"  ", &m.Responses[i], f)
		}
		b.WriteString("\n" + indent + "]")
	}
}

// describeTarget names a message endpoint: a node ID in hex, or one of the
// words None, AppendThread and ApplyThread.
func describeTarget(id uint64) string {
	switch id {
	case None:
		return "None"
	case LocalAppendThread:
		return "AppendThread"
	case LocalApplyThread:
		return "ApplyThread"
	default:
		return strconv.FormatUint(id, 16)
	}
}

// DescribeEntry renders e as "term/index type payload": a normal entry's
// data through f (quoted bytes if f is nil), a conf change as its changes
// in the "v1 l2 r3 u4" notation of raftpb.ConfChangesToString, or the
// decoding error if its data is malformed. Nothing follows the type when
// the payload renders empty or the type is unknown.
func DescribeEntry(e pb.Entry, f EntryFormatter) string {
	payload := describePayload(&e, f)
	s := strconv.FormatUint(e.Term, 10) + "/" + strconv.FormatUint(e.Index, 10) + " " + e.Type.String()
	if payload != "" {
		s += " " + payload
	}
	return s
}

func describePayload(e *pb.Entry, f EntryFormatter) string {
	switch e.Type {
	case pb.EntryNormal:
		if f == nil {
			return strconv.Quote(string(e.Data))
		}
		return f(e.Data)
	case pb.EntryConfChange:
		var cc pb.ConfChange
		if err := cc.Unmarshal(e.Data); err != nil {
			return err.Error()
		}
		return pb.ConfChangesToString(cc.AsV2().Changes)
	case pb.EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if err := cc.Unmarshal(e.Data); err != nil {
			return err.Error()
		}
		return pb.ConfChangesToString(cc.Changes)
	default:
		return ""
	}
}

// DescribeEntries renders each entry with DescribeEntry, each followed by a
// newline.
func DescribeEntries(ents []pb.Entry, f EntryFormatter) string {
	var b strings.Builder
	for i := range ents {
		b.WriteString(DescribeEntry(ents[i], f))
		b.WriteByte('\n')
	}
	return b.String()
}

func appendUintField(b []byte, name string, v uint64) []byte {
	return strconv.AppendUint(append(b, name...), v, 10)
}
