package reftest

import (
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// diffDecode decodes arbitrary bytes with tickraft (Unmarshal and
// UnmarshalAlias) and with gogo. Both must fail, or both succeed with equal
// values that re-encode to equal bytes, except where tickraft is
// deliberately stricter than gogo (see strictViolation): there tickraft
// must fail, whatever gogo does.
func (k *kind[T, G, R, PT, PG, PR]) diffDecode(t *testing.T, data []byte) {
	var ours, alias T
	errOurs := PT(&ours).Unmarshal(data)
	errAlias := PT(&alias).UnmarshalAlias(data)
	if (errOurs == nil) != (errAlias == nil) {
		t.Fatalf("Unmarshal error %v but UnmarshalAlias error %v for % x", errOurs, errAlias, data)
	}
	var ref G
	errRef := PG(&ref).Unmarshal(data)
	if rule := strictViolation(k.name, data, 0); rule != "" {
		if errOurs == nil {
			t.Fatalf("%s: accepted input that %s: % x", k.name, rule, data)
		}
		return
	}
	switch {
	case errOurs != nil && errRef == nil:
		t.Fatalf("%s: tickraft rejects what gogo accepts (%v): % x", k.name, errOurs, data)
	case errOurs == nil && errRef != nil:
		t.Fatalf("%s: tickraft accepts what gogo rejects (%v): % x", k.name, errRef, data)
	case errOurs != nil:
		return
	}
	if d := diff(k.fromGogo(ref), ours); d != "" {
		t.Fatalf("%s: decodings of % x differ, gogo's is want: %s", k.name, data, d)
	}
	if d := diff(ours, alias); d != "" {
		t.Fatalf("%s: Unmarshal and UnmarshalAlias of % x differ: %s", k.name, data, d)
	}
	got, err := PT(&ours).Marshal()
	if err != nil {
		t.Fatalf("%s: re-encoding: %v", k.name, err)
	}
	want, err := PG(&ref).Marshal()
	if err != nil {
		t.Fatalf("%s: gogo re-encoding: %v", k.name, err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s: re-encodings of % x differ\n got % x\nwant % x", k.name, data, got, want)
	}
}

func (k *kind[T, G, R, PT, PG, PR]) gogoEncoding(g *Gen) ([]byte, error) {
	ref := k.toGogo(k.gen(g))
	return PG(&ref).Marshal()
}

func (k *kind[T, G, R, PT, PG, PR]) decodeErrors(data []byte) (ours, gogo error) {
	var v T
	var ref G
	return PT(&v).Unmarshal(data), PG(&ref).Unmarshal(data)
}

// The submessage fields of raft.proto, by message and field number, and
// ConfState's repeated uint64 fields, which may come packed.
var (
	submessages = map[string]map[protowire.Number]string{
		"Message":          {7: "Entry", 9: "Snapshot", 14: "Message"},
		"Snapshot":         {2: "SnapshotMetadata"},
		"SnapshotMetadata": {1: "ConfState"},
		"ConfChangeV2":     {2: "ConfChangeSingle"},
	}
	packable = map[string]map[protowire.Number]bool{
		"ConfState": {1: true, 2: true, 3: true, 4: true},
	}
)

// The limits tickraft puts on hostile input, which gogo does not.
const (
	maxGroupNesting    = 100 // raftpb.maxGroupDepth
	maxResponseNesting = 32  // raftpb.maxResponseDepth
)

// strictViolation walks data as a msg (nested depth Responses deep) the way
// gogo parses it and names the first rule it breaks that tickraft enforces
// and gogo does not, or returns "" (also when the input is malformed in a
// way both reject). gogo
//   - reads a field number past 2^31-1 as its low 32 bits (tickraft rejects it),
//   - skips unknown groups without checking the field numbers inside, the
//     end-group number or the nesting depth,
//   - lets a packed varint run past the end of its field, and
//   - nests Responses without limit.
func strictViolation(msg string, data []byte, depth int) string {
	for i := 0; i < len(data); {
		key, n := gogoVarint(data[i:])
		if n == 0 {
			return ""
		}
		i += n
		num, typ := key>>3, protowire.Type(key&7)
		if num > math.MaxInt32 {
			return "has a field number past 2^31-1"
		}
		if num == 0 {
			return ""
		}
		field := protowire.Number(num)
		if typ == protowire.StartGroupType {
			end, rule := walkGroup(data, i, field, 1)
			if rule != "" || end < 0 {
				return rule
			}
			i = end
			continue
		}
		if typ != protowire.BytesType {
			end := skipScalar(data, i, typ)
			if end < 0 {
				return ""
			}
			i = end
			continue
		}
		length, n := gogoVarint(data[i:])
		if n == 0 || length > uint64(len(data)-i-n) {
			return ""
		}
		start, end := i+n, i+n+int(length)
		i = end
		if packable[msg][field] {
			if rule := walkPacked(data[start:], end-start); rule != "" {
				return rule
			}
			continue
		}
		sub, ok := submessages[msg][field]
		if !ok {
			continue
		}
		subDepth := depth
		if msg == "Message" && field == 14 {
			if depth >= maxResponseNesting {
				return "nests Responses too deeply"
			}
			subDepth++
		}
		if rule := strictViolation(sub, data[start:end], subDepth); rule != "" {
			return rule
		}
	}
	return ""
}

// walkGroup walks the group opened by field num at data[i:], nested depth
// groups deep, and returns the index after it (-1 if malformed).
func walkGroup(data []byte, i int, num protowire.Number, depth int) (int, string) {
	if depth > maxGroupNesting {
		return -1, "nests groups too deeply"
	}
	for i < len(data) {
		key, n := gogoVarint(data[i:])
		if n == 0 {
			return -1, ""
		}
		i += n
		inner, typ := key>>3, protowire.Type(key&7)
		if inner == 0 || inner > math.MaxInt32 {
			return -1, "has an illegal field number in a group"
		}
		switch typ {
		case protowire.EndGroupType:
			if protowire.Number(inner) != num {
				return -1, "closes a group with another field number"
			}
			return i, ""
		case protowire.StartGroupType:
			end, rule := walkGroup(data, i, protowire.Number(inner), depth+1)
			if rule != "" || end < 0 {
				return -1, rule
			}
			i = end
		case protowire.BytesType:
			length, n := gogoVarint(data[i:])
			if n == 0 || length > uint64(len(data)-i-n) {
				return -1, ""
			}
			i += n + int(length)
		default:
			if i = skipScalar(data, i, typ); i < 0 {
				return -1, ""
			}
		}
	}
	return -1, ""
}

// walkPacked checks that the varints of a packed field of n bytes at the
// start of data end exactly at its end.
func walkPacked(data []byte, n int) string {
	for i := 0; i < n; {
		_, m := gogoVarint(data[i:])
		if m == 0 {
			return ""
		}
		if i += m; i > n {
			return "has a packed varint running past its field"
		}
	}
	return ""
}

// skipScalar skips a varint, fixed32 or fixed64 value at data[i:] and
// returns the index after it, or -1.
func skipScalar(data []byte, i int, typ protowire.Type) int {
	var n int
	switch typ {
	case protowire.VarintType:
		if _, n = gogoVarint(data[i:]); n == 0 {
			return -1
		}
	case protowire.Fixed32Type:
		n = 4
	case protowire.Fixed64Type:
		n = 8
	default:
		return -1
	}
	if n > len(data)-i {
		return -1
	}
	return i + n
}

// gogoVarint reads a varint as gogo does: up to ten bytes, bits past 64
// dropped. It returns the length read, 0 if the varint is cut short or
// longer than ten bytes.
func gogoVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
