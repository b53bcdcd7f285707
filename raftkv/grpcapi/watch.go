package grpcapi

import (
	"errors"
	"io"

	"github.com/tickraft/raft/raftkv/watch"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// WatchBackend is implemented by a Backend that serves watches. A nil hub
// means it does not, and Watch answers Unimplemented.
type WatchBackend interface {
	WatchHub() *watch.Hub
}

// watchServer picks the Watch service for the backend.
func (s *Server) watchServer() pb.WatchServer {
	if hub := s.watchHub(); hub != nil {
		return watchService{s: s, hub: hub}
	}
	return noWatchService{}
}

func (s *Server) watchHub() *watch.Hub {
	if wb, ok := s.backend.(WatchBackend); ok {
		return wb.WatchHub()
	}
	return nil
}

// EndWatches stops the backend's watch hub, ending every watch stream with
// etcd's "server stopped" and refusing new ones. Call it before
// grpc.Server.GracefulStop, which would otherwise wait for watch streams,
// which never end by themselves.
func (s *Server) EndWatches() {
	if hub := s.watchHub(); hub != nil {
		hub.Stop()
	}
}

// watchService serves etcd's Watch stream from a watch.Hub: the handler's
// goroutine reads requests, a second one sends what the hub queues.
type watchService struct {
	s   *Server
	hub *watch.Hub
}

var _ pb.WatchServer = watchService{}

func (w watchService) Watch(stream pb.Watch_WatchServer) error {
	ws := w.hub.NewStream()
	defer ws.Close()
	sent := make(chan error, 1)
	go func() { sent <- w.sendLoop(ws, stream) }()
	recvd := make(chan error, 1)
	go func() { recvd <- recvLoop(ws, stream) }()
	select {
	case err := <-sent:
		return err
	case err := <-recvd:
		if err == nil {
			// The client closed its side; its watches go on, as in etcd.
			return <-sent
		}
		return err
	}
}

// recvLoop applies the client's requests to the stream until the client
// stops sending (nil) or the stream breaks. Unknown requests are ignored,
// as etcd does.
func recvLoop(ws *watch.Stream, stream pb.Watch_WatchServer) error {
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch r := req.RequestUnion.(type) {
		case *pb.WatchRequest_CreateRequest:
			if r.CreateRequest != nil {
				ws.Create(r.CreateRequest)
			}
		case *pb.WatchRequest_CancelRequest:
			if r.CancelRequest != nil {
				ws.Cancel(r.CancelRequest.WatchId)
			}
		case *pb.WatchRequest_ProgressRequest:
			ws.RequestProgress()
		}
	}
}

// sendLoop sends queued responses, with full headers, until the stream or
// the hub ends.
func (w watchService) sendLoop(ws *watch.Stream, stream pb.Watch_WatchServer) error {
	ctx := stream.Context()
	for {
		resps, err := ws.Next(ctx)
		switch {
		case errors.Is(err, watch.ErrStopped):
			return rpctypes.ErrGRPCStopped
		case err != nil:
			return w.s.toStatus(err)
		}
		hdr := w.s.backend.Header()
		for _, r := range resps {
			hdr.fill(&r.Header)
			if err := stream.Send(r); err != nil {
				return err
			}
		}
	}
}

// noWatchService answers every watch with Unimplemented, for backends
// without a hub.
type noWatchService struct{}

func (noWatchService) Watch(pb.Watch_WatchServer) error { return unsupported("watches yet") }
