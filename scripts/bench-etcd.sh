#!/usr/bin/env bash
# make bench-etcd: raftkv against etcd, head to head. Starts a 3-member etcd
# cluster, runs the workloads with `raftkv bench`, stops it; then the same
# with a 3-member raftkv cluster; and prints one table, then the members'
# CPU time per request. Everything runs on
# 127.0.0.1 with its data in ./bench-data (one filesystem for both).
#
#   BENCH_DURATION  time per workload (default 10s)
#   BENCH_PROFILE   seconds of CPU profile of raftkv's leader taken during
#                   the 64-client puts (default 0: none), saved in
#                   bench-data/raftkv-leader.pprof with the leader's
#                   metrics after that workload (raftkv-leader.metrics)
#   BENCH_PROFILE_RANGE seconds of CPU profile of each raftkv member taken
#                   during the 64-client ranges (default 0: none), saved in
#                   bench-data/raftkv-range-rI.pprof
#   ETCD            etcd binary (default /usr/bin/etcd, from Debian's
#                   etcd-server package, installed when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10s}
PROFILE=${BENCH_PROFILE:-0}
PROFILE_RANGE=${BENCH_PROFILE_RANGE:-0}
ETCD=${ETCD:-/usr/bin/etcd}
DATA=$PWD/bench-data
BIN=$DATA/raftkv
IDS=(1 2 3)

# The workloads: name, then raftkv bench's arguments (besides endpoints and
# duration). Values are 256 B, keys 8 B over 10000 keys.
WORKLOADS=(
	"put, 1 client|--clients 1 --conns 1 put"
	"put, 64 clients|--clients 64 --conns 8 put"
	"put, 1000 clients|--clients 1000 --conns 100 put"
	"range (linearizable), 64 clients|--clients 64 --conns 8 range"
)

declare -a PIDS=()
# stop_all ends every process this script started: SIGTERM, then SIGKILL
# for any still running after 10 s.
stop_all() {
	local pid
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for _ in $(seq 100); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[[ $alive == 0 ]] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

fail() { echo "bench-etcd: $*" >&2; exit 1; }

# port_free PORT fails if something listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_etcd() {
	[[ -x $ETCD ]] && return
	[[ $ETCD == /usr/bin/etcd ]] || fail "ETCD=$ETCD is not an executable"
	echo "== /usr/bin/etcd is missing: installing Debian's etcd-server (apt-get install -y etcd-server)"
	local sudo=
	[[ $EUID != 0 ]] && sudo=sudo
	if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y etcd-server; then
		fail "could not install etcd-server with apt-get (root and a Debian apt source are needed); install etcd 3.4+ and set ETCD=/path/to/etcd"
	fi
	[[ -x $ETCD ]] || fail "etcd-server is installed but $ETCD is not there; set ETCD=/path/to/etcd"
}

# start_etcd: three members, client ports 2i479, peer ports 2i480.
start_etcd() {
	local i cluster=
	for i in "${IDS[@]}"; do cluster+=${cluster:+,}e$i=http://127.0.0.1:2${i}480; done
	for i in "${IDS[@]}"; do
		port_free 2${i}479 && port_free 2${i}480 || fail "port 2${i}479 or 2${i}480 is in use"
		"$ETCD" --name "e$i" --data-dir "$DATA/etcd$i" \
			--listen-client-urls "http://127.0.0.1:2${i}479" --advertise-client-urls "http://127.0.0.1:2${i}479" \
			--listen-peer-urls "http://127.0.0.1:2${i}480" --initial-advertise-peer-urls "http://127.0.0.1:2${i}480" \
			--initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench-etcd \
			--logger zap --log-level warn >"$DATA/etcd$i.log" 2>&1 &
		PIDS+=($!)
	done
	ENDPOINTS=127.0.0.1:21479,127.0.0.1:22479,127.0.0.1:23479
}

