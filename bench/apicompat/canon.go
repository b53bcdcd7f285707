package apicompat

import (
	"go/types"
	"strconv"
	"strings"
)

// canon renders a type as a string that is equal for two types exactly when
// a program cannot tell them apart: aliases are resolved, byte and uint8 (and
// rune and int32) are one type, parameter names are dropped, and package
// paths pass through mapPath so that types of the reference module compare
// equal to their counterparts in ours.
type canon struct {
	mapPath func(string) string
}

func (c canon) String(t types.Type) string {
	var b strings.Builder
	c.write(&b, t)
	return b.String()
}

func (c canon) path(p *types.Package) string {
	if p == nil {
		return ""
	}
	return c.mapPath(p.Path())
}

func (c canon) write(b *strings.Builder, t types.Type) {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		// types.Typ is indexed by kind, so byte prints as uint8.
		b.WriteString(types.Typ[t.Kind()].Name())
	case *types.Named:
		c.writeNamed(b, t)
	case *types.TypeParam:
		// Type parameters are positional: their names are not API.
		b.WriteString("$" + strconv.Itoa(t.Index()))
	case *types.Pointer:
		b.WriteString("*")
		c.write(b, t.Elem())
	case *types.Slice:
		b.WriteString("[]")
		c.write(b, t.Elem())
	case *types.Array:
		b.WriteString("[" + strconv.FormatInt(t.Len(), 10) + "]")
		c.write(b, t.Elem())
	case *types.Map:
		b.WriteString("map[")
		c.write(b, t.Key())
		b.WriteString("]")
		c.write(b, t.Elem())
	case *types.Chan:
		b.WriteString([...]string{types.SendRecv: "chan ", types.SendOnly: "chan<- ", types.RecvOnly: "<-chan "}[t.Dir()])
		c.write(b, t.Elem())
	case *types.Signature:
		b.WriteString("func")
		c.writeSignature(b, t)
	case *types.Struct:
		c.writeStruct(b, t)
	case *types.Interface:
		c.writeInterface(b, t)
	case *types.Union:
		for i := range t.Len() {
			if i > 0 {
				b.WriteString(" | ")
			}
			if t.Term(i).Tilde() {
				b.WriteString("~")
			}
			c.write(b, t.Term(i).Type())
		}
	default:
		// Tuples never reach here: signatures print their own.
		b.WriteString(t.String())
	}
}

func (c canon) writeNamed(b *strings.Builder, t *types.Named) {
	obj := t.Obj()
	if p := c.path(obj.Pkg()); p != "" {
		b.WriteString(p + ".")
	}
	b.WriteString(obj.Name())
	if args := t.TypeArgs(); args.Len() > 0 {
		b.WriteString("[")
		for i := range args.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			c.write(b, args.At(i))
		}
		b.WriteString("]")
	}
}

// writeSignature prints type parameters, parameters and results without
// names and without the receiver, which is not part of a method's type as
// seen by a caller.
func (c canon) writeSignature(b *strings.Builder, s *types.Signature) {
	c.writeTypeParams(b, s.TypeParams())
	b.WriteString("(")
	for i := range s.Params().Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		t := s.Params().At(i).Type()
		if s.Variadic() && i == s.Params().Len()-1 {
			b.WriteString("...")
			t = t.(*types.Slice).Elem()
		}
		c.write(b, t)
	}
	b.WriteString(")")
	switch r := s.Results(); r.Len() {
	case 0:
	case 1:
		b.WriteString(" ")
		c.write(b, r.At(0).Type())
	default:
		b.WriteString(" (")
		for i := range r.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			c.write(b, r.At(i).Type())
		}
		b.WriteString(")")
	}
}

// typeParams renders a type parameter list, "none" when it is empty.
func (c canon) typeParams(tps *types.TypeParamList) string {
	if tps.Len() == 0 {
		return "none"
	}
	var b strings.Builder
	c.writeTypeParams(&b, tps)
	return b.String()
}

func (c canon) writeTypeParams(b *strings.Builder, tps *types.TypeParamList) {
	if tps.Len() == 0 {
		return
	}
	b.WriteString("[")
	for i := range tps.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		c.write(b, tps.At(i).Constraint())
	}
	b.WriteString("]")
}

func (c canon) writeStruct(b *strings.Builder, s *types.Struct) {
	b.WriteString("struct{")
	for i := range s.NumFields() {
		if i > 0 {
			b.WriteString("; ")
		}
		f := s.Field(i)
		if f.Embedded() {
			b.WriteString("embedded ")
		} else {
			b.WriteString(c.fieldName(f) + " ")
		}
		c.write(b, f.Type())
		if tag := s.Tag(i); tag != "" {
			b.WriteString(" " + strconv.Quote(tag))
		}
	}
	b.WriteString("}")
}

// writeInterface prints the full method set in go/types' order (sorted by
// id) and, for constraint interfaces, the type terms.
func (c canon) writeInterface(b *strings.Builder, it *types.Interface) {
	b.WriteString("interface{")
	n := 0
	sep := func() {
		if n > 0 {
			b.WriteString("; ")
		}
		n++
	}
	for i := range it.NumMethods() {
		m := it.Method(i)
		sep()
		b.WriteString(c.fieldName(m))
		c.writeSignature(b, m.Signature())
	}
	if !it.IsMethodSet() {
		for i := range it.NumEmbeddeds() {
			if e := it.EmbeddedType(i); !types.IsInterface(e) {
				sep()
				c.write(b, e)
			}
		}
	}
	b.WriteString("}")
}

// fieldName qualifies unexported names with their package, as identity does.
func (c canon) fieldName(o types.Object) string {
	if o.Exported() {
		return o.Name()
	}
	return c.path(o.Pkg()) + "." + o.Name()
}
