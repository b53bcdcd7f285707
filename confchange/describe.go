package confchange

import (
	"fmt"
	"strings"

	pb "github.com/tickraft/raft/raftpb"
)

// Describe renders changes as a space-separated list such as
// "ConfChangeAddNode(1) ConfChangeRemoveNode(2)", for logs and errors.
func Describe(ccs ...pb.ConfChangeSingle) string {
	var b strings.Builder
	for i, cc := range ccs {
		if i > 0 {
			b.WriteByte(' ')
		}
		name, ok := pb.ConfChangeType_name[int32(cc.Type)]
		if !ok {
			name = fmt.Sprintf("ConfChangeType(%d)", cc.Type)
		}
		fmt.Fprintf(&b, "%s(%d)", name, cc.NodeID)
	}
	return b.String()
}
