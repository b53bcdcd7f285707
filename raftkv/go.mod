module github.com/tickraft/raft/raftkv

go 1.26

replace github.com/tickraft/raft => ../

require (
	github.com/tickraft/raft v0.0.0-00010101000000-000000000000 // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
