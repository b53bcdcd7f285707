package apicompat

import (
	"strings"
	"testing"
)

const (
	refModule  = "go.etcd.io/raft/v3"
	refVersion = "v3.6.0"
	curModule  = "github.com/tickraft/raft"
)

// comparedPackages are the packages under the drop-in promise, by path
// below the module root ("" is package raft). Each must match v3.6 exactly,
// apart from the rows of exceptions.
var comparedPackages = []string{"", "raftpb", "quorum", "tracker", "confchange"}

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
	for _, sub := range comparedPackages {
		paths = append(paths, join(refModule, sub), join(curModule, sub))
	}
	pkgs, err := Load(".", paths...)
	if err != nil {
		t.Fatal(err)
	}
	var all []Finding
	for _, sub := range comparedPackages {
		ref := pkgs[join(refModule, sub)]
		if ref.ModuleVersion != refVersion {
			t.Fatalf("%s loaded from %s %s, want %s: fix bench/go.mod", ref.Types.Path(), refModule, ref.ModuleVersion, refVersion)
		}
		all = append(all, Compare(ref.Types, pkgs[join(curModule, sub)].Types, refToCur)...)
	}
	kept, unused := Except(all, exceptions)
	for _, e := range unused {
		t.Errorf("exception %s (%s) matches nothing: remove it from exceptions", e.ID, e.Detail)
	}
	for _, sub := range comparedPackages {
		name := pkgs[join(refModule, sub)].Types.Name()
		fs := ofPackage(kept, name)
		t.Run(name, func(t *testing.T) {
			if added := Select(fs, Added); len(added) > 0 {
				t.Logf("additions (allowed):\n%s", Format(added))
			}
			checkStrict(t, fs)
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
