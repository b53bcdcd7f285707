package kv

import (
	"fmt"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// compact applies etcd's Compact(rev): afterwards rev is the oldest
// revision that can be read or watched from, so the events of the
// revisions before it are dropped and the compacted revision becomes
// rev-1 (CompactedRevision reports the last revision whose events are gone;
// etcd's compaction revision is one above it). As in etcd, a revision not
// above the current compaction revision fails with ErrCompacted and one
// past the current revision with ErrFutureRevision; a failure changes
// nothing. It runs through raft so that every replica drops the same
// events. The first result is the response, the second the request's own
// failure, the third a storage error.
func (a *applier) compact(req *etcdserverpb.CompactionRequest) (*etcdserverpb.CompactionResponse, error, error) {
	st := a.st
	switch {
	case req.Revision > st.revision:
		return nil, fmt.Errorf("%w: asked to compact through %d, current %d", ErrFutureRevision, req.Revision, st.revision), nil
	case req.Revision < 1 || (st.compacted > 0 && req.Revision <= st.compacted+1):
		return nil, fmt.Errorf("%w: asked to compact through %d, oldest readable revision is %d",
			ErrCompacted, req.Revision, st.compacted+1), nil
	}
	if err := dropHistory(a.tx, st, req.Revision-1); err != nil {
		return nil, nil, fmt.Errorf("compacting history through %d: %w", req.Revision-1, err)
	}
	return &etcdserverpb.CompactionResponse{Header: &etcdserverpb.ResponseHeader{Revision: st.revision}}, nil, nil
}
