#!/usr/bin/env bash
# Runs every test and prints the closing line "N passed, N failed".
#
# Unit tests (TAP programs linked against the library) run from the normal
# and the ASan/UBSan build. Integration tests (TAP bash scripts, root only)
# run against the normal binary, then against the ASan/UBSan binary.
# With MUST_WORK=1 (CI), a skipped test counts as a failure.
#
# Usage: tests/run.sh [-k PATTERN]   (only tests whose file name matches)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PATTERN=${1:-}
[ "$PATTERN" = -k ] && PATTERN=${2:-}

passed=0 failed=0 skipped=0
failures=()

# run_tap NAME CMD...: run one TAP producer, count its lines.
run_tap() {
	local name=$1; shift
	local out rc line n_ok=0 n_fail=0 n_skip=0
	out=$(mktemp)
	echo "# --- $name"
	"$@" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"not ok"*) n_fail=$((n_fail + 1)); echo "$line";;
		"ok "*"# SKIP"*|"ok "*"# skip"*)
			if [ "${MUST_WORK:-0}" = 1 ]; then
				n_fail=$((n_fail + 1)); echo "not ok (skip under MUST_WORK=1): ${line#ok }"
			else
				n_skip=$((n_skip + 1)); echo "$line"
			fi;;
		"ok "*) n_ok=$((n_ok + 1));;
		esac
	done <"$out"
	if [ $rc -ne 0 ] && [ $n_fail -eq 0 ]; then
		n_fail=1
		echo "not ok - $name exited with status $rc without reporting a failure"
	fi
	if [ $n_fail -gt 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
		echo "# output of $name:"; sed 's/^/#   /' "$out" | tail -n 80
	fi
	if [ $((n_ok + n_fail + n_skip)) -eq 0 ]; then
		n_fail=1; echo "not ok - $name ran no test"
	fi
	[ $n_fail -gt 0 ] && failures+=("$name")
	passed=$((passed + n_ok)); failed=$((failed + n_fail)); skipped=$((skipped + n_skip))
	echo "# $name: $n_ok passed, $n_fail failed$( [ $n_skip -gt 0 ] && echo ", $n_skip skipped")"
	rm -f "$out"
}

matches() { [ -z "$PATTERN" ] || [[ "$1" == *$PATTERN* ]]; }

B=${BUILD_DIR:-build}
for variant in "$B" "$B/asan"; do
	for t in "$variant"/tests/test_*; do
		[ -x "$t" ] || continue
		# a binary whose source was removed is stale, not a test
		[ -f "tests/unit/$(basename "$t").c" ] || continue
		matches "$t" || continue
		run_tap "$t" "$t"
	done
done

# Parser and netlink-dump fuzzers: a short fixed number of runs each over
# the shipped corpus (the long runs are documented in fuzz/README.md).
if matches "fuzz/smoke.sh" && [ -f fuzz/smoke.sh ]; then
	run_tap "fuzz/smoke.sh" env O="$B" bash fuzz/smoke.sh
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for variant in "$B" "$B/asan"; do
	[ "${SKIP_ASAN_INTEGRATION:-0}" = 1 ] && [ "$variant" = "$B/asan" ] && continue
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		case "$(basename "$t")" in lib.sh) continue;; esac
		matches "$t" || continue
		run_tap "$t [$variant]" env NETNSCTL="$ROOT/$variant/netnsctl" \
			NETNSCTL_FAULT="$ROOT/$B/fault/netnsctl" bash "$t"
	done
done

# Under real systemd: each script boots systemd 252 as PID 1 in a throwaway
# box (tests/systemd/box.sh) and installs the binary under test into it.
for variant in "$B" "$B/asan"; do
	[ "${SKIP_ASAN_INTEGRATION:-0}" = 1 ] && [ "$variant" = "$B/asan" ] && continue
	for t in tests/systemd/t*.sh; do
		[ -f "$t" ] || continue
		matches "$t" || continue
		run_tap "$t [$variant]" env NETNSCTL="$ROOT/$variant/netnsctl" bash "$t"
	done
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "# failing: ${failures[*]}"
fi
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
