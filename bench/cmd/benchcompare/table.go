package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// table writes one Markdown row per workload: medians of ns/op and
// allocs/op on each side, the ratio b/a (above 1: a is faster), and every
// other unit except B/op as "a / b".
func (res *results) table(w io.Writer, a, b string) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "| workload | %s ns/op | %s ns/op | %s/%s | %s allocs/op | %s allocs/op | other (%s / %s) |\n",
		a, b, b, a, a, b, a, b)
	sb.WriteString("|---|--:|--:|--:|--:|--:|---|\n")
	for _, wl := range res.order {
		ta, tb := res.cell(wl, a, "ns/op"), res.cell(wl, b, "ns/op")
		ratio := "-"
		if va, ok := median(res.data[wl][a]["ns/op"]); ok && va > 0 {
			if vb, ok := median(res.data[wl][b]["ns/op"]); ok {
				ratio = strconv.FormatFloat(vb/va, 'f', 2, 64)
			}
		}
		var extra []string
		for _, u := range res.units[wl] {
			if u == "ns/op" || u == "allocs/op" || u == "B/op" {
				continue
			}
			extra = append(extra, fmt.Sprintf("%s %s / %s", u, res.cell(wl, a, u), res.cell(wl, b, u)))
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s | %s |\n", wl, ta, tb, ratio,
			res.cell(wl, a, "allocs/op"), res.cell(wl, b, "allocs/op"), strings.Join(extra, "; "))
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// cell is the median of one library's unit for a workload, or "-".
func (res *results) cell(workload, lib, unit string) string {
	v, ok := median(res.data[workload][lib][unit])
	if !ok {
		return "-"
	}
	return formatNum(v)
}

// formatNum keeps three or more significant digits without noise.
func formatNum(v float64) string {
	switch {
	case v >= 100 || v == float64(int64(v)):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
