package confchange

import (
	"fmt"
	"slices"
	"testing"

	pb "github.com/tickraft/raft/raftpb"
	"github.com/tickraft/raft/tracker"
)

// FuzzChanger decodes arbitrary bytes into a sequence of operations and
// checks each against the model: no input may panic, break an invariant or
// disagree with the model.
//
// Each operation is a header byte (kind = b%3 as in operation, number of
// changes = (b/3)%5, autoleave = b/15 odd) followed by one byte per change
// (type = b%5, where 4 is an unknown type; node id = (b/5)%6). The change
// bytes of a leave-joint are read and ignored.
func FuzzChanger(f *testing.F) {
	// simple v1; enter-joint autoleave=true v2 v3 l1; leave-joint
	f.Add([]byte{3, 5, 25, 10, 15, 6, 2})
	// simple v1 l2; enter-joint v2 <type 9>3 (refused); simple r1 (refused)
	f.Add([]byte{6, 5, 11, 7, 10, 19, 3, 7})
	// simple v0 u1 v1
	f.Add([]byte{9, 0, 8, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		chg := Changer{Tracker: tracker.MakeProgressTracker(2, 0), LastIndex: 3}
		m := newModel()
		for step := 0; len(data) > 0 && step < 64; step++ {
			var op operation
			op, data = decodeOperation(data)
			if next := stepAgainstModel(t, fmt.Sprintf("step %d", step), &chg, m, op); next != nil {
				m = next
			}
		}
	})
}

func decodeOperation(data []byte) (operation, []byte) {
	h := data[0]
	data = data[1:]
	op := operation{kind: int(h % 3), autoLeave: (h/15)%2 == 1}
	types := []pb.ConfChangeType{pb.ConfChangeAddNode, pb.ConfChangeAddLearnerNode, pb.ConfChangeRemoveNode, pb.ConfChangeUpdateNode, 9}
	for n := int(h/3) % 5; n > 0 && len(data) > 0; n-- {
		b := data[0]
		data = data[1:]
		op.ccs = append(op.ccs, pb.ConfChangeSingle{Type: types[b%5], NodeID: uint64(b/5) % 6})
	}
	return op, data
}

// TestDecodeOperation pins the byte encoding that the seeds above rely on.
func TestDecodeOperation(t *testing.T) {
	var got []string
	data := []byte{3, 5, 25, 10, 15, 6, 2, 7, 10, 19}
	for len(data) > 0 {
		var op operation
		op, data = decodeOperation(data)
		got = append(got, op.String())
	}
	want := []string{
		"simple ConfChangeAddNode(1)",
		"enter-joint autoleave=true ConfChangeAddNode(2) ConfChangeAddNode(3) ConfChangeAddLearnerNode(1)",
		"leave-joint",
		"enter-joint autoleave=false ConfChangeAddNode(2) ConfChangeType(9)(3)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("decoded %q, want %q", got, want)
	}
}
