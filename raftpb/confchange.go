package raftpb

import (
	"fmt"
	"strconv"
	"strings"
)

// ConfChangeI is either kind of configuration change, ConfChange or
// ConfChangeV2, so that code can handle both through the V2 form.
type ConfChangeI interface {
	AsV2() ConfChangeV2
	AsV1() (ConfChange, bool)
}

// MarshalConfChange encodes c as the data of a log entry and returns the
// entry type that says how to decode it: EntryConfChange for a change
// that has a V1 form, EntryConfChangeV2 otherwise. A nil c encodes as nil
// data of type EntryConfChangeV2, which decodes as the empty ConfChangeV2
// (leave the joint configuration) and has size zero, so no proposal size
// limit can refuse it.
func MarshalConfChange(c ConfChangeI) (EntryType, []byte, error) {
	if isNilConfChange(c) {
		return EntryConfChangeV2, nil, nil
	}
	if v1, ok := c.AsV1(); ok {
		data, err := v1.Marshal()
		return EntryConfChange, data, err
	}
	v2 := c.AsV2()
	data, err := v2.Marshal()
	return EntryConfChangeV2, data, err
}

// isNilConfChange treats a nil pointer to either change type like a nil
// interface instead of dereferencing it.
func isNilConfChange(c ConfChangeI) bool {
	switch v := c.(type) {
	case nil:
		return true
	case *ConfChange:
		return v == nil
	case *ConfChangeV2:
		return v == nil
	}
	return false
}

// AsV2 returns the V2 change that does the same: one change of the same
// type and node, the same context, and the automatic transition.
func (c ConfChange) AsV2() ConfChangeV2 {
	return ConfChangeV2{
		Changes: []ConfChangeSingle{{Type: c.Type, NodeID: c.NodeID}},
		Context: c.Context,
	}
}

// AsV1 returns c and true.
func (c ConfChange) AsV1() (ConfChange, bool) { return c, true }

// AsV2 returns c.
func (c ConfChangeV2) AsV2() ConfChangeV2 { return c }

// AsV1 returns the zero ConfChange and false: a V2 change is never
// converted back, even when it holds a single change.
func (c ConfChangeV2) AsV1() (ConfChange, bool) { return ConfChange{}, false }

// EnterJoint reports whether applying c enters a joint configuration
// (ok), and if so whether that configuration is left automatically
// (autoLeave). Joint consensus is used when it is asked for by the
// transition or when there is more than one change: whether several
// changes could be made safely one at a time depends on the configuration
// they apply to, which c does not know, so any multi-change is joint.
//
// v3.6 panics on a transition it does not know. Entries come from peers,
// so here such a transition enters a joint configuration that is left only
// on request: the application decides, nothing happens by itself.
func (c ConfChangeV2) EnterJoint() (autoLeave bool, ok bool) {
	if c.Transition == ConfChangeTransitionAuto && len(c.Changes) <= 1 {
		return false, false
	}
	switch c.Transition {
	case ConfChangeTransitionAuto, ConfChangeTransitionJointImplicit:
		return true, true
	default:
		return false, true
	}
}

// LeaveJoint reports whether c is the request to leave a joint
// configuration: no changes and the automatic transition. The context,
// which only the application reads, does not matter.
func (c ConfChangeV2) LeaveJoint() bool {
	return c.Transition == ConfChangeTransitionAuto && len(c.Changes) == 0
}

// ConfChangesFromString parses changes written as space-separated tokens
// of an operation letter and a node id: v<id> adds a voter, l<id> adds a
// learner, r<id> removes a node and u<id> updates one; "v1 l2 r3". Like
// v3.6, tokens are separated by single spaces after trimming the ends.
// Empty input gives no changes.
func ConfChangesFromString(s string) ([]ConfChangeSingle, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var ccs []ConfChangeSingle
	for _, tok := range strings.Split(s, " ") {
		cc, err := parseConfChangeToken(tok)
		if err != nil {
			return nil, err
		}
		ccs = append(ccs, cc)
	}
	return ccs, nil
}

func parseConfChangeToken(tok string) (ConfChangeSingle, error) {
	if len(tok) < 2 {
		return ConfChangeSingle{}, fmt.Errorf("raftpb: conf change token %q: want an operation letter (v, l, r or u) and a node id", tok)
	}
	var cc ConfChangeSingle
	switch tok[0] {
	case 'v':
		cc.Type = ConfChangeAddNode
	case 'l':
		cc.Type = ConfChangeAddLearnerNode
	case 'r':
		cc.Type = ConfChangeRemoveNode
	case 'u':
		cc.Type = ConfChangeUpdateNode
	default:
		return ConfChangeSingle{}, fmt.Errorf("raftpb: conf change token %q: unknown operation %q, want v, l, r or u", tok, tok[:1])
	}
	id, err := strconv.ParseUint(tok[1:], 10, 64)
	if err != nil {
		return ConfChangeSingle{}, fmt.Errorf("raftpb: conf change token %q: bad node id: %w", tok, err)
	}
	cc.NodeID = id
	return cc, nil
}

// ConfChangesToString writes ccs in the form ConfChangesFromString reads.
// A change of a type without a letter is written as "unknown<id>", which
// does not parse back.
func ConfChangesToString(ccs []ConfChangeSingle) string {
	var b []byte
	for i, cc := range ccs {
		if i > 0 {
			b = append(b, ' ')
		}
		switch cc.Type {
		case ConfChangeAddNode:
			b = append(b, 'v')
		case ConfChangeAddLearnerNode:
			b = append(b, 'l')
		case ConfChangeRemoveNode:
			b = append(b, 'r')
		case ConfChangeUpdateNode:
			b = append(b, 'u')
		default:
			b = append(b, "unknown"...)
		}
		b = strconv.AppendUint(b, cc.NodeID, 10)
	}
	return string(b)
}
