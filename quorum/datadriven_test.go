package quorum

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestDataDriven runs the scripts in testdata. Commands:
//
//	committed voters=(1, 2, 3) [outgoing=(3, 4)] acked=(1:10, 4:7)
//	vote      voters=(1, 2, 3) [outgoing=(3, 4)] votes=(1:y, 2:n)
//
// Without outgoing the command exercises MajorityConfig; with it (even
// outgoing=()) it exercises JointConfig. A voter absent from acked or votes has
// not acknowledged or voted; IDs there that are not voters are reported as
// ignored. Every result is also checked against the naive reference.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "committed":
				return runCommitted(t, d)
			case "vote":
				return runVote(t, d)
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

func runCommitted(t *testing.T, d *datadriven.TestData) string {
	joint, isJoint := parseConfig(t, d)
	acked := ackedMap{}
	for _, kv := range argPairs(t, d, "acked") {
		idx, err := strconv.ParseUint(kv[1], 10, 64)
		if err != nil {
			t.Fatalf("%s: acked index %q: %v", d.Pos, kv[1], err)
		}
		acked[parseID(t, d, kv[0])] = Index(idx)
	}

	var b strings.Builder
	writeIgnored(&b, "acks", joint, slices.Collect(maps.Keys(acked)))
	var got Index
	if isJoint {
		b.WriteString(joint.Describe(acked))
		got = joint.CommittedIndex(acked)
	} else {
		b.WriteString(joint[0].Describe(acked))
		got = joint[0].CommittedIndex(acked)
		checkMajorityCommitAsJoint(t, d, joint[0], acked, got)
	}
	if want := naiveJointCommitted(joint, acked); got != want {
		t.Errorf("%s: CommittedIndex = %s, naive reference says %s", d.Pos, got, want)
	}
	fmt.Fprintf(&b, "CommittedIndex: %s\n", got)
	return b.String()
}

// checkMajorityCommitAsJoint checks that a majority config commits the same
// index when it is either half of a joint config, alone or paired with itself.
func checkMajorityCommitAsJoint(t *testing.T, d *datadriven.TestData, c MajorityConfig, l AckedIndexer, want Index) {
	for _, j := range []JointConfig{{c, nil}, {nil, c}, {c, c}} {
		if got := j.CommittedIndex(l); got != want {
			t.Errorf("%s: joint %s CommittedIndex = %s, majority alone = %s", d.Pos, j, got, want)
		}
	}
}

func runVote(t *testing.T, d *datadriven.TestData) string {
	joint, isJoint := parseConfig(t, d)
	votes := map[uint64]bool{}
	for _, kv := range argPairs(t, d, "votes") {
		switch kv[1] {
		case "y":
			votes[parseID(t, d, kv[0])] = true
		case "n":
			votes[parseID(t, d, kv[0])] = false
		default:
			t.Fatalf("%s: vote %q is neither y nor n", d.Pos, kv[1])
		}
	}

	var b strings.Builder
	writeIgnored(&b, "votes", joint, slices.Collect(maps.Keys(votes)))
	halves := joint[:1]
	if isJoint {
		halves = joint[:]
	}
	for i, c := range halves {
		if isJoint {
			b.WriteString([2]string{"incoming ", "outgoing "}[i])
		}
		writeTally(&b, c, votes)
	}
	got := joint[0].VoteResult(votes)
	if isJoint {
		got = joint.VoteResult(votes)
	} else {
		for _, j := range []JointConfig{{joint[0], nil}, {nil, joint[0]}, {joint[0], joint[0]}} {
			if r := j.VoteResult(votes); r != got {
				t.Errorf("%s: joint %s VoteResult = %s, majority alone = %s", d.Pos, j, r, got)
			}
		}
	}
	if want := naiveJointVote(joint, votes); got != want {
		t.Errorf("%s: VoteResult = %s, naive reference says %s", d.Pos, got, want)
	}
	fmt.Fprintf(&b, "VoteResult: %s\n", got)
	return b.String()
}

// writeTally writes one half's vote counts and that half's own result.
func writeTally(b *strings.Builder, c MajorityConfig, votes map[uint64]bool) {
	if len(c) == 0 {
		fmt.Fprintf(b, "%s: no voters -> %s\n", c, c.VoteResult(votes))
		return
	}
	var yes, no, missing int
	for id := range c {
		vote, ok := votes[id]
		switch {
		case !ok:
			missing++
		case vote:
			yes++
		default:
			no++
		}
	}
	fmt.Fprintf(b, "%s: yes %d, no %d, missing %d; needs %d yes -> %s\n",
		c, yes, no, missing, len(c)/2+1, c.VoteResult(votes))
}

// writeIgnored notes the IDs in ids that belong to neither half of c.
func writeIgnored(b *strings.Builder, what string, c JointConfig, ids []uint64) {
	voters := c.IDs()
	var ignored []string
	slices.Sort(ids)
	for _, id := range ids {
		if _, ok := voters[id]; !ok {
			ignored = append(ignored, strconv.FormatUint(id, 10))
		}
	}
	if len(ignored) > 0 {
		fmt.Fprintf(b, "ignored %s from non-voters: %s\n", what, strings.Join(ignored, " "))
	}
}

// parseConfig reads voters and, if present, outgoing. It reports whether the
// command names an outgoing config, i.e. whether it is about a joint config.
func parseConfig(t *testing.T, d *datadriven.TestData) (JointConfig, bool) {
	var c JointConfig
	c[0] = MajorityConfig{}
	for _, v := range argVals(t, d, "voters") {
		c[0][parseID(t, d, v)] = struct{}{}
	}
	if !d.HasArg("outgoing") {
		return c, false
	}
	c[1] = MajorityConfig{}
	for _, v := range argVals(t, d, "outgoing") {
		c[1][parseID(t, d, v)] = struct{}{}
	}
	return c, true
}

// argVals returns the non-empty values of key, so that key=() means none.
func argVals(t *testing.T, d *datadriven.TestData, key string) []string {
	arg, ok := d.Arg(key)
	if !ok {
		return nil
	}
	var vals []string
	for _, v := range arg.Vals {
		if v = strings.TrimSpace(v); v != "" {
			vals = append(vals, v)
		}
	}
	return vals
}

// argPairs splits each "id:value" value of key.
func argPairs(t *testing.T, d *datadriven.TestData, key string) [][2]string {
	var pairs [][2]string
	for _, v := range argVals(t, d, key) {
		id, val, ok := strings.Cut(v, ":")
		if !ok {
			t.Fatalf("%s: %s value %q is not id:value", d.Pos, key, v)
		}
		pairs = append(pairs, [2]string{id, val})
	}
	return pairs
}

func parseID(t *testing.T, d *datadriven.TestData, s string) uint64 {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: voter ID %q: %v", d.Pos, s, err)
	}
	return id
}
