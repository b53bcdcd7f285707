#!/usr/bin/env bash
# Runs every fuzz target found in the given module directories for $FUZZTIME
# each. go test -fuzz takes one target and one package at a time, so the
# targets are listed first.
#
# Go 1.26's fuzz coordinator can end a run that found nothing with
# "context deadline exceeded" when -fuzztime expires while a worker is still
# busy (go.dev/issue/75804, fixed in Go 1.27). Such a run wrote no failing
# input; it counts as passed once the target's corpus replays cleanly. Any
# other failure, or one that wrote an input, fails the script.
set -euo pipefail
fuzztime=${FUZZTIME:-10s}
count=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for mod in "$@"; do
	pushd "$mod" >/dev/null
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "== fuzz $pkg $target ($fuzztime)"
			if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$out"; then
				count=$((count + 1))
				continue
			fi
			if grep -q 'Failing input written to' "$out" || ! grep -q '^    context deadline exceeded$' "$out"; then
				echo "fuzz: $target failed (see above)" >&2
				exit 1
			fi
			echo "== fuzz $target: the coordinator stopped on its own deadline with no failing input (go.dev/issue/75804); replaying the corpus"
			go test -count=1 -run "^${target}\$" "$pkg"
			count=$((count + 1))
		done
	done
	popd >/dev/null
done
echo "fuzzed $count targets for $fuzztime each"
