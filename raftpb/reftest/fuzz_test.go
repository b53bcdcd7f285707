package reftest

import "testing"

// The differential fuzz targets: arbitrary bytes decoded by tickraft and by
// gogo (see diffDecode). Each is seeded with gogo encodings of random
// values; testdata/fuzz/ keeps the interesting inputs found.

func FuzzDiffEntry(f *testing.F)            { fuzzDiff(f, entryKind) }
func FuzzDiffSnapshotMetadata(f *testing.F) { fuzzDiff(f, snapshotMetadataKind) }
func FuzzDiffSnapshot(f *testing.F)         { fuzzDiff(f, snapshotKind) }
func FuzzDiffMessage(f *testing.F)          { fuzzDiff(f, messageKind) }
func FuzzDiffHardState(f *testing.F)        { fuzzDiff(f, hardStateKind) }
func FuzzDiffConfState(f *testing.F)        { fuzzDiff(f, confStateKind) }
func FuzzDiffConfChange(f *testing.F)       { fuzzDiff(f, confChangeKind) }
func FuzzDiffConfChangeSingle(f *testing.F) { fuzzDiff(f, confChangeSingleKind) }
func FuzzDiffConfChangeV2(f *testing.F)     { fuzzDiff(f, confChangeV2Kind) }

// fuzzSeeds is how many random values seed each target; the generator's
// large payloads are left out, as they slow the fuzzer without adding
// structure.
const fuzzSeeds = 20

func fuzzDiff(f *testing.F, k checker) {
	g := NewGen(7)
	for added := 0; added < fuzzSeeds; {
		b, err := k.gogoEncoding(g)
		if err != nil {
			f.Fatalf("gogo Marshal: %v", err)
		}
		if len(b) < 512 {
			f.Add(b)
			added++
		}
	}
	f.Add(unknownFields())
	f.Fuzz(func(t *testing.T, data []byte) { k.diffDecode(t, data) })
}
