package apicompat

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"slices"
)

// Kind classifies a Finding.
type Kind int

const (
	// Missing: the reference declares the identifier, we do not.
	Missing Kind = iota + 1
	// Changed: both declare it, and a program built against the reference
	// can tell the difference (type, value, tag, receiver, order...).
	Changed
	// Added: we declare an identifier the reference does not. Allowed.
	Added
)

// Finding is one difference between the reference API and ours.
//
// ID names the identifier the way a reader looks for it: "raft.Node" for a
// package-level name, "raft.RawNode.Step" for a method (or an interface
// method), "raftpb.Message field Context" for a struct field, all under the
// reference package's name.
type Finding struct {
	ID     string
	Kind   Kind
	Detail string // what differs, for Changed
}

func (f Finding) String() string {
	switch f.Kind {
	case Missing:
		return f.ID + ": missing"
	case Added:
		return f.ID + ": added"
	}
	return f.ID + ": " + f.Detail
}

// Compare reports every way in which the exported API of cur differs from
// that of ref. mapPath translates the import paths of the reference module
// into ours; it is applied to every package path met in ref's types. The
// findings are sorted by ID, members of a type after the type.
func Compare(ref, cur *types.Package, mapPath func(string) string) []Finding {
	c := &comparer{
		prefix: ref.Name(),
		ref:    canon{mapPath: mapPath},
		cur:    canon{mapPath: func(p string) string { return p }},
	}
	c.scope(ref.Scope(), cur.Scope())
	slices.SortStableFunc(c.out, func(a, b Finding) int { return cmp.Compare(a.ID, b.ID) })
	return c.out
}

type comparer struct {
	prefix   string
	ref, cur canon
	out      []Finding
}

func (c *comparer) missing(id string) { c.out = append(c.out, Finding{ID: id, Kind: Missing}) }
func (c *comparer) added(id string)   { c.out = append(c.out, Finding{ID: id, Kind: Added}) }

func (c *comparer) changed(id, format string, args ...any) {
	c.out = append(c.out, Finding{ID: id, Kind: Changed, Detail: fmt.Sprintf(format, args...)})
}

// differ reports what under id when the two renderings differ.
func (c *comparer) differ(id, what, ref, cur string) bool {
	if ref == cur {
		return false
	}
	c.changed(id, "%s differs: v3.6 %s, tickraft %s", what, ref, cur)
	return true
}

func (c *comparer) scope(ref, cur *types.Scope) {
	for _, name := range ref.Names() {
		if !token.IsExported(name) {
			continue
		}
		id := c.prefix + "." + name
		ro, co := ref.Lookup(name), cur.Lookup(name)
		if co == nil {
			c.missing(id)
			c.missingMembers(id, ro)
			continue
		}
		c.object(id, ro, co)
	}
	for _, name := range cur.Names() {
		if token.IsExported(name) && ref.Lookup(name) == nil {
			c.added(c.prefix + "." + name)
		}
	}
}

func objKind(o types.Object) string {
	switch o.(type) {
	case *types.Const:
		return "a const"
	case *types.Var:
		return "a var"
	case *types.Func:
		return "a func"
	case *types.TypeName:
		return "a type"
	}
	return fmt.Sprintf("%T", o)
}

func (c *comparer) object(id string, ro, co types.Object) {
	if objKind(ro) != objKind(co) {
		c.changed(id, "was %s in v3.6, is %s in tickraft", objKind(ro), objKind(co))
		return
	}
	switch ro := ro.(type) {
	case *types.Const:
		co := co.(*types.Const)
		c.differ(id, "type", c.ref.String(ro.Type()), c.cur.String(co.Type()))
		c.differ(id, "value", ro.Val().ExactString(), co.Val().ExactString())
		if ro.Val().Kind() != co.Val().Kind() && ro.Val().ExactString() == co.Val().ExactString() {
			c.changed(id, "value kind differs: v3.6 %v, tickraft %v", ro.Val().Kind(), co.Val().Kind())
		}
	case *types.Var, *types.Func:
		c.differ(id, "type", c.ref.String(ro.Type()), c.cur.String(co.Type()))
	case *types.TypeName:
		c.typeDecl(id, ro, co.(*types.TypeName))
	}
}
