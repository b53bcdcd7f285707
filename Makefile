# Every command a contributor needs. Each target works from a fresh clone:
# Go modules come through the module proxy, tools are pinned in tools/go.mod.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Every module of the repository except the pinned tools.
MODULES := $(shell find . -name go.mod -not -path './tools/*' -not -path './bin/*' -exec dirname {} \; | sort)
BIN := $(CURDIR)/bin
FUZZTIME ?= 10s
BENCHTIME ?= 1s

.PHONY: test check fmt vet staticcheck fuzz sim bench bench-compare proto proto-check tools clean

## test: go vet, then the race-enabled tests of every module. The pinned
## tools (etcdctl for raftkv's end-to-end tests among them) come first on PATH.
test: vet tools
	@for m in $(MODULES); do echo "== go test -race $$m"; (cd $$m && PATH="$(BIN):$$PATH" go test -race -count=1 ./...); done

## check: gofmt, go vet and staticcheck over every module.
check: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "== go vet $$m"; (cd $$m && go vet ./...); done

staticcheck: tools
	@for m in $(MODULES); do echo "== staticcheck $$m"; (cd $$m && $(BIN)/staticcheck ./...); done

## tools: build the pinned development tools into ./bin (staticcheck, the
## protoc plugins, etcdctl).
tools: $(BIN)/.stamp
$(BIN)/.stamp: tools/go.mod tools/go.sum
	cd tools && GOWORK=off GOBIN=$(BIN) go install tool
	@touch $@

## fuzz: run every fuzz target of every module for FUZZTIME each.
fuzz:
	@FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh $(MODULES)

## sim: sweep the fault simulator over SIMSEEDS seeds of SIMSTEPS steps each.
## A failing seed prints the one-line command that reproduces it. SIMFLAGS adds
## simulator flags, e.g. SIMFLAGS='-sim.churn -sim.lease -sim.strand'.
SIMSEEDS ?= 500
SIMSTEPS ?= 3000
SIMFLAGS ?=
sim:
	go test -count=1 ./rafttest -run 'TestSim$$' -sim.seeds=$(SIMSEEDS) -sim.steps=$(SIMSTEPS) $(SIMFLAGS) -v

## bench: run the benchmarks beside the code.
bench:
	@for m in $(MODULES); do (cd $$m && go test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...); done

## bench-compare: tickraft beside go.etcd.io/raft v3.6.0 on the same
## workloads, alternating the libraries; one table of medians.
BENCHCOMPARE_TIME ?= 300ms
BENCHCOMPARE_COUNT ?= 5
bench-compare:
	cd bench && go run ./cmd/benchcompare -count $(BENCHCOMPARE_COUNT) -benchtime $(BENCHCOMPARE_TIME)

## proto: regenerate the reference encoders and descriptor from raftpb/raft.proto.
proto: tools
	@bash scripts/proto.sh

## proto-check: fail if the checked-in generated code is not what `make proto` writes.
proto-check: proto
	@git diff --exit-code -- $$(bash scripts/proto.sh --outputs) || \
		{ echo "generated protobuf code is stale: run 'make proto' and commit the result"; exit 1; }

clean:
	rm -rf $(BIN)

## demo: run a 3-member raftkv cluster on 127.0.0.1 (data in ./demo-data),
## kill its leader and restart it, then serve until Ctrl-C. DEMO_EXIT=1
## runs the scripted part and exits.
.PHONY: demo
demo:
	@bash scripts/demo.sh

## bench-etcd: raftkv against etcd 3.4 (Debian's etcd-server, installed when
## missing), 3 members each on 127.0.0.1, data in ./bench-data; one table.
## BENCH_DURATION per workload (10s), BENCH_PROFILE seconds of leader CPU
## profile during the puts, BENCH_PROFILE_RANGE of every member's during
## the ranges (0: none).
.PHONY: bench-etcd
bench-etcd:
	@bash scripts/bench-etcd.sh
