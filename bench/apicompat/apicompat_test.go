package apicompat

import (
	"slices"
	"strings"
	"testing"
)

const (
	refModule  = "go.etcd.io/raft/v3"
	refVersion = "v3.6.0"
	curModule  = "github.com/tickraft/raft"
)

// comparedPackages are the packages under the drop-in promise, by path
// below the module root. Package raft is compared against pendingRaftAPI
// while it is being written; the others must match exactly.
var comparedPackages = []struct {
	sub    string
	strict bool
}{
	{"", false},
	{"raftpb", true},
	{"quorum", true},
	{"tracker", true},
	{"confchange", true},
}

func refToCur(path string) string {
	if path == refModule || strings.HasPrefix(path, refModule+"/") {
		return curModule + path[len(refModule):]
	}
	return path
}

func join(module, sub string) string {
	if sub == "" {
		return module
	}
	return module + "/" + sub
}

// TestAPICompat holds tickraft's exported API to go.etcd.io/raft/v3 v3.6.0.
// Run with -v to see what we add on top.
func TestAPICompat(t *testing.T) {
	var paths []string
	for _, p := range comparedPackages {
		paths = append(paths, join(refModule, p.sub), join(curModule, p.sub))
	}
	pkgs, err := Load(".", paths...)
	if err != nil {
		t.Fatal(err)
	}
	var all []Finding
	for _, p := range comparedPackages {
		ref := pkgs[join(refModule, p.sub)]
		if ref.ModuleVersion != refVersion {
			t.Fatalf("%s loaded from %s %s, want %s: fix bench/go.mod", ref.Types.Path(), refModule, ref.ModuleVersion, refVersion)
		}
		all = append(all, Compare(ref.Types, pkgs[join(curModule, p.sub)].Types, refToCur)...)
	}
	kept, unused := Except(all, exceptions)
	for _, e := range unused {
		t.Errorf("exception %s (%s) matches nothing: remove it from exceptions", e.ID, e.Detail)
	}
	for _, p := range comparedPackages {
		name := pkgs[join(refModule, p.sub)].Types.Name()
		fs := ofPackage(kept, name)
		t.Run(name, func(t *testing.T) {
			if added := Select(fs, Added); len(added) > 0 {
				t.Logf("additions (allowed):\n%s", Format(added))
			}
			if p.strict {
				checkStrict(t, fs)
			} else {
				checkPending(t, fs, pendingRaftAPI)
			}
		})
	}
}

func ofPackage(fs []Finding, name string) []Finding {
	var out []Finding
	for _, f := range fs {
		if strings.HasPrefix(f.ID, name+".") {
			out = append(out, f)
		}
	}
	return out
}

func checkStrict(t *testing.T, fs []Finding) {
	if bad := Select(fs, Missing, Changed); len(bad) > 0 {
		t.Errorf("API differs from v3.6:\n%s", Format(bad))
	}
}

// checkPending fails on every change, and unless the missing identifiers
// are exactly the pending ones.
func checkPending(t *testing.T, fs []Finding, pending []string) {
	if bad := Select(fs, Changed); len(bad) > 0 {
		t.Errorf("API differs from v3.6:\n%s", Format(bad))
	}
	for _, p := range pendingProblems(Select(fs, Missing), pending) {
		t.Error(p)
	}
}

// pendingProblems compares the missing findings with the pending list: an
// identifier that goes missing must be restored, one that is implemented
// must leave the list.
func pendingProblems(missing []Finding, pending []string) []string {
	var problems []string
	want := map[string]bool{}
	for _, id := range pending {
		if want[id] {
			problems = append(problems, "pendingRaftAPI lists "+id+" twice")
		}
		want[id] = true
	}
	var unlisted []Finding
	for _, f := range missing {
		if !want[f.ID] {
			unlisted = append(unlisted, f)
		}
		delete(want, f.ID)
	}
	if len(unlisted) > 0 {
		problems = append(problems, "missing from tickraft and not in pendingRaftAPI:\n"+Format(unlisted))
	}
	if len(want) > 0 {
		var done []string
		for id := range want {
			done = append(done, "\t"+id+"\n")
		}
		slices.Sort(done)
		problems = append(problems, "implemented now (or never in v3.6): remove from pendingRaftAPI in pending_raft_test.go:\n"+strings.Join(done, ""))
	}
	return problems
}
