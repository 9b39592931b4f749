#!/usr/bin/env bash
# Fuzz smoke run: build the libFuzzer targets (make O=... fuzz) and run each
# for a fixed number of executions over its seed corpus, with a fixed seed
# so a run is repeatable. Prints TAP ("ok N - fuzz_config: ...") and exits
# non-zero if any target crashes, leaks, hits a sanitizer report or times
# out. New inputs go to a temporary directory, never into fuzz/corpus/.
#
# Usage: fuzz/smoke.sh [RUNS]
#   RUNS        executions per target (default $FUZZ_RUNS, else 20000)
#   O=DIR       build directory (default build), binaries in DIR/fuzz/
#   FUZZ_SEED   libFuzzer -seed (default 1)
# A crashing input is kept as DIR/fuzz/crashes/TARGET-*; reproduce it with
#   DIR/fuzz/TARGET DIR/fuzz/crashes/TARGET-crash-...
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
O=${O:-build}
RUNS=${1:-${FUZZ_RUNS:-20000}}
SEED=${FUZZ_SEED:-1}

make -s O="$O" fuzz >/dev/null

work=$(mktemp -d /tmp/netnsctl-fuzz-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
for bin in "$O"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	n=$((n + 1))
	seeds=fuzz/corpus/$name
	args=(-runs="$RUNS" -seed="$SEED" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$work/$name-")
	[ -f "fuzz/$name.dict" ] && args+=(-dict="fuzz/$name.dict")
	mkdir -p "$work/$name.corpus"
	log=$work/$name.log
	if "$bin" "${args[@]}" "$work/$name.corpus" "$seeds" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "ok $n - $name: ${execs:-?} executions over $(ls "$seeds" | wc -l) seeds, no crash"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name crashed or hit a sanitizer report"
		mkdir -p "$O/fuzz/crashes"
		for a in "$work/$name-"*; do
			[ -f "$a" ] || continue
			cp "$a" "$O/fuzz/crashes/"
			echo "#   input kept as $O/fuzz/crashes/$(basename "$a")"
		done
		sed 's/^/#   /' "$log" | grep -v '^#   #' | tail -n 40
	fi
done
if [ "$n" -eq 0 ]; then
	echo "not ok 1 - no fuzz target was built"
	echo "1..1"
	exit 1
fi
echo "1..$n"
[ "$failed" -eq 0 ]
