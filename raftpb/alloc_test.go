package raftpb

import "testing"

// The codec's allocation budget: the hot path pays for the entries slice
// and, unless the caller opts into aliasing, one buffer for all bytes.

func heartbeat() *Message {
	return &Message{Type: MsgHeartbeat, To: 2, From: 1, Term: 9, Commit: 120}
}

func TestAllocsDecodeHeartbeat(t *testing.T) {
	in, _ := heartbeat().Marshal()
	var m Message
	for name, decode := range map[string]func([]byte) error{
		"Unmarshal": m.Unmarshal, "UnmarshalAlias": m.UnmarshalAlias,
	} {
		allocs := testing.AllocsPerRun(100, func() {
			m.Reset()
			if err := decode(in); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s of a heartbeat: %v allocations, want 0", name, allocs)
		}
	}
}

func TestAllocsDecodeMsgApp(t *testing.T) {
	in, _ := msgApp(8, 256).Marshal()
	var m Message
	for _, tc := range []struct {
		name   string
		decode func([]byte) error
		max    float64
	}{
		{"Unmarshal", m.Unmarshal, 2},           // entries slice + shared bytes
		{"UnmarshalAlias", m.UnmarshalAlias, 1}, // entries slice
	} {
		allocs := testing.AllocsPerRun(100, func() {
			m.Reset()
			if err := tc.decode(in); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > tc.max {
			t.Errorf("%s of a MsgApp with 8 entries: %v allocations, want at most %v", tc.name, allocs, tc.max)
		}
		if len(m.Entries) != 8 || cap(m.Entries) != 8 {
			t.Errorf("%s: entries len %d cap %d, want 8 and 8", tc.name, len(m.Entries), cap(m.Entries))
		}
	}
}

func TestAllocsEncode(t *testing.T) {
	for name, m := range map[string]*Message{"heartbeat": heartbeat(), "MsgApp": msgApp(8, 256)} {
		buf := make([]byte, 2*m.Size())
		if allocs := testing.AllocsPerRun(100, func() {
			if _, err := m.MarshalTo(buf); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("MarshalTo of a %s: %v allocations, want 0", name, allocs)
		}
		if allocs := testing.AllocsPerRun(100, func() {
			if _, err := m.MarshalToSizedBuffer(buf); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("MarshalToSizedBuffer of a %s: %v allocations, want 0", name, allocs)
		}
		if allocs := testing.AllocsPerRun(100, func() {
			if _, err := m.Marshal(); err != nil {
				t.Fatal(err)
			}
		}); allocs != 1 {
			t.Errorf("Marshal of a %s: %v allocations, want 1", name, allocs)
		}
	}
}
