package apicompat

// The API test loads these packages by path through go/packages. Importing
// them here keeps go.etcd.io/raft/v3 and everything it builds with in go.mod
// and go.sum, where `go mod tidy` would otherwise drop them.
import (
	_ "go.etcd.io/raft/v3"
	_ "go.etcd.io/raft/v3/confchange"
	_ "go.etcd.io/raft/v3/quorum"
	_ "go.etcd.io/raft/v3/raftpb"
	_ "go.etcd.io/raft/v3/tracker"
)
