package apicompat

import (
	"path"
	"strings"
)

// Exception allows one known difference. It must say why a program that
// built against v3.6 still builds against tickraft.
type Exception struct {
	ID     string // a path.Match pattern over Finding.ID, e.g. "raftpb.*.XXX_Merge"
	Detail string // the exact Finding.String() suffix after "ID: "
	Reason string
}

func (e Exception) matches(f Finding) bool {
	ok, err := path.Match(e.ID, f.ID)
	if err != nil {
		return false
	}
	detail := f.Detail
	if f.Kind != Changed {
		detail = strings.TrimPrefix(f.String(), f.ID+": ")
	}
	return ok && detail == e.Detail
}

// Except drops the findings that an exception allows, and returns the
// exceptions that allowed nothing: a stale exception hides nothing and
// should go.
func Except(fs []Finding, ex []Exception) (kept []Finding, unused []Exception) {
	used := make([]bool, len(ex))
	for _, f := range fs {
		allowed := false
		for i, e := range ex {
			if e.matches(f) {
				used[i], allowed = true, true
			}
		}
		if !allowed {
			kept = append(kept, f)
		}
	}
	for i, e := range ex {
		if !used[i] {
			unused = append(unused, e)
		}
	}
	return kept, unused
}

// Select returns the findings of the given kinds.
func Select(fs []Finding, kinds ...Kind) []Finding {
	var out []Finding
	for _, f := range fs {
		for _, k := range kinds {
			if f.Kind == k {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// Format renders findings one per line. The members of a type that is
// missing altogether are implied by the type's line and left out.
func Format(fs []Finding) string {
	missingType := map[string]bool{}
	for _, f := range fs {
		if f.Kind == Missing {
			missingType[f.ID] = true
		}
	}
	var b strings.Builder
	for _, f := range fs {
		if f.Kind == Missing && missingType[parent(f.ID)] {
			continue
		}
		b.WriteString("\t" + f.String() + "\n")
	}
	return b.String()
}

// parent returns the type a member ID belongs to ("raft.Config field ID" →
// "raft.Config", "raft.RawNode.Step" → "raft.RawNode"), or "" for a
// package-level ID.
func parent(id string) string {
	if i := strings.Index(id, " field "); i >= 0 {
		return id[:i]
	}
	if i := strings.LastIndexByte(id, '.'); i > strings.IndexByte(id, '.') {
		return id[:i]
	}
	return ""
}
