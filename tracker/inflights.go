package tracker

// inflight is one append message that has been sent but not acknowledged.
type inflight struct {
	index uint64 // where the message's entries end
	bytes uint64 // payload size of those entries, summed
}

// Inflights is the flow-control window for appends to one follower. For
// every MsgApp sent and not yet acknowledged it keeps the index of the
// message's last entry and its payload size. The leader asks Full before
// sending, records each send with Add, and on an acknowledgement of index i
// drops everything that i covers with FreeLE(i).
//
// It is a FIFO ring of at most size messages whose indexes strictly
// increase from the oldest to the newest. The ring is allocated lazily and
// grows up to size, so an idle or slow follower costs little memory.
//
// A nil *Inflights behaves as an empty window with no room: it is Full and
// holds nothing.
type Inflights struct {
	ring  []inflight // len(ring) <= size; the ring wraps at len(ring)
	head  int        // position of the oldest message in ring
	count int        // messages in flight
	bytes uint64     // sum of the bytes of the messages in flight

	size     int    // the most messages allowed in flight
	maxBytes uint64 // the most bytes allowed in flight; 0 means no limit
}

// NewInflights returns an empty window admitting size messages and maxBytes
// payload bytes in flight; maxBytes == 0 disables the byte limit. The byte
// limit is checked before a send, not after: while fewer than maxBytes are
// in flight one more message goes out whatever its size, so a single large
// message can never stall the follower.
func NewInflights(size int, maxBytes uint64) *Inflights {
	return &Inflights{size: size, maxBytes: maxBytes}
}

// Clone returns a deep copy, so that changes to one window never show in the
// other. The clone of nil is nil.
func (in *Inflights) Clone() *Inflights {
	if in == nil {
		return nil
	}
	c := *in
	if in.ring != nil {
		c.ring = make([]inflight, len(in.ring))
		copy(c.ring, in.ring)
	}
	return &c
}

// Add records an append that is going out: index is its last entry's index
// and bytes its payload size. The caller must have seen Full return false,
// and each index must exceed the one before it; breaking either rule is a
// bug in the caller and panics.
func (in *Inflights) Add(index, bytes uint64) {
	if in.Full() {
		panic("tracker: Inflights.Add called while Full; check Full before sending an append")
	}
	if in.count > 0 && index <= in.at(in.count-1).index {
		panic("tracker: Inflights.Add index must be above the last index in flight")
	}
	if in.count == len(in.ring) {
		in.grow()
	}
	*in.at(in.count) = inflight{index: index, bytes: bytes}
	in.count++
	in.bytes += bytes
}

// at returns the i-th oldest message; i may be count (the next free slot)
// as long as the ring has room for it.
func (in *Inflights) at(i int) *inflight {
	pos := in.head + i
	if pos >= len(in.ring) {
		pos -= len(in.ring)
	}
	return &in.ring[pos]
}

// grow doubles the ring (up to size), unwrapping it so the oldest message
// lands at position 0.
func (in *Inflights) grow() {
	n := min(max(2*len(in.ring), 1), in.size)
	ring := make([]inflight, n)
	for i := range in.count {
		ring[i] = *in.at(i)
	}
	in.ring = ring
	in.head = 0
}

// FreeLE forgets every message whose last index is at most to: an
// acknowledgement of to covers all of them. Later messages stay in flight.
func (in *Inflights) FreeLE(to uint64) {
	if in == nil {
		return
	}
	for in.count > 0 {
		oldest := in.at(0)
		if oldest.index > to {
			break
		}
		in.bytes -= oldest.bytes
		in.count--
		in.head++
		if in.head == len(in.ring) {
			in.head = 0
		}
	}
	if in.count == 0 {
		in.head = 0
	}
}

// Full reports whether the window is closed to new appends: size messages
// are in flight, or their bytes have reached maxBytes. A nil window is
// always full.
func (in *Inflights) Full() bool {
	if in == nil {
		return true
	}
	return in.count >= in.size || (in.maxBytes != 0 && in.bytes >= in.maxBytes)
}

// Count returns how many appends are awaiting acknowledgement.
func (in *Inflights) Count() int {
	if in == nil {
		return 0
	}
	return in.count
}

// reset forgets every message in flight, and with them their bytes. Every
// Progress state transition calls it: a byte count left behind would keep
// the window Full forever and stall replication to the follower.
func (in *Inflights) reset() {
	if in == nil {
		return
	}
	in.head = 0
	in.count = 0
	in.bytes = 0
}
