#!/usr/bin/env bash
# make demo: build raftkv, run a 3-member cluster on 127.0.0.1 with its data
# in ./demo-data, write and read keys, kill the leader, watch another take
# over with the data intact, restart the killed member and see it catch up.
# Then it keeps serving until Ctrl-C, which stops every member cleanly.
# DEMO_EXIT=1 runs the scripted part only and exits (for tests and CI).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DEMO_DATA:-$PWD/demo-data}
BIN=$DATA/raftkv
IDS=(1 2 3)
declare -A CLIENT PEER METRICS PID
for i in "${IDS[@]}"; do
	CLIENT[$i]=127.0.0.1:${i}2379
	PEER[$i]=127.0.0.1:${i}2380
	METRICS[$i]=127.0.0.1:${i}2381
done
CLUSTER=1=${PEER[1]},2=${PEER[2]},3=${PEER[3]}
ALL=${CLIENT[1]},${CLIENT[2]},${CLIENT[3]}

if [[ -t 1 ]]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
show() { printf '$ %s\n' "$*"; "$@"; }
ctl() { "$BIN" ctl "$@"; }

# start_member I [extra flags]: runs member I in the background, logging to
# $DATA/memberI.log.
start_member() {
	local i=$1
	"$BIN" --id "$i" --name "member$i" --data-dir "$DATA/member$i" \
		--initial-cluster "$CLUSTER" --listen-client-addr "${CLIENT[$i]}" \
		--metrics-addr "${METRICS[$i]}" >>"$DATA/member$i.log" 2>&1 &
	PID[$i]=$!
	echo "started member $i (pid ${PID[$i]}): client ${CLIENT[$i]}, peer ${PEER[$i]}, metrics http://${METRICS[$i]}/metrics"
}

# stop_all sends SIGTERM to every running member and waits for each.
stop_all() {
	trap - INT TERM EXIT
	step "Stopping the members"
	local i rc=0
	for i in "${IDS[@]}"; do
		[[ -n ${PID[$i]:-} ]] && kill -TERM "${PID[$i]}" 2>/dev/null || true
	done
	for i in "${IDS[@]}"; do
		if [[ -n ${PID[$i]:-} ]]; then
			if wait "${PID[$i]}"; then echo "member $i stopped cleanly"; else
				echo "member $i exited with status $? (see $DATA/member$i.log)"; rc=1; fi
		fi
	done
	return $rc
}

member_of() { # endpoint -> member index
	local i
	for i in "${IDS[@]}"; do [[ ${CLIENT[$i]} == "$1" ]] && echo "$i"; done
}

for i in "${IDS[@]}"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/${CLIENT[$i]#*:}") 2>/dev/null; then
		echo "port ${CLIENT[$i]#*:} is in use: is another demo running?" >&2
		exit 1
	fi
done

step "Building raftkv"
mkdir -p "$DATA"
(cd raftkv && go build -o "$BIN" ./cmd/raftkv)
rm -rf "$DATA"/member*
echo "built $BIN; member data and logs go to $DATA"

step "Starting 3 members"
trap 'stop_all; exit 130' INT TERM
trap 'stop_all' EXIT
for i in "${IDS[@]}"; do start_member "$i"; done

step "Waiting for a leader"
ctl --endpoints "$ALL" --timeout 15s leader >/dev/null
show ctl --endpoints "$ALL" status

step "Writing and reading keys"
show ctl --endpoints "${CLIENT[1]}" put demo/greeting "hello, raft"
show ctl --endpoints "${CLIENT[2]}" put demo/answer 42
show ctl --endpoints "${CLIENT[3]}" put demo/color green
show ctl --endpoints "$ALL" --prefix get demo/

read -r lead_ep lead_id < <(ctl --endpoints "$ALL" leader)
old=$(member_of "$lead_ep")
step "Member $old leads: killing it (kill -9 ${PID[$old]})"
kill -9 "${PID[$old]}"
wait "${PID[$old]}" 2>/dev/null || true
PID[$old]=
rest=()
for i in "${IDS[@]}"; do [[ $i != "$old" ]] && rest+=("${CLIENT[$i]}"); done
REST=$(IFS=,; echo "${rest[*]}")

step "A new leader takes over"
start=$(date +%s%N)
read -r new_ep new_id < <(ctl --endpoints "$REST" --timeout 15s leader)
echo "member $(member_of "$new_ep") leads after $((($(date +%s%N) - start) / 1000000)) ms"
show ctl --endpoints "$ALL" status || true
show ctl --endpoints "$REST" --prefix get demo/
show ctl --endpoints "$REST" put demo/written-while-down "member $old missed this"

step "Restarting member $old: it catches up from the others"
start_member "$old"
for _ in $(seq 100); do
	if ctl --endpoints "${CLIENT[$old]}" --serializable get demo/written-while-down 2>/dev/null | grep -q missed; then
		break
	fi
	sleep 0.1
done
show ctl --endpoints "${CLIENT[$old]}" --serializable --prefix get demo/
show ctl --endpoints "$ALL" status

if [[ ${DEMO_EXIT:-} == 1 ]]; then
	ctl --endpoints "${CLIENT[$old]}" --serializable get demo/written-while-down | grep -q missed || {
		echo "member $old did not catch up" >&2; exit 1; }
	stop_all
	step "Demo done"
	exit 0
fi

step "The cluster keeps serving: press Ctrl-C to stop it"
cat <<EOT
Try it with etcdctl (any 3.4 or later; \`make tools\` builds a pinned one into bin/):

  etcdctl --endpoints=$ALL put mykey myvalue
  etcdctl --endpoints=$ALL get --prefix demo/
  etcdctl --endpoints=$ALL endpoint status -w table
  etcdctl --endpoints=$ALL member list -w table
  etcdctl --endpoints=$ALL txn -i

or with raftkv's own client:

  $BIN ctl --endpoints $ALL status

Metrics: curl -s http://${METRICS[1]}/metrics | grep ^raftkv_
Logs:    tail -f $DATA/member*.log
EOT
while :; do
	sleep 1 &
	wait $! || true
	for i in "${IDS[@]}"; do
		if [[ -n ${PID[$i]} ]] && ! kill -0 "${PID[$i]}" 2>/dev/null; then
			echo "member $i exited (see $DATA/member$i.log)"
			PID[$i]=
		fi
	done
done
