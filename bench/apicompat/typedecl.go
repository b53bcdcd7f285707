package apicompat

import (
	"fmt"
	"go/types"
	"iter"
	"slices"
)

// typeDecl compares two declarations of the same type name.
func (c *comparer) typeDecl(id string, ro, co *types.TypeName) {
	if ro.IsAlias() != co.IsAlias() {
		c.changed(id, "was %s in v3.6, is %s in tickraft", aliasWord(ro), aliasWord(co))
		return
	}
	if ro.IsAlias() {
		// An alias has no members of its own: comparing what it denotes is all.
		c.differ(id, "aliased type", c.ref.String(ro.Type()), c.cur.String(co.Type()))
		return
	}
	rn, cn := ro.Type().(*types.Named), co.Type().(*types.Named)
	c.differ(id, "type parameters", c.ref.typeParams(rn.TypeParams()), c.cur.typeParams(cn.TypeParams()))

	ru, cu := rn.Underlying(), cn.Underlying()
	if c.differ(id, "underlying kind", underKind(ru), underKind(cu)) {
		return
	}
	switch ru := ru.(type) {
	case *types.Struct:
		c.fields(id, ru, cu.(*types.Struct))
	case *types.Interface:
		c.ifaceMethods(id, ru, cu.(*types.Interface))
	default:
		c.differ(id, "underlying type", c.ref.String(ru), c.cur.String(cu))
	}
	if types.Comparable(rn) && !types.Comparable(cn) {
		c.changed(id, "comparable in v3.6, not comparable in tickraft (== and map keys break)")
	}
	if !types.IsInterface(rn) {
		c.methods(id, rn, cn)
	}
}

func aliasWord(tn *types.TypeName) string {
	if tn.IsAlias() {
		return "an alias"
	}
	return "a defined type"
}

func underKind(t types.Type) string {
	switch t.(type) {
	case *types.Basic:
		return "basic"
	case *types.Struct:
		return "struct"
	case *types.Interface:
		return "interface"
	case *types.Pointer:
		return "pointer"
	case *types.Signature:
		return "func"
	case *types.Slice:
		return "slice"
	case *types.Array:
		return "array"
	case *types.Map:
		return "map"
	case *types.Chan:
		return "chan"
	}
	return fmt.Sprintf("%T", t)
}

// missingMembers lists the members of a type that we do not declare at all,
// so that implementing the type piece by piece only ever shrinks the set of
// missing identifiers.
func (c *comparer) missingMembers(id string, o types.Object) {
	tn, ok := o.(*types.TypeName)
	if !ok || tn.IsAlias() {
		return
	}
	switch u := tn.Type().Underlying().(type) {
	case *types.Struct:
		for f := range exportedFields(u) {
			c.missing(id + " field " + f.Name())
		}
	case *types.Interface:
		for m := range u.Methods() {
			if m.Exported() {
				c.missing(id + "." + m.Name())
			}
		}
		return
	}
	ms := types.NewMethodSet(types.NewPointer(tn.Type()))
	for sel := range ms.Methods() {
		if sel.Obj().Exported() {
			c.missing(id + "." + sel.Obj().Name())
		}
	}
}

// exportedFields yields the exported direct fields of s with their index.
func exportedFields(s *types.Struct) iter.Seq2[*types.Var, int] {
	return func(yield func(*types.Var, int) bool) {
		for i := range s.NumFields() {
			if f := s.Field(i); f.Exported() && !yield(f, i) {
				return
			}
		}
	}
}

