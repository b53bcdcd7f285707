package apicompat

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkDir type-checks the one-file package in testdata/dir under path.
func checkDir(t *testing.T, dir, path string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("testdata", dir, "p.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.Default()}
	pkg, err := conf.Check(path, fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

func syntheticFindings(t *testing.T) []Finding {
	ref := checkDir(t, "ref", "example.com/ref/p")
	cur := checkDir(t, "cur", "example.com/cur/p")
	return Compare(ref, cur, func(p string) string {
		return strings.Replace(p, "example.com/ref/", "example.com/cur/", 1)
	})
}

// TestCompareSynthetic runs the comparer on two small packages whose every
// difference is planted on purpose (see testdata/ref and testdata/cur). The
// expected list is written from the sources, one planted difference per line;
// identical declarations (Kind uint8 vs byte, renamed parameters, Self's
// types that are equal only after path mapping) must produce nothing.
func TestCompareSynthetic(t *testing.T) {
	want := []string{
		`p.Callback: underlying kind differs: v3.6 func, tickraft struct`,
		`p.Ext: has unexported methods in tickraft: types outside the package can no longer implement it`,
		`p.Gone: missing`,
		`p.Handle: was a defined type in v3.6, is an alias in tickraft`,
		`p.Join: type differs: v3.6 func([]string, string) string, tickraft func([]string, uint8) string`,
		`p.Limit: value differs: v3.6 10, tickraft 11`,
		`p.Map: type differs: v3.6 func[interface{}]([]$0) []$0, tickraft func[comparable]([]$0) []$0`,
		`p.NewThing: added`,
		`p.Opt: type parameters differs: v3.6 [interface{}], tickraft [comparable]`,
		`p.Pair: field order differs: v3.6 [A B Inner C D], tickraft [A B Inner D C]`,
		`p.Pair: comparable in v3.6, not comparable in tickraft (== and map keys break)`,
		`p.Pair field A: tag differs: v3.6 "json:\"a\"", tickraft "json:\"a,omitempty\""`,
		`p.Pair field B: type differs: v3.6 string, tickraft []string`,
		`p.Pair field E: added`,
		`p.Pair field Inner: embedded differs: v3.6 true, tickraft false`,
		`p.Pair.Get: in the method set of T in v3.6, only of *T in tickraft`,
		`p.Pair.Len: missing`,
		`p.Pair.Promoted: missing`,
		`p.Pair.Set: signature differs: v3.6 func(int, int), tickraft func(int, int64)`,
		`p.Plain: type parameters differs: v3.6 none, tickraft [interface{}]`,
		`p.Ratio: type differs: v3.6 untyped float, tickraft untyped int`,
		`p.Ratio: value kind differs: v3.6 Float, tickraft Int`,
		`p.Removed: missing`,
		`p.Removed field F: missing`,
		`p.Removed.M: missing`,
		`p.Sink: aliased type differs: v3.6 chan<- int, tickraft <-chan int`,
		`p.Store.Close: added to the interface: types that implement v3.6's p.Store no longer implement ours`,
		`p.Store.Put: signature differs: v3.6 func(string, []uint8) error, tickraft func(string, []uint8)`,
		`p.Tagged: type differs: v3.6 func(struct{A int "x:\"1\""}), tickraft func(struct{A int "x:\"2\""})`,
		`p.Thing: was a var in v3.6, is a func in tickraft`,
		`p.Width: type differs: v3.6 int, tickraft int64`,
	}
	var got []string
	for _, f := range syntheticFindings(t) {
		got = append(got, f.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestCompareIdentical: a package compared with itself has no findings, so
// nothing above is an artefact of comparing two different type-checks.
func TestCompareIdentical(t *testing.T) {
	a := checkDir(t, "ref", "example.com/ref/p")
	b := checkDir(t, "ref", "example.com/ref/p")
	if fs := Compare(a, b, func(p string) string { return p }); len(fs) != 0 {
		t.Errorf("want no findings, got:\n%s", Format(fs))
	}
}

// TestComparePathMapping: without mapping, Self's parameter and result name
// types of another package and differ.
func TestComparePathMapping(t *testing.T) {
	ref := checkDir(t, "ref", "example.com/ref/p")
	cur := checkDir(t, "cur", "example.com/cur/p")
	var self []string
	for _, f := range Compare(ref, cur, func(p string) string { return p }) {
		if f.ID == "p.Self" {
			self = append(self, f.String())
		}
	}
	want := []string{`p.Self: type differs: v3.6 func(*example.com/ref/p.Pair) example.com/ref/p.Seq, tickraft func(*example.com/cur/p.Pair) example.com/cur/p.Seq`}
	if diff := cmp.Diff(want, self); diff != "" {
		t.Errorf("p.Self findings (-want +got):\n%s", diff)
	}
}

func TestFormatCollapsesMissingTypeMembers(t *testing.T) {
	fs := []Finding{
		{ID: "p.Removed", Kind: Missing},
		{ID: "p.Removed field F", Kind: Missing},
		{ID: "p.Removed.M", Kind: Missing},
		{ID: "p.Pair.Len", Kind: Missing},
		{ID: "p.Pair field B", Kind: Changed, Detail: "type differs: v3.6 string, tickraft []string"},
	}
	want := "\tp.Removed: missing\n\tp.Pair.Len: missing\n\tp.Pair field B: type differs: v3.6 string, tickraft []string\n"
	if got := Format(fs); got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
}

func TestParent(t *testing.T) {
	for id, want := range map[string]string{
		"raft.Config":            "",
		"raft.Config field ID":   "raft.Config",
		"raft.RawNode.Step":      "raft.RawNode",
		"raftpb.Entry.XXX_Merge": "raftpb.Entry",
	} {
		if got := parent(id); got != want {
			t.Errorf("parent(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestExcept(t *testing.T) {
	fs := []Finding{
		{ID: "p.A.M", Kind: Changed, Detail: "signature differs: x"},
		{ID: "p.B.M", Kind: Changed, Detail: "signature differs: x"},
		{ID: "p.B.M", Kind: Changed, Detail: "signature differs: y"},
		{ID: "p.C", Kind: Missing},
	}
	ex := []Exception{
		{ID: "p.*.M", Detail: "signature differs: x", Reason: "r1"},
		{ID: "p.C", Detail: "missing", Reason: "r2"},
		{ID: "p.D", Detail: "missing", Reason: "stale"},
	}
	kept, unused := Except(fs, ex)
	if diff := cmp.Diff([]Finding{fs[2]}, kept); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Exception{ex[2]}, unused); diff != "" {
		t.Errorf("unused (-want +got):\n%s", diff)
	}
}
