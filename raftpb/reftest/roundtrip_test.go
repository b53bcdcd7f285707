package reftest

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
)

// valuesPerType is how many random values each check runs per type.
const valuesPerType = 3000

// forAllKinds runs check on valuesPerType random values of every type,
// each type from its own fixed seed.
func forAllKinds(t *testing.T, check func(t *testing.T, k checker, g *Gen)) {
	for i, k := range allKinds {
		t.Run(k.Name(), func(t *testing.T) {
			g := NewGen(uint64(i) + 1)
			for range valuesPerType {
				check(t, k, g)
				if t.Failed() {
					return
				}
			}
		})
	}
}

// TestEncodeMatchesGogo: every Marshal variant of tickraft writes the bytes
// gogo (and so go.etcd.io/raft/v3) writes, and Size agrees with both.
func TestEncodeMatchesGogo(t *testing.T) {
	t.Parallel()
	forAllKinds(t, func(t *testing.T, k checker, g *Gen) { k.checkEncode(t, g) })
}

// TestDecodeGogoEncoding: tickraft decodes gogo's every-field encoding back
// to the value encoded.
func TestDecodeGogoEncoding(t *testing.T) {
	t.Parallel()
	forAllKinds(t, func(t *testing.T, k checker, g *Gen) { k.checkDecodeGogo(t, g) })
}

// TestDecodeOnlySetEncoding: tickraft decodes protoc-gen-go's
// only-set-fields encoding back to the value encoded.
func TestDecodeOnlySetEncoding(t *testing.T) {
	t.Parallel()
	forAllKinds(t, func(t *testing.T, k checker, g *Gen) { k.checkDecodeGoref(t, g) })
}

// TestReferencesDecodeTickraftEncoding: gogo and protoc-gen-go decode what
// tickraft writes back to the value encoded.
func TestReferencesDecodeTickraftEncoding(t *testing.T) {
	t.Parallel()
	forAllKinds(t, func(t *testing.T, k checker, g *Gen) { k.checkReferencesDecode(t, g) })
}

func (k *kind[T, G, R, PT, PG, PR]) checkEncode(t *testing.T, g *Gen) {
	v := k.gen(g)
	ref := k.toGogo(v)
	want, err := PG(&ref).Marshal()
	if err != nil {
		t.Fatalf("gogo Marshal: %v", err)
	}
	if n := PG(&ref).Size(); n != len(want) {
		t.Fatalf("gogo Size %d for %d bytes", n, len(want))
	}
	got, err := PT(&v).Marshal()
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", v, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Marshal(%+v)\n got % x\nwant % x", v, got, want)
	}
	if n := PT(&v).Size(); n != len(want) {
		t.Fatalf("Size(%+v) = %d, want %d", v, n, len(want))
	}

	// MarshalTo fills the front of a larger buffer and leaves the rest.
	buf := bytes.Repeat([]byte{0xee}, len(want)+3)
	n, err := PT(&v).MarshalTo(buf)
	if err != nil || n != len(want) || !bytes.Equal(buf[:n], want) || !bytes.Equal(buf[n:], []byte{0xee, 0xee, 0xee}) {
		t.Fatalf("MarshalTo(%d-byte buffer) = %d, %v, buffer % x; want %d, nil, % x then ee ee ee", len(buf), n, err, buf, len(want), want)
	}
	// MarshalToSizedBuffer fills the back.
	buf = bytes.Repeat([]byte{0xee}, len(want)+3)
	n, err = PT(&v).MarshalToSizedBuffer(buf)
	if err != nil || n != len(want) || !bytes.Equal(buf[3:], want) || !bytes.Equal(buf[:3], []byte{0xee, 0xee, 0xee}) {
		t.Fatalf("MarshalToSizedBuffer(%d-byte buffer) = %d, %v, buffer % x; want %d, nil, ee ee ee then % x", len(buf), n, err, buf, len(want), want)
	}
	// A buffer one byte short is an error, not a panic or a partial write.
	if len(want) > 0 {
		short := make([]byte, len(want)-1)
		if _, err := PT(&v).MarshalTo(short); err == nil {
			t.Fatalf("MarshalTo into %d bytes of %d succeeded", len(short), len(want))
		}
		if _, err := PT(&v).MarshalToSizedBuffer(short); err == nil {
			t.Fatalf("MarshalToSizedBuffer into %d bytes of %d succeeded", len(short), len(want))
		}
	}
}

func (k *kind[T, G, R, PT, PG, PR]) checkDecodeGogo(t *testing.T, g *Gen) {
	v := k.gen(g)
	ref := k.toGogo(v)
	data, err := PG(&ref).Marshal()
	if err != nil {
		t.Fatalf("gogo Marshal: %v", err)
	}
	k.expectDecode(t, "gogo", data, v)
}

// checkDecodeGoref encodes with protoc-gen-go, which writes only the fields
// that toGoref set: non-zero scalars and enums, non-zero non-nullable
// messages, a non-nil Snapshot, non-nil bytes (empty ones included) and
// non-empty repeated fields. Decoding restores every field exactly, with one
// exception that no encoding can express (see dropEmptyRepeated): an empty non-nil repeated field comes back nil.
func (k *kind[T, G, R, PT, PG, PR]) checkDecodeGoref(t *testing.T, g *Gen) {
	v := k.gen(g)
	data, err := proto.Marshal(PR(k.toGoref(v)))
	if err != nil {
		t.Fatalf("protoc-gen-go Marshal: %v", err)
	}
	k.expectDecode(t, "protoc-gen-go", data, v)
}

// expectDecode decodes data, which encoder wrote from want, with Unmarshal
// and UnmarshalAlias, and checks that both return want and that Unmarshal
// does not alias data.
func (k *kind[T, G, R, PT, PG, PR]) expectDecode(t *testing.T, encoder string, data []byte, want T) {
	t.Helper()
	var got T
	if err := PT(&got).Unmarshal(data); err != nil {
		t.Fatalf("Unmarshal of the %s encoding of %+v: %v\n% x", encoder, want, err, data)
	}
	want = decoded(want)
	if d := diff(want, got); d != "" {
		t.Fatalf("Unmarshal of the %s encoding %s", encoder, d)
	}
	var alias T
	if err := PT(&alias).UnmarshalAlias(data); err != nil {
		t.Fatalf("UnmarshalAlias of the %s encoding of %+v: %v", encoder, want, err)
	}
	if d := diff(want, alias); d != "" {
		t.Fatalf("UnmarshalAlias of the %s encoding %s", encoder, d)
	}
	// Overwriting the input must not change what Unmarshal returned.
	for i := range data {
		data[i] ^= 0xff
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("Unmarshal's result aliases its input %s", d)
	}
}

func (k *kind[T, G, R, PT, PG, PR]) checkReferencesDecode(t *testing.T, g *Gen) {
	v := k.gen(g)
	data, err := PT(&v).Marshal()
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", v, err)
	}
	want := decoded(v)
	var ref G
	if err := PG(&ref).Unmarshal(data); err != nil {
		t.Fatalf("gogo Unmarshal of %+v: %v", v, err)
	}
	if d := diff(want, k.fromGogo(ref)); d != "" {
		t.Fatalf("gogo decoding of tickraft's encoding %s", d)
	}
	goRef := PR(new(R))
	if err := proto.Unmarshal(data, goRef); err != nil {
		t.Fatalf("protoc-gen-go Unmarshal of %+v: %v", v, err)
	}
	if d := diff(want, k.fromGoref(goRef)); d != "" {
		t.Fatalf("protoc-gen-go decoding of tickraft's encoding %s", d)
	}
}
