package tracker

// inflight is one append message that has been sent but not acknowledged.
type inflight struct {
	index uint64 // index of the last entry in the message
	bytes uint64 // total payload size of the message's entries
}

// Inflights limits the number of MsgApp (represented by the largest index
// contained within) sent to followers but not yet acknowledged by them.
// Callers use Full() to check whether more messages can be sent, call Add()
// whenever they are sending a new append, and release "quota" via FreeLE()
// whenever an ack is received.
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

// NewInflights sets up an Inflights that allows up to size inflight messages,
// with the total byte size up to maxBytes. If maxBytes is 0 then there is no
// byte size limit. The maxBytes limit is soft, i.e. we accept a single message
// that brings it from size < maxBytes to size >= maxBytes.
func NewInflights(size int, maxBytes uint64) *Inflights {
	return &Inflights{size: size, maxBytes: maxBytes}
}

// Clone returns an *Inflights that is identical to but shares no memory with
// the receiver.
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

// Add notifies the Inflights that a new message with the given index and byte
// size is being dispatched. Full() must be called prior to Add() to verify
// that there is room for one more message, and consecutive calls to Add() must
// provide a strictly increasing sequence of indexes. Breaking either rule is
// a bug in the caller and panics.
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

// FreeLE frees the inflights smaller or equal to the given `to` flight.
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

// Full returns true if no more messages can be sent at the moment: either
// size messages are in flight, or the bytes in flight reached maxBytes.
func (in *Inflights) Full() bool {
	if in == nil {
		return true
	}
	return in.count >= in.size || (in.maxBytes != 0 && in.bytes >= in.maxBytes)
}

// Count returns the number of inflight messages.
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
