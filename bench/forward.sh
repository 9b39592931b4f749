#!/usr/bin/env bash
# bench/forward.sh: the Mode=proxy forwarder (issue 12) against a direct
# connection, systemd-socket-proxyd and socat, in one run: throughput
# (iperf3, one stream), connect rate (connect + 1-byte echo + close) and
# the forwarder's cost per idle connection. Prints a Markdown report.
#
#   /run/netns/fbench-PID-H  throwaway "host": clients and listeners
#   /run/netns/fbench-PID-X  lo only: iperf3 -s :5201 and an echo server :5300
#
#   direct   client inside X -> 127.0.0.1:5201 (what every proxy ends on)
#   netnsctl H 127.0.0.1:15201/15301 -> `netnsctl forward` -> X
#   proxyd   H 127.0.0.1:15202/15302 (systemd-socket-activate) ->
#            systemd-socket-proxyd running in X (it cannot enter one itself)
#   socat    H socat TCP-LISTEN:15203/15303,fork EXEC:'nsenter --net=X socat
#            STDIO TCP:127.0.0.1:PORT': the `ip netns exec` chain that
#            wg-netns' netns-publish.sh uses, two processes per connection
#            (socat 1.7.4 has no ACCEPT-FD to do it with one)
#
# Nothing leaves the two namespaces; both are removed on exit.
# The connect rate uses bench/crr.c (client and echo server, in C), built
# here unless CRR names a built one.
# Environment: NETNSCTL (default build/netnsctl), FB_TIME=5 (seconds per
# iperf3 run; 0 skips throughput), FB_RUNS=5 (rounds; medians), FB_CONNS=2000
# (connect-rate samples), FB_IDLE=1000 (idle connections for the memory
# figure), FB_PATHS="direct netnsctl proxyd socat" (the paths to measure;
# the ratios need direct and proxyd).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NETNSCTL=${NETNSCTL:-$ROOT/build/netnsctl}
FB_TIME=${FB_TIME:-5}
FB_RUNS=${FB_RUNS:-5}
FB_CONNS=${FB_CONNS:-2000}
FB_IDLE=${FB_IDLE:-1000}
PROXYD=${PROXYD:-/lib/systemd/systemd-socket-proxyd}
P=fbench-$$-
H=${P}H
X=${P}X
W=$(mktemp -d /tmp/fbench.XXXXXX)
CRR=${CRR:-}
PIDS=()

[ "$(id -u)" = 0 ] || { echo "bench/forward.sh: needs root" >&2; exit 1; }
for tool in iperf3 socat python3 systemd-socket-activate "$PROXYD" "$NETNSCTL"; do
	command -v "$tool" >/dev/null || { echo "bench/forward.sh: missing $tool (apt-get install iperf3 socat)" >&2; exit 1; }
done

cleanup() {
	set +e
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$X" 2>/dev/null
	ip netns del "$H" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# bg CMD...: start CMD (a simple command, so $! is its own PID) in the background.
bg() { "$@" >>"$W/bg.log" 2>&1 & PIDS+=($!); }
wait_listen() {
	local ns=$1 port=$2
	for _ in $(seq 100); do
		nsenter --net="/run/netns/$ns" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	echo "bench/forward.sh: nothing listens on $ns:$port" >&2
	return 1
}

ip netns add "$H"
ip netns add "$X"
ip -n "$H" link set lo up
ip -n "$X" link set lo up
mkdir -m 0755 "$W/cfg"
cat >"$W/cfg/$X.conf" <<EOF
[Publish]
HostAddress=127.0.0.1
HostPort=15201
Port=5201
[Publish]
HostAddress=127.0.0.1
HostPort=15301
Port=5300
EOF

if [ -z "$CRR" ]; then
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$W/crr" "$ROOT/bench/crr.c"
	CRR=$W/crr
fi
cat >"$W/idle.py" <<'PY'
# idle.py PORT N OPEN DONE: open N connections, echo one byte on each, create
# the file OPEN, and hold them until the file DONE exists.
import os, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
cs = []
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"x"); c.recv(1)
    cs.append(c)
open(sys.argv[3], "w").close()
while not os.path.exists(sys.argv[4]):
    time.sleep(0.05)
PY

bg nsenter --net="/run/netns/$X" iperf3 -s -p 5201
bg nsenter --net="/run/netns/$X" "$CRR" serve 5300
bg nsenter --net="/run/netns/$H" "$NETNSCTL" --config-dir "$W/cfg" forward "$X"
FWD=${PIDS[-1]}
for port in 15202 15302; do
	up=$((port == 15202 ? 5201 : 5300))
	bg nsenter --net="/run/netns/$H" systemd-socket-activate -l "127.0.0.1:$port" nsenter --net="/run/netns/$X" "$PROXYD" "127.0.0.1:$up"
