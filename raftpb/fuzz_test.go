package raftpb

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzUnmarshal drives one type's decoders with arbitrary bytes. They must
// never panic, must agree with each other, and whatever they accept must
// survive a re-encoding: Size matches Marshal and decoding the new bytes
// gives the same value. Unmarshal must also not alias its input.
func fuzzUnmarshal[T any, P interface {
	*T
	codec
}](f *testing.F, extra ...string) {
	for _, tc := range vectors {
		if _, ok := tc.v.(P); ok {
			f.Add(unhex(f, tc.hex))
		}
	}
	for _, h := range extra {
		f.Add(unhex(f, h))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		scratch := bytes.Clone(in)
		var copied, aliased T
		err := P(&copied).Unmarshal(scratch)
		errAlias := P(&aliased).UnmarshalAlias(in)
		if (err == nil) != (errAlias == nil) {
			t.Fatalf("Unmarshal error %v, UnmarshalAlias error %v", err, errAlias)
		}
		if err != nil {
			return
		}
		for k := range scratch {
			scratch[k] ^= 0xff
		}
		if d := cmp.Diff(&aliased, &copied); d != "" {
			t.Fatalf("Unmarshal and UnmarshalAlias disagree, or Unmarshal aliases its input (-alias +copy):\n%s", d)
		}
		b, err := P(&copied).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if n := P(&copied).Size(); n != len(b) {
			t.Fatalf("Size %d, Marshal wrote %d", n, len(b))
		}
		var again T
		if err := P(&again).Unmarshal(b); err != nil {
			t.Fatalf("decoding the re-encoding % x: %v", b, err)
		}
		if d := cmp.Diff(&copied, &again); d != "" {
			t.Fatalf("re-encoding changed the value (-first +second):\n%s", d)
		}
	})
}

// Unknown fields of every wire type, a group included, before field 1.
const unknownFields = "78 05 31 01 02 03 04 05 06 07 08 3d 01 02 03 04 4a 01 ff 7b 08 01 7c "

func FuzzUnmarshalEntry(f *testing.F) {
	fuzzUnmarshal[Entry](f, unknownFields+"08 02", "22 05 61", "08 81 80 80 80 10")
}

func FuzzUnmarshalSnapshotMetadata(f *testing.F) {
	fuzzUnmarshal[SnapshotMetadata](f, "0a 02 08 01 0a 03 12 01 02", unknownFields)
}

func FuzzUnmarshalSnapshot(f *testing.F) {
	fuzzUnmarshal[Snapshot](f, "12 04 0a 02 08 80", "0a 00 0a 01 61")
}

func FuzzUnmarshalMessage(f *testing.F) {
	fuzzUnmarshal[Message](f,
		"08 08 10 02 18 01 20 03 40 05",
		"4a 02 0a 00 4a 04 12 02 10 05",
		"3a 04 78 01 10 09 40 01",
		"72 06 72 04 3a 02 22 00",
		unknownFields+"62 01 63")
}

func FuzzUnmarshalHardState(f *testing.F) {
	fuzzUnmarshal[HardState](f, unknownFields+"18 03", "53 5c", "08 80 80 80 80 80 80 80 80 80 80 01")
}

func FuzzUnmarshalConfState(f *testing.F) {
	fuzzUnmarshal[ConfState](f, "0a 03 01 02 03 12 02 ac 02", "08 01 0a 02 02 03 08 04 22 00", "0a 02 01 80")
}

func FuzzUnmarshalConfChange(f *testing.F) {
	fuzzUnmarshal[ConfChange](f, unknownFields+"22 00", "22 01")
}

func FuzzUnmarshalConfChangeSingle(f *testing.F) {
	fuzzUnmarshal[ConfChangeSingle](f, "10 01 10 02 08 fb ff ff ff 0f")
}

func FuzzUnmarshalConfChangeV2(f *testing.F) {
	fuzzUnmarshal[ConfChangeV2](f, "12 02 10 01 1a 00 12 00", "12 01 08")
}
