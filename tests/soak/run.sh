#!/usr/bin/env bash
# Soak (issue 9, guarantee 4): `make soak`, or `bash tests/soak/run.sh`.
# Long-running, so not part of `make check`. Prints TAP and a summary;
# exits non-zero on any failure.
#
#   $HOST (throwaway "host")                         $P"soak"
#   +--------------------------------------+        +-------------------------------+
#   | nic0 (fake physical NIC) -- moved -------->   | lan0 10.97.0.2/24 fd97::2/64  |
#   | h97 10.97.1.1/24 ======= veth ===========>    | eth1 10.97.1.2/24 (+ default) |
#   | mvpar ------------- macvlan ------------->    | mv0  10.97.2.2/24             |
#   | br97 (bridge) <-- port h97b == veth ===>      | eth3 10.97.3.2/24             |
#   +--------------------------------------+        | 10.98.0.0/24 via 10.97.0.1    |
#     /etc/netns/$P"soak"/{resolv,nsswitch}.conf     | fd98::/64 dev lan0            |
#                                                    | ip_forward=1, rp_filter=2     |
#                                                    +-------------------------------+
#
# 1. CLI: $SOAK_CYCLES (1000) `up` + `down` cycles of that config. After
#    every down: no namespace, state record or /etc/netns entry, the host's
#    links by name as at the start; every 100 cycles and at the end the
#    full host snapshot (links, addresses, routes) equals the start. The
#    peak RSS of every up is recorded (GNU time): the last 100 must be
#    within 64 KiB of the first 100.
#    Every $SOAK_VALGRIND_EVERY-th (100th) cycle runs up and down under
#    valgrind memcheck (--leak-check=full, every leak kind an error,
#    --track-fds): no error, no leak, no descriptor of netnsctl's own left
#    open at exit.
# 2. Library: tests/soak/soak_loop.c brings the namespace up and down
#    $SOAK_LOOP_CYCLES (1000) times in one process, as a long-running
#    caller would: the open fd count never changes, and RSS after the last
#    cycle is at most $SOAK_RSS_SLACK_KIB (256) KiB above RSS after cycle 50.
#    Then 20 cycles of it under valgrind: no error, no leak.
# 3. Fuzzing: each libFuzzer target runs $SOAK_FUZZ_RUNS (10,000,000)
#    executions over its seed corpus with ASan+UBSan: 0 crashes. 0 skips.
#
# Environment: BUILD_DIR or O (default build), SOAK_CYCLES,
# SOAK_VALGRIND_EVERY, SOAK_LOOP_CYCLES, SOAK_RSS_SLACK_KIB, SOAK_FUZZ_RUNS.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${BUILD_DIR:-${O:-build}}
NETNSCTL=${NETNSCTL:-$ROOT/$B/netnsctl}
CYCLES=${SOAK_CYCLES:-1000}
VG_EVERY=${SOAK_VALGRIND_EVERY:-100}
LOOP_CYCLES=${SOAK_LOOP_CYCLES:-1000}
RSS_SLACK=${SOAK_RSS_SLACK_KIB:-256}
FUZZ_RUNS=${SOAK_FUZZ_RUNS:-10000000}
# shellcheck source=../integration/lib.sh
source "$ROOT/tests/integration/lib.sh"

NS=${P}soak
# shellcheck disable=SC2054 # the commas are inside option values
VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --track-fds=yes)

