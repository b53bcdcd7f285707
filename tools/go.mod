// Development tools, pinned. Built into ../bin by the Makefile so that no
// tool's dependencies leak into the tickraft modules.
module github.com/tickraft/raft/tools

go 1.26.0

tool (
	github.com/gogo/protobuf/protoc-gen-gogofaster
	google.golang.org/protobuf/cmd/protoc-gen-go
	honnef.co/go/tools/cmd/staticcheck
)

require google.golang.org/protobuf v1.36.12

require (
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	golang.org/x/exp/typeparams v0.0.0-20231108232855-2478ac86f678 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/tools v0.51.0 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)
