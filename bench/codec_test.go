package bench

import (
	"bytes"
	"testing"

	tickpb "github.com/tickraft/raft/raftpb"
	etcdpb "go.etcd.io/raft/v3/raftpb"
)

// codec is the part of the generated-code API that both raftpb packages
// share, so one benchmark body runs on either.
type codec interface {
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
	Reset()
	Size() int
}

// entryData returns the payload of the k-th entry: distinct bytes per entry
// so that a codec mixing entries up cannot pass the equality test.
func entryData(k, size int) []byte { return bytes.Repeat([]byte{byte('a' + k)}, size) }

// workload is one message built identically in both packages.
type workload struct {
	name       string
	tick, etcd codec
}

func workloads() []workload {
	const n, size = 8, 256
	tickApp := &tickpb.Message{Type: tickpb.MsgApp, To: 2, From: 1, Term: 7, LogTerm: 7, Index: 100, Commit: 99}
	etcdApp := &etcdpb.Message{Type: etcdpb.MsgApp, To: 2, From: 1, Term: 7, LogTerm: 7, Index: 100, Commit: 99}
	for k := range n {
		tickApp.Entries = append(tickApp.Entries, tickpb.Entry{Term: 7, Index: uint64(101 + k), Data: entryData(k, size)})
		etcdApp.Entries = append(etcdApp.Entries, etcdpb.Entry{Term: 7, Index: uint64(101 + k), Data: entryData(k, size)})
	}
	return []workload{
		{
			name: "Heartbeat",
			tick: &tickpb.Message{Type: tickpb.MsgHeartbeat, To: 2, From: 1, Term: 9, Commit: 120},
			etcd: &etcdpb.Message{Type: etcdpb.MsgHeartbeat, To: 2, From: 1, Term: 9, Commit: 120},
		},
		{name: "MsgApp8x256", tick: tickApp, etcd: etcdApp},
	}
}

// TestCodecWorkloadsMatch keeps the comparison fair: both sides encode the
// same bytes, and each decodes the other's encoding back to those bytes.
func TestCodecWorkloadsMatch(t *testing.T) {
	for _, w := range workloads() {
		tb, err := w.tick.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		eb, err := w.etcd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tb, eb) {
			t.Errorf("%s: tickraft encodes %x, etcd %x", w.name, tb, eb)
		}
		tm, em := &tickpb.Message{}, &etcdpb.Message{}
		if err := tm.Unmarshal(eb); err != nil {
			t.Fatalf("%s: tickraft decoding etcd's bytes: %v", w.name, err)
		}
		if err := em.Unmarshal(tb); err != nil {
			t.Fatalf("%s: etcd decoding tickraft's bytes: %v", w.name, err)
		}
		if rt, _ := tm.Marshal(); !bytes.Equal(rt, eb) {
			t.Errorf("%s: tickraft round trip of etcd's bytes gives %x", w.name, rt)
		}
		if rt, _ := em.Marshal(); !bytes.Equal(rt, tb) {
			t.Errorf("%s: etcd round trip of tickraft's bytes gives %x", w.name, rt)
		}
	}
}

// BenchmarkCodec encodes with Marshal (a fresh buffer, as a transport does)
// and decodes with Reset then Unmarshal into one reused message. Sub-
// benchmark names end in impl=tickraft or impl=etcd for benchstat -col /impl.
func BenchmarkCodec(b *testing.B) {
	for _, w := range workloads() {
		for _, impl := range []struct {
			name string
			c    codec
			dst  codec
		}{
			{"tickraft", w.tick, &tickpb.Message{}},
			{"etcd", w.etcd, &etcdpb.Message{}},
		} {
			b.Run(w.name+"/Encode/impl="+impl.name, func(b *testing.B) { benchEncode(b, impl.c) })
			b.Run(w.name+"/Decode/impl="+impl.name, func(b *testing.B) { benchDecode(b, impl.c, impl.dst) })
		}
	}
}

func benchEncode(b *testing.B, c codec) {
	b.ReportAllocs()
	b.SetBytes(int64(c.Size()))
	for b.Loop() {
		if _, err := c.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, src, dst codec) {
	in, err := src.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		dst.Reset()
		if err := dst.Unmarshal(in); err != nil {
			b.Fatal(err)
		}
	}
}