// fields compares the exported direct fields: presence, type, embedding,
// tag and relative order. Promoted fields are covered by comparing the
// embedded type itself.
func (c *comparer) fields(id string, rs, cs *types.Struct) {
	curIdx := map[string]int{}
	for f, i := range exportedFields(cs) {
		curIdx[f.Name()] = i
	}
	var refOrder []string
	var curPos []int
	for rf, i := range exportedFields(rs) {
		fid := id + " field " + rf.Name()
		j, ok := curIdx[rf.Name()]
		if !ok {
			c.missing(fid)
			continue
		}
		delete(curIdx, rf.Name())
		cf := cs.Field(j)
		c.differ(fid, "type", c.ref.String(rf.Type()), c.cur.String(cf.Type()))
		c.differ(fid, "embedded", fmt.Sprint(rf.Embedded()), fmt.Sprint(cf.Embedded()))
		c.differ(fid, "tag", fmt.Sprintf("%q", rs.Tag(i)), fmt.Sprintf("%q", cs.Tag(j)))
		refOrder = append(refOrder, rf.Name())
		curPos = append(curPos, j)
	}
	if !slices.IsSorted(curPos) {
		curOrder := slices.Clone(refOrder)
		slices.SortFunc(curOrder, func(a, b string) int {
			return fieldIndex(cs, a) - fieldIndex(cs, b)
		})
		c.differ(id, "field order", fmt.Sprint(refOrder), fmt.Sprint(curOrder))
	}
	for f := range exportedFields(cs) {
		if _, extra := curIdx[f.Name()]; extra {
			c.added(id + " field " + f.Name())
		}
	}
}

func fieldIndex(s *types.Struct, name string) int {
	for f, i := range exportedFields(s) {
		if f.Name() == name {
			return i
		}
	}
	return -1
}

// methods compares the method sets of T and *T. A method missing from both
// is missing; a method that left T's set for *T's alone has changed, since
// a T value (in an interface, say) no longer has it.
func (c *comparer) methods(id string, rt, ct types.Type) {
	rv, rp := types.NewMethodSet(rt), types.NewMethodSet(types.NewPointer(rt))
	cv, cp := types.NewMethodSet(ct), types.NewMethodSet(types.NewPointer(ct))
	for sel := range rp.Methods() {
		m := sel.Obj()
		if !m.Exported() {
			continue
		}
		mid := id + "." + m.Name()
		csel := cp.Lookup(nil, m.Name())
		if csel == nil {
			c.missing(mid)
			continue
		}
		c.differ(mid, "signature", c.ref.String(sel.Type()), c.cur.String(csel.Type()))
		if rv.Lookup(nil, m.Name()) != nil && cv.Lookup(nil, m.Name()) == nil {
			c.changed(mid, "in the method set of T in v3.6, only of *T in tickraft")
		}
	}
	for sel := range cp.Methods() {
		if m := sel.Obj(); m.Exported() && rp.Lookup(nil, m.Name()) == nil {
			c.added(id + "." + m.Name())
		}
	}
}

// ifaceMethods requires the same exported method set: a method we add would
// break every type outside that implements v3.6's interface.
func (c *comparer) ifaceMethods(id string, ri, ci *types.Interface) {
	for m := range ri.Methods() {
		if !m.Exported() {
			continue
		}
		mid := id + "." + m.Name()
		cm := lookupMethod(ci, m.Name())
		if cm == nil {
			c.missing(mid)
			continue
		}
		c.differ(mid, "signature", c.ref.String(m.Type()), c.cur.String(cm.Type()))
	}
	for m := range ci.Methods() {
		if m.Exported() && lookupMethod(ri, m.Name()) == nil {
			c.changed(id+"."+m.Name(), "added to the interface: types that implement v3.6's %s no longer implement ours", id)
		}
	}
	if unexportedMethods(ri) == 0 && unexportedMethods(ci) > 0 {
		c.changed(id, "has unexported methods in tickraft: types outside the package can no longer implement it")
	}
	if !ri.IsMethodSet() || !ci.IsMethodSet() {
		c.differ(id, "type set", c.ref.String(ri), c.cur.String(ci))
	}
}

func lookupMethod(it *types.Interface, name string) *types.Func {
	for m := range it.Methods() {
		if m.Name() == name {
			return m
		}
	}
	return nil
}

func unexportedMethods(it *types.Interface) int {
	n := 0
	for m := range it.Methods() {
		if !m.Exported() {
			n++
		}
	}
	return n
}
