module github.com/tickraft/raft

go 1.26

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/cockroachdb/datadriven v1.0.3
	github.com/google/go-cmp v0.7.0
	google.golang.org/protobuf v1.36.12
)

require github.com/pmezard/go-difflib v1.0.0 // indirect
