#!/usr/bin/env bash
# Runs every fuzz target found in the given module directories for $FUZZTIME
# each. go test -fuzz takes one target and one package at a time, so the
# targets are listed first.
set -euo pipefail
fuzztime=${FUZZTIME:-10s}
count=0
for mod in "$@"; do
	pushd "$mod" >/dev/null
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "== fuzz $pkg $target ($fuzztime)"
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
			count=$((count + 1))
		done
	done
	popd >/dev/null
done
echo "fuzzed $count targets for $fuzztime each"
