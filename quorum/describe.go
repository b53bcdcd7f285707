package quorum

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Describe returns a multi-line table of the voters and their acknowledged
// indexes, highest first, for use in tests and debugging. A voter the
// AckedIndexer does not know shows "-" and ranks as index 0. The row where a
// quorum is first reached carries the commit marker: it and every row above
// it acknowledged at least the commit index. For example:
//
//	voter  acked
//	    3     12
//	    1     10  <- commit 10 (quorum 2 of 3)
//	    4      -
func (c MajorityConfig) Describe(l AckedIndexer) string {
	var b strings.Builder
	c.describeTo(&b, "", l)
	return b.String()
}

// ackRow is one voter's line in a Describe table.
type ackRow struct {
	id    uint64
	idx   Index
	found bool
}

func (c MajorityConfig) describeTo(b *strings.Builder, indent string, l AckedIndexer) {
	if len(c) == 0 {
		fmt.Fprintf(b, "%sno voters: commit %s\n", indent, Index(math.MaxUint64))
		return
	}
	rows := make([]ackRow, 0, len(c))
	idWidth, idxWidth := len("voter"), len("acked")
	for _, id := range c.Slice() {
		r := ackRow{id: id}
		r.idx, r.found = l.AckedIndex(id)
		if !r.found {
			r.idx = 0
		}
		rows = append(rows, r)
		idWidth = max(idWidth, len(strconv.FormatUint(id, 10)))
		idxWidth = max(idxWidth, utf8.RuneCountInString(r.idx.String()))
	}
	// Highest index first; the stable sort keeps ties in ascending ID order.
	slices.SortStableFunc(rows, func(a, b ackRow) int { return cmp.Compare(b.idx, a.idx) })

	q := quorumSize(len(c))
	fmt.Fprintf(b, "%s%*s  %*s\n", indent, idWidth, "voter", idxWidth, "acked")
	for i, r := range rows {
		acked := "-"
		if r.found {
			acked = r.idx.String()
		}
		fmt.Fprintf(b, "%s%*d  %*s", indent, idWidth, r.id, idxWidth, acked)
		if i == q-1 {
			fmt.Fprintf(b, "  <- commit %s (quorum %d of %d)", r.idx, q, len(c))
		}
		b.WriteByte('\n')
	}
}

// Describe returns a multi-line representation of both halves, each as
// MajorityConfig.Describe renders it under a heading, followed by the joint
// commit index, the lower of the two halves' indexes.
func (c JointConfig) Describe(l AckedIndexer) string {
	var b strings.Builder
	for i, name := range [2]string{"incoming", "outgoing"} {
		fmt.Fprintf(&b, "%s %s\n", name, c[i])
		c[i].describeTo(&b, "  ", l)
	}
	in, out := c[0].CommittedIndex(l), c[1].CommittedIndex(l)
	fmt.Fprintf(&b, "joint commit %s = min(%s, %s)\n", min(in, out), in, out)
	return b.String()
}