hsnap() { snapshot | sed -E 's/ tentative( |$)/\1/'; }
show_diff() { diff <(echo "$1") <(echo "$2") | sed 's/^/#   /' | cut -c1-200 | head -n 20 || true; }
host_names() { ip -n "$HOST" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
# vg_check LOG DESC: judge one valgrind log, one assertion per kind of
# finding: leaks, invalid accesses or uses of uninitialised values,
# uninitialised bytes handed to the kernel, and descriptors netnsctl itself
# left open at exit (inherited ones are the caller's).
vg_check() {
	local log=$1 desc=$2 own bad=0
	own=$(grep -A1 'Open file descriptor' "$log" | grep -v -e 'Open file descriptor' -e inherited -e '^--' | grep -c . || true)
	vg_kind "$log" "$desc: no leak" 'definitely lost|indirectly lost|possibly lost' || bad=1
	vg_kind "$log" "$desc: no invalid access or use of an uninitialised value" \
		'Invalid (read|write|free)|Conditional jump|uninitialised value|Mismatched free' || bad=1
	vg_kind "$log" "$desc: no uninitialised bytes handed to a syscall" 'Syscall param' || bad=1
	if [ "$own" -eq 0 ]; then ok "$desc: no descriptor of its own left open at exit"
	else bad=1; not_ok "$desc: $own descriptor(s) of its own open at exit"; grep -A1 'Open file descriptor' "$log" | sed 's/^/#   /'; fi
	return $bad
}
vg_kind() {
	if grep -Eq "$3" "$1"; then
		not_ok "$2"
		grep -E -A8 "$3" "$1" | grep -E 'by 0x|at 0x|lost|Invalid|Syscall|Conditional|uninit' | head -n 8 | sed 's/^/#   /'
		return 1
	fi
	ok "$2"
}

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
ip -n "$HOST" link add mvpar address 02:00:00:00:97:01 type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
# A bridge takes the MAC of a port and loses its carrier with its last
# port: a fixed MAC and a permanent port keep it still between cycles.
ip -n "$HOST" link add br97 address 02:00:00:00:97:02 type bridge forward_delay 0
ip -n "$HOST" link add br97p type veth peer name br97p-peer
ip -n "$HOST" link set br97p master br97 up
ip -n "$HOST" link set br97p-peer up
ip -n "$HOST" link set br97 up
# ... and the start is taken once it has its carrier and link-local address.
for _ in $(seq 100); do
	[[ "$(ip -n "$HOST" addr show dev br97)" == *"inet6 fe80"* ]] && break
	sleep 0.1
done
conf soak <<'CONF'
[Namespace]
Description=soak: every kind that exists today
Sysctl=net.ipv4.ip_forward=1
Sysctl=net.ipv4.conf.all.rp_filter=2

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.97.0.2/24 fd97::2/64
MTU=1400
MACAddress=02:00:00:00:97:80

[Link]
Kind=veth
Name=eth1
HostName=h97
Address=10.97.1.2/24
HostAddress=10.97.1.1/24
Gateway=10.97.1.1

[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.97.2.2/24

[Link]
Kind=bridge
Name=eth3
Bridge=br97
HostName=h97b
Address=10.97.3.2/24

[Route]
Destination=10.98.0.0/24
Gateway=10.97.0.1

[Route]
Destination=fd98::/64
Link=lan0

[DNS]
Nameserver=10.97.1.1
Search=soak.test
CONF
baseline=$(hsnap)
names=$(host_names)
T0=$(date +%s)

# ---- 1. CLI cycles --------------------------------------------------------------
residue=0 failures=0 vg_runs=0 vg_bad=0
rss_file=$CFG/rss
: >"$rss_file"
for i in $(seq 1 "$CYCLES"); do
	if [ $((i % VG_EVERY)) -eq 0 ]; then
		vg_runs=$((vg_runs + 1))
		for cmd in up down; do
			hostx "${VG[@]}" --log-file="$CFG/vg.$cmd.log" "$NETNSCTL" --config-dir "$CFG" "$cmd" "$NS" >/dev/null 2>&1 || true
			vg_check "$CFG/vg.$cmd.log" "cycle $i: $cmd under valgrind" || vg_bad=$((vg_bad + 1))
		done
	else
		if ! hostx /usr/bin/time -f %M -a -o "$rss_file" "$NETNSCTL" --config-dir "$CFG" up "$NS" >/dev/null 2>"$CFG/err"; then
			failures=$((failures + 1)); not_ok "cycle $i: up failed: $(grep -v '^# +' "$CFG/err" | head -n 2)"
		fi
		if ! hostx "$NETNSCTL" --config-dir "$CFG" down "$NS" >/dev/null 2>"$CFG/err"; then
			failures=$((failures + 1)); not_ok "cycle $i: down failed: $(grep -v '^# +' "$CFG/err" | head -n 2)"
		fi
	fi
	if [ -e "/run/netns/$NS" ] || [ -e "/run/netnsctl/$NS.state" ] || [ -e "/etc/netns/$NS" ] || [ "$(host_names)" != "$names" ]; then
		residue=$((residue + 1)); not_ok "cycle $i: residue after down"
		nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
	fi
	if [ $((i % 100)) -eq 0 ] || [ "$i" -eq "$CYCLES" ]; then
		now=$(eventually_same "$baseline" hsnap)
		if [ "$now" = "$baseline" ]; then
			ok "cycles 1-$i: the full host snapshot equals the start"
		else
			residue=$((residue + 1)); not_ok "after cycle $i: the host snapshot differs from the start"; show_diff "$baseline" "$now"
		fi
	fi
done 2>/dev/null
T1=$(date +%s)
is "$failures" 0 "$CYCLES CLI cycles: every up and down succeeded"
is "$residue" 0 "$CYCLES CLI cycles: zero residue"
n_rss=$(wc -l <"$rss_file")
first=$(head -n 100 "$rss_file" | sort -n | tail -n 1)
last=$(tail -n 100 "$rss_file" | sort -n | tail -n 1)
# A few KiB either way is page-granular noise (dump sizes vary); growth
# with the number of runs would be a leak across runs, which cannot
# exist in separate processes, or state that grows (records, files).
check "peak RSS of up: the last 100 runs (max $last KiB) are within 64 KiB of the first 100 (max $first KiB)" \
	test "${last:-999999}" -le "$(( ${first:-0} + 64 ))"
echo "# CLI: $CYCLES cycles in $((T1 - T0)) s, $failures failures, $residue with residue; $n_rss up runs timed; $vg_runs valgrind samples, $vg_bad unclean"

# ---- 2. one process, library API --------------------------------------------------
LOOP=$ROOT/$B/soak/soak_loop
mkdir -p "$(dirname "$LOOP")"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
if cc -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -I"$ROOT/src/lib" \
	$(pkg-config --cflags libmnl libsystemd libcap-ng libnftables) \
	-o "$LOOP" "$ROOT/tests/soak/soak_loop.c" "$ROOT/$B/libnetnsctl.a" \
	$(pkg-config --libs libmnl libcap-ng) -ldl; then
	ok "soak_loop builds against $B/libnetnsctl.a"
	T0=$(date +%s)
	hostx "$LOOP" "$CFG" "$NS" "$LOOP_CYCLES" >"$CFG/loop.out" 2>"$CFG/loop.err" && rc=0 || rc=$?
	T1=$(date +%s)
	sed 's/^/# /' "$CFG/loop.out" | tail -n 4
	is "$rc" 0 "soak_loop: $LOOP_CYCLES up/down cycles in one process succeed with a constant fd count"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$CFG/loop.err" | grep -v '^#   # +' | head -n 5
	read -r fd0 fd1 r0 r1 < <(sed -nE 's/^fds ([0-9]+) -> ([0-9]+), rss_kib ([0-9-]+) -> ([0-9-]+)$/\1 \2 \3 \4/p' "$CFG/loop.out")
	is "${fd1:-?}" "${fd0:-!}" "soak_loop: open fds after the last cycle equal those after the first (${fd0:-?})"
	check "soak_loop: RSS grew by $(( ${r1:-0} - ${r0:-0} )) KiB from cycle 50 to $LOOP_CYCLES (at most $RSS_SLACK)" \
		test -n "${r1:-}" -a "$(( ${r1:-0} - ${r0:-0} ))" -le "$RSS_SLACK"
	echo "# library loop: $LOOP_CYCLES cycles in $((T1 - T0)) s; fds ${fd0:-?} -> ${fd1:-?}; RSS ${r0:-?} -> ${r1:-?} KiB"
	hostx "${VG[@]}" --log-file="$CFG/vg.loop.log" "$LOOP" "$CFG" "$NS" 20 >/dev/null 2>&1 || true
	vg_check "$CFG/vg.loop.log" "soak_loop, 20 cycles under valgrind" || true
else
	not_ok "soak_loop does not build (run make O=$B first)"
fi
now=$(eventually_same "$baseline" hsnap)
is "$now" "$baseline" "after the library loop the host snapshot equals the start"
[ "$now" = "$baseline" ] || show_diff "$baseline" "$now"

# ---- 3. long fuzz runs ------------------------------------------------------------------
if [ "$FUZZ_RUNS" -gt 0 ]; then
	if make -s -C "$ROOT" O="$B" fuzz >/dev/null; then
		work=$(mktemp -d /tmp/netnsctl-soak-fuzz.XXXXXX)
		for bin in "$ROOT/$B"/fuzz/fuzz_*; do
			[ -x "$bin" ] || continue
			name=$(basename "$bin")
			args=(-runs="$FUZZ_RUNS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$name-")
			[ -f "$ROOT/fuzz/$name.dict" ] && args+=(-dict="$ROOT/fuzz/$name.dict")
			mkdir -p "$work/$name.corpus"
			T0=$(date +%s)
			if "$bin" "${args[@]}" "$work/$name.corpus" "$ROOT/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
				execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -n 1)
				ok "$name: ${execs:-?} executions in $(($(date +%s) - T0)) s, 0 crashes"
			else
				not_ok "$name crashed or hit a sanitizer report"
				mkdir -p "$ROOT/$B/fuzz/crashes"
				cp "$work/$name-"* "$ROOT/$B/fuzz/crashes/" 2>/dev/null || true
				grep -v '^#' "$work/$name.log" | tail -n 30 | sed 's/^/#   /'
			fi
		done
		rm -rf "$work"
	else
		not_ok "the fuzz targets do not build (make O=$B fuzz)"
	fi
else
	echo "# fuzzing skipped (SOAK_FUZZ_RUNS=0)"
fi
done_testing
[ "$_tap_fail" -eq 0 ]