done
for port in 15203 15303; do
	up=$((port == 15203 ? 5201 : 5300))
	bg nsenter --net="/run/netns/$H" socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,backlog=4096" \
		"EXEC:nsenter --net=/run/netns/$X socat STDIO TCP\\:127.0.0.1\\:$up"
done
wait_listen "$X" 5201; wait_listen "$X" 5300
for port in 15201 15202 15203 15301 15302 15303; do wait_listen "$H" "$port"; done

# Gbit/s of one iperf3 run: iperf1 NS PORT
iperf1() {
	nsenter --net="/run/netns/$1" iperf3 -c 127.0.0.1 -p "$2" -t "$FB_TIME" -J |
		python3 -c 'import json, sys
j = json.load(sys.stdin)
if "sum_received" not in j["end"]:
    sys.exit("iperf3: " + j.get("error", "no result"))
print(j["end"]["sum_received"]["bits_per_second"] / 1e9)'
}
median() { sort -g | awk '{v[NR] = $1} END {printf "%.2f\n", v[int((NR + 1) / 2)]}'; }

# The paths take turns within each round, so that a burst of other work on
# the machine spreads over all of them instead of landing on one.
declare -A where=([direct]=$X [netnsctl]=$H [proxyd]=$H [socat]=$H)
declare -A bulk=([direct]=5201 [netnsctl]=15201 [proxyd]=15202 [socat]=15203)
declare -A echo=([direct]=5300 [netnsctl]=15301 [proxyd]=15302 [socat]=15303)
PATHS=${FB_PATHS:-direct netnsctl proxyd socat}
for _ in $(seq "$FB_RUNS"); do
	for k in $PATHS; do
		touch "$W/gbps.$k"
		[ "$FB_TIME" = 0 ] || iperf1 "${where[$k]}" "${bulk[$k]}" >>"$W/gbps.$k"
		# crr prints median, mean, min, max (µs); keep "mean median".
		nsenter --net="/run/netns/${where[$k]}" "$CRR" 127.0.0.1 "${echo[$k]}" "$FB_CONNS" | awk '{print $2, $1}' >>"$W/crr.$k"
	done
done
declare -A gbps crr
for k in $PATHS; do
	gbps[$k]=$(median <"$W/gbps.$k")
	crr[$k]="$(awk '{print $1}' "$W/crr.$k" | median) $(awk '{print $2}' "$W/crr.$k" | median)"
done

# Idle connections: the forwarder's fds, pipes and resident memory.
fwd_stat() { echo "$(find "/proc/$FWD/fd" -mindepth 1 | wc -l) $(find "/proc/$FWD/fd" -mindepth 1 -lname 'pipe:*' | wc -l) $(awk '/^VmRSS/ {print $2}' "/proc/$FWD/status")"; }
read -r fd0 pipe0 rss0 <<<"$(fwd_stat)"
nsenter --net="/run/netns/$H" python3 "$W/idle.py" 15301 "$FB_IDLE" "$W/idle.open" "$W/idle.done" &
IDLE=$!
while [ ! -e "$W/idle.open" ] && kill -0 "$IDLE" 2>/dev/null; do sleep 0.1; done
read -r fd1 pipe1 rss1 <<<"$(fwd_stat)"
touch "$W/idle.done"
wait "$IDLE" || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) printf "-"; else printf "%.2f", a / b}'; }
{
	echo "## Forwarder benchmark ($(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, load average $(cut -d" " -f1-3 /proc/loadavg) at the end)"
	echo
	echo "iperf3: one stream, ${FB_TIME} s. Connect: connect + 1-byte echo + close, $FB_CONNS"
	echo "sequential, bench/crr.c as client and echo server. Each"
	echo "figure is the median of $FB_RUNS rounds in which the paths take turns; ratios use medians."
	echo
	echo "| path | Gbit/s | x direct | connect us (mean/median) | x direct | x proxyd |"
	echo "|---|---|---|---|---|---|"
	for k in $PATHS; do
		read -r mean med <<<"${crr[$k]}"
		read -r _ pmed <<<"${crr[proxyd]}"
		read -r _ dmed <<<"${crr[direct]}"
		echo "| $k | ${gbps[$k]} | $(ratio "${gbps[$k]}" "${gbps[direct]}") | $mean / $med | $(ratio "$med" "$dmed") | $(ratio "$med" "$pmed") |"
	done
	echo
	echo "Idle connections through netnsctl forward: $FB_IDLE held open."
	echo "fds $fd0 -> $fd1 ($(ratio $((fd1 - fd0)) "$FB_IDLE") per connection), pipe fds $pipe0 -> $pipe1,"
	echo "VmRSS $rss0 -> $rss1 KiB ($(awk -v a="$rss0" -v b="$rss1" -v n="$FB_IDLE" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}') bytes per connection)."
}
