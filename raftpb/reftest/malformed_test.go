package reftest

import (
	"bytes"
	"testing"
)

// TestDiffDecodeCrafted runs the differential decoding on inputs made by
// hand, each stating which decoders must reject it. They pin the cases
// where tickraft is deliberately stricter than gogo (and so show that
// strictViolation recognises each), input both reject, and odd but valid
// input both accept.
func TestDiffDecodeCrafted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		kind             checker
		data             []byte
		oursErr, gogoErr bool
	}{
		// tickraft stricter than gogo.
		{"field number 2^32+2 read by gogo as 2", hardStateKind,
			// key (2^32+2)<<3 | varint = 0x8_0000_0010: varint 90 80 80 80 80 01
			[]byte{0x90, 0x80, 0x80, 0x80, 0x80, 0x01, 0x05}, true, false},
		{"group closed by another field number", hardStateKind,
			[]byte{0xa3, 0x01, 0xac, 0x01}, true, false}, // start group 20, end group 21
		{"field number 0 inside a group", hardStateKind,
			[]byte{0xa3, 0x01, 0x00, 0x01, 0xa4, 0x01}, true, false},
		{"groups nested 101 deep", hardStateKind, nestedGroups(101), true, false},
		{"packed voter running past its field", confStateKind,
			[]byte{0x0a, 0x01, 0x80, 0x01}, true, false},
		{"responses nested 33 deep", messageKind, nestedResponses(33), true, false},

		// Rejected by both.
		{"truncated varint", hardStateKind, []byte{0x08, 0x80}, true, true},
		{"eleven-byte varint", hardStateKind, append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 10)...), true, true},
		{"length past the end", entryKind, []byte{0x22, 0x05, 0x01}, true, true},
		{"length of 2^63", entryKind, []byte{0x22, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, true, true},
		{"known field with the wrong wire type", entryKind, []byte{0x12, 0x00}, true, true},
		{"field number 0", hardStateKind, []byte{0x00, 0x01}, true, true},
		{"end group with no group", hardStateKind, []byte{0xa4, 0x01}, true, true},
		{"wire type 6", hardStateKind, []byte{0xa6, 0x01}, true, true},
		{"wire type 7", hardStateKind, []byte{0xa7, 0x01}, true, true},
		{"unclosed group", hardStateKind, []byte{0xa3, 0x01, 0x08, 0x01}, true, true},
		{"truncated fixed64", hardStateKind, []byte{0xa1, 0x01, 0x01, 0x02}, true, true},
		{"bad entry inside a message", messageKind, []byte{0x3a, 0x02, 0x08, 0x80}, true, true},
		{"packed voter truncated at the end of input", confStateKind, []byte{0x0a, 0x01, 0x80}, true, true},

		// Accepted by both.
		{"ten-byte varint with bits past 64", hardStateKind,
			append(append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 9)...), 0x7f), false, false},
		{"varint padded with a zero continuation", hardStateKind, []byte{0x08, 0x81, 0x00}, false, false},
		{"packed voters", confStateKind, []byte{0x0a, 0x03, 0x01, 0x80, 0x01, 0x08, 0x02}, false, false},
		{"empty packed field", confStateKind, []byte{0x12, 0x00}, false, false},
		{"repeated scalar field, last wins", hardStateKind, []byte{0x08, 0x01, 0x08, 0x02}, false, false},
		{"snapshot twice, merged", messageKind,
			[]byte{0x4a, 0x02, 0x0a, 0x00, 0x4a, 0x04, 0x12, 0x02, 0x10, 0x07}, false, false},
		{"enum value past 2^32", entryKind, []byte{0x08, 0x81, 0x80, 0x80, 0x80, 0x10}, false, false},
		{"groups nested 100 deep", hardStateKind, nestedGroups(100), false, false},
		{"responses nested 32 deep", messageKind, nestedResponses(32), false, false},
		{"empty input", messageKind, nil, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ours, gogo := c.kind.decodeErrors(c.data)
			if (ours != nil) != c.oursErr {
				t.Errorf("tickraft error %v, want error: %v", ours, c.oursErr)
			}
			if (gogo != nil) != c.gogoErr {
				t.Errorf("gogo error %v, want error: %v", gogo, c.gogoErr)
			}
			c.kind.diffDecode(t, c.data)
		})
	}
}

// nestedGroups is a HardState holding unknown group 20 nested n deep.
func nestedGroups(n int) []byte {
	var b []byte
	for range n {
		b = append(b, 0xa3, 0x01)
	}
	for range n {
		b = append(b, 0xa4, 0x01)
	}
	return b
}

// nestedResponses is a Message whose Responses nest n deep.
func nestedResponses(n int) []byte {
	b := []byte{0x10, 0x01} // to: 1
	for range n {
		b = append(append([]byte{0x72}, appendVarint(nil, uint64(len(b)))...), b...)
	}
	return b
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
