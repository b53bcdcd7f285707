module github.com/tickraft/raft/bench

go 1.26.0

replace github.com/tickraft/raft => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/tickraft/raft v0.0.0-00010101000000-000000000000
	go.etcd.io/raft/v3 v3.6.0
	golang.org/x/tools v0.51.0
)

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
