#!/usr/bin/env bash
# Regenerates the code derived from raftpb/raft.proto (called by `make proto`):
#
#   raftpb/reftest/gogoref/raft.pb.go  gogo reference encoder (protoc-gen-gogofaster)
#   raftpb/reftest/goref/raft.pb.go    protoc-gen-go reference encoder
#   raftpb/raft_descriptor.pb.go       gzipped FileDescriptorProto for raftpb
#
# The reference encoders are test-only: they live in the separate module
# raftpb/reftest so that neither gogo nor generated code reaches users of
# the root module. Plugins come from `make tools` (bin/), protoc from the
# system (Debian's protobuf-compiler).
#
# `proto.sh --outputs` prints the generated files, one per line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

outputs=(
	raftpb/reftest/gogoref/raft.pb.go
	raftpb/reftest/goref/raft.pb.go
	raftpb/raft_descriptor.pb.go
)
if [[ "${1:-}" == "--outputs" ]]; then
	printf '%s\n' "${outputs[@]}"
	exit 0
fi
if [[ $# -gt 0 ]]; then
	echo "usage: $0 [--outputs]" >&2
	exit 2
fi

# The protoc version is written into the protoc-gen-go header; the checked-in
# files were made with this one.
want_protoc="libprotoc 3.21.12"
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
have_protoc=$(protoc --version)
if [[ "$have_protoc" != "$want_protoc" ]]; then
	echo "warning: $have_protoc differs from $want_protoc; the generated headers will differ" >&2
fi
for plugin in protoc-gen-gogofaster protoc-gen-go; do
	[[ -x "bin/$plugin" ]] || { echo "bin/$plugin missing: run 'make tools'" >&2; exit 1; }
done

gogo_dir=$(cd tools && GOWORK=off go list -m -f '{{.Dir}}' github.com/gogo/protobuf)
[[ -f "$gogo_dir/gogoproto/gogo.proto" ]] || { echo "gogo.proto not found under $gogo_dir" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PATH="$root/bin:$PATH"
refpkg=github.com/tickraft/raft/raftpb/reftest

# gogo: the schema as it is, with gogo.proto and its descriptor.proto import.
mkdir -p "$tmp/gogo"
# gogofaster turns nullable off for every scalar field and then warns that
# it means nothing for bytes; those warnings are dropped, anything else shown.
protoc -I raftpb -I "$gogo_dir" -I "$gogo_dir/protobuf" \
	--gogofaster_out="import_path=$refpkg/gogoref,paths=source_relative,Mgogoproto/gogo.proto=github.com/gogo/protobuf/gogoproto:$tmp/gogo" \
	raft.proto 2>"$tmp/gogo.log" || { cat "$tmp/gogo.log" >&2; exit 1; }
grep -v 'is a non-nullable bytes type, nullable=false has no effect$' "$tmp/gogo.log" >&2 || true
install -D -m 0644 "$tmp/gogo/raft.pb.go" raftpb/reftest/gogoref/raft.pb.go

# protoc-gen-go: the schema with the gogo import and options removed, under
# the same file name so that the descriptor names match.
mkdir -p "$tmp/plain" "$tmp/go"
sed -e '/^import "gogoproto\/gogo.proto";/d' \
	-e '/^option (gogoproto\./d' \
	-e 's/ *\[(gogoproto\.[^]]*\]//' \
	raftpb/raft.proto >"$tmp/plain/raft.proto"
if grep -qE '^[^/]*gogoproto' "$tmp/plain/raft.proto"; then
	echo "gogoproto options left after stripping:" >&2
	grep -nE '^[^/]*gogoproto' "$tmp/plain/raft.proto" >&2
	exit 1
fi
protoc -I "$tmp/plain" \
	--go_out="$tmp/go" --go_opt="Mraft.proto=$refpkg/goref" --go_opt=paths=source_relative \
	raft.proto
install -D -m 0644 "$tmp/go/raft.pb.go" raftpb/reftest/goref/raft.pb.go

# The descriptor of the schema as it is, gogo options included, which is
# what go.etcd.io/raft/v3's Descriptor() methods return.
protoc -I raftpb -I "$gogo_dir" -I "$gogo_dir/protobuf" \
	--descriptor_set_out="$tmp/raft.desc" raft.proto
(cd tools && GOWORK=off go run ./cmd/gendescriptor \
	-set "$tmp/raft.desc" -file raft.proto -pkg raftpb -var fileDescriptorRaft \
	-out "$root/raftpb/raft_descriptor.pb.go")