# start_raftkv: three members, client ports 2i579, peer 2i580, metrics
# (and the profiler) 2i581.
start_raftkv() {
	local i cluster=
	for i in "${IDS[@]}"; do cluster+=${cluster:+,}$i=127.0.0.1:2${i}580; done
	for i in "${IDS[@]}"; do
		port_free 2${i}579 && port_free 2${i}580 && port_free 2${i}581 || fail "port 2${i}579, 2${i}580 or 2${i}581 is in use"
		"$BIN" --id "$i" --name "r$i" --data-dir "$DATA/raftkv$i" --initial-cluster "$cluster" \
			--listen-client-addr "127.0.0.1:2${i}579" --metrics-addr "127.0.0.1:2${i}581" --pprof \
			--log-level warn >"$DATA/raftkv$i.log" 2>&1 &
		PIDS+=($!)
	done
	ENDPOINTS=127.0.0.1:21579,127.0.0.1:22579,127.0.0.1:23579
}

# members_cpu prints the CPU time (user + system, in clock ticks) the three
# members (the first three PIDS) have used so far.
members_cpu() {
	local pid total=0
	for pid in "${PIDS[@]:0:3}"; do
		total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
	done
	echo "$total"
}

# run_workloads SYSTEM: waits for a leader, then runs every workload against
# $ENDPOINTS, saving each JSON result as $DATA/SYSTEM-N.json and the
# members' CPU time during it, in µs per successful request, as
# $DATA/SYSTEM-N.cpu.
run_workloads() {
	local sys=$1 n=0 w name args cpu0 hz
	hz=$(getconf CLK_TCK)
	"$BIN" ctl --endpoints "$ENDPOINTS" --timeout 30s leader >/dev/null ||
		fail "$sys: no leader within 30 s (logs in $DATA/$sys*.log)"
	for w in "${WORKLOADS[@]}"; do
		name=${w%%|*} args=${w#*|}
		echo "-- $sys: $name"
		PROF_PID= RANGE_PIDS=()
		if [[ $sys == raftkv && $name == "put, 64 clients" && $PROFILE != 0 ]]; then
			profile_leader
		fi
		if [[ $sys == raftkv && $name == range* && $PROFILE_RANGE != 0 ]]; then
			profile_members
		fi
		# In the background, so that a signal reaches the trap at once.
		# shellcheck disable=SC2086 # args is a list of flags
		cpu0=$(members_cpu)
		"$BIN" bench --endpoints "$ENDPOINTS" --duration "$DURATION" --json $args >"$DATA/$sys-$n.json" &
		PIDS+=($!)
		wait $! || fail "$sys: raftkv bench failed on \"$name\""
		jq -r --argjson t $(($(members_cpu) - cpu0)) --argjson hz "$hz" \
			'($t / $hz * 1e6 / ([.ok, 1] | max)) | floor' "$DATA/$sys-$n.json" >"$DATA/$sys-$n.cpu"
		if [[ -n $PROF_PID ]]; then
			wait "$PROF_PID" && echo "   leader profile: go tool pprof -top $DATA/raftkv-leader.pprof" ||
				echo "   the leader's profile failed"
			curl -sf "http://$LEADER_METRICS/metrics" >"$DATA/raftkv-leader.metrics" || true
		fi
		if ((${#RANGE_PIDS[@]} > 0)); then
			wait "${RANGE_PIDS[@]}" && echo "   members' profiles: go tool pprof -top $DATA/raftkv-range-r*.pprof" ||
				echo "   a member's profile failed"
		fi
		jq -r --arg cpu "$(cat "$DATA/$sys-$n.cpu")" \
			'"   \(.ops_per_sec | floor) ops/s, p50 \(.p50_us) µs, p99 \(.p99_us) µs, \(.failed) failed, members\u0027 CPU \($cpu) µs/op"' "$DATA/$sys-$n.json"
		n=$((n + 1))
	done
}

# profile_leader starts downloading a CPU profile of raftkv's leader in the
# background; PROF_PID is the download's pid.
profile_leader() {
	local ep port
	read -r ep _ < <("$BIN" ctl --endpoints "$ENDPOINTS" leader)
	port=${ep##*:} # 2i579: the leader's metrics port is 2i581
	LEADER_METRICS=127.0.0.1:${port%79}81
	curl -sf -o "$DATA/raftkv-leader.pprof" "http://$LEADER_METRICS/debug/pprof/profile?seconds=$PROFILE" &
	PROF_PID=$!
	PIDS+=("$PROF_PID")
}

# profile_members starts downloading a CPU profile of every raftkv member
# in the background; RANGE_PIDS are the downloads' pids.
profile_members() {
	local i
	for i in "${IDS[@]}"; do
		curl -sf -o "$DATA/raftkv-range-r$i.pprof" \
			"http://127.0.0.1:2${i}581/debug/pprof/profile?seconds=$PROFILE_RANGE" &
		RANGE_PIDS+=($!)
		PIDS+=($!)
	done
}

# us_ms prints µs as milliseconds with two decimals.
us_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

print_table() {
	echo
	echo "raftkv vs etcd $("$ETCD" --version | awk '/etcd Version/ { print $3 }'), 3 members each on 127.0.0.1, $DURATION per workload,"
	echo "8 B keys over 10000, 256 B values. Both fsync every batch: etcd by default, raftkv"
	echo "never weakens its fdatasync policy. Latencies in ms; ratio = raftkv ops/s / etcd ops/s."
	echo
	printf '| %-32s | %11s | %7s | %7s | %11s | %7s | %7s | %5s |\n' \
		workload "etcd op/s" p50 p99 "raftkv op/s" p50 p99 ratio
	printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..34})" ------------- --------- --------- \
		------------- --------- --------- -------
	local n=0 w e r
	for w in "${WORKLOADS[@]}"; do
		e=$DATA/etcd-$n.json r=$DATA/raftkv-$n.json
		printf '| %-32s | %11.0f | %7s | %7s | %11.0f | %7s | %7s | %5.2f |\n' "${w%%|*}" \
			"$(jq .ops_per_sec "$e")" "$(us_ms "$(jq .p50_us "$e")")" "$(us_ms "$(jq .p99_us "$e")")" \
			"$(jq .ops_per_sec "$r")" "$(us_ms "$(jq .p50_us "$r")")" "$(us_ms "$(jq .p99_us "$r")")" \
			"$(jq -n --slurpfile e "$e" --slurpfile r "$r" '$r[0].ops_per_sec / $e[0].ops_per_sec')"
		n=$((n + 1))
	done
	echo
	echo "CPU time of the three members together per successful request (µs; the load"
	echo "generator runs on the same cores and is not counted):"
	echo
	printf '| %-32s | %9s | %11s |\n' workload etcd raftkv
	printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..34})" ----------- -------------
	n=0
	for w in "${WORKLOADS[@]}"; do
		printf '| %-32s | %9s | %11s |\n' "${w%%|*}" "$(cat "$DATA/etcd-$n.cpu")" "$(cat "$DATA/raftkv-$n.cpu")"
		n=$((n + 1))
	done
	local failed
	failed=$(jq -s 'map(.failed) | add' "$DATA"/etcd-*.json "$DATA"/raftkv-*.json)
	[[ $failed == 0 ]] || echo "$failed requests failed: see the errors in $DATA/*.json"
}

command -v jq >/dev/null || fail "jq is needed to read raftkv bench's JSON (apt-get install -y jq)"
ensure_etcd
mkdir -p "$DATA"
rm -rf "$DATA"/etcd* "$DATA"/raftkv*
echo "== Building raftkv into $BIN"
(cd raftkv && go build -o "$BIN" ./cmd/raftkv)

echo "== etcd: 3 members"
start_etcd
run_workloads etcd
stop_all
echo "== raftkv: 3 members"
start_raftkv
run_workloads raftkv
stop_all
print_table
