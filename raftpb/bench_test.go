package raftpb

import "testing"

// benchValues are the hot-path shapes: a heartbeat, a MsgApp carrying 8
// entries of 256 bytes, and a single entry as stored in a log.
func benchValues() []struct {
	name string
	v    codec
} {
	e := msgApp(1, 256).Entries[0]
	return []struct {
		name string
		v    codec
	}{
		{"Heartbeat", heartbeat()},
		{"MsgApp8x256", msgApp(8, 256)},
		{"Entry256", &e},
	}
}

func BenchmarkMarshal(b *testing.B) {
	for _, bv := range benchValues() {
		b.Run(bv.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(bv.v.Size()))
			for b.Loop() {
				if _, err := bv.v.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMarshalTo(b *testing.B) {
	for _, bv := range benchValues() {
		b.Run(bv.name, func(b *testing.B) {
			buf := make([]byte, bv.v.Size())
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, err := bv.v.MarshalTo(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	benchmarkDecode(b, codec.Unmarshal)
}

func BenchmarkUnmarshalAlias(b *testing.B) {
	benchmarkDecode(b, codec.UnmarshalAlias)
}

func benchmarkDecode(b *testing.B, decode func(codec, []byte) error) {
	for _, bv := range benchValues() {
		b.Run(bv.name, func(b *testing.B) {
			in, err := bv.v.Marshal()
			if err != nil {
				b.Fatal(err)
			}
			dst := newLike(bv.v)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				dst.Reset()
				if err := decode(dst, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
