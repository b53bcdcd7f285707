package server

import (
	"context"
	"io"

	"github.com/tickraft/raft"
	"github.com/tickraft/raft/raftpb"
)

// handler is the Server seen by the transport. It only queues work for
// the loop: a full queue drops the message (raft resends), so a busy loop
// never holds up a transport goroutine.
type handler Server

func (h *handler) Process(_ context.Context, m raftpb.Message) error {
	select {
	case h.recvc <- m:
	default:
	}
	return nil
}

func (h *handler) ProcessSnapshot(ctx context.Context, m raftpb.Message, data io.Reader) error {
	return (*Server)(h).receiveSnapshot(ctx, m, data)
}

func (h *handler) ReportUnreachable(id uint64) {
	h.events.push(event{unreachable: id})
}

func (h *handler) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	h.events.push(event{snapTo: id, snapStatus: status})
}
