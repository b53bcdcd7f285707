// Test-only module: reference encoders generated from ../raft.proto (gogo
// and protoc-gen-go) and the differential tests that hold tickraft's
// hand-written raftpb codec to them. Kept apart so that neither generator's
// runtime becomes a dependency of the root module.
module github.com/tickraft/raft/raftpb/reftest

go 1.26

replace github.com/tickraft/raft => ../..

require (
	github.com/gogo/protobuf v1.3.2
	github.com/google/go-cmp v0.7.0
	github.com/tickraft/raft v0.0.0-00010101000000-000000000000
	google.golang.org/protobuf v1.36.12
)
