#!/usr/bin/env bash
# bench/run.sh: netnsctl against a shell script of `ip` commands and a
# raw-netlink floor, side by side in one run; then scale to 1000
# namespaces. Writes bench/results/RESULTS.md and results.json.
#
#   +------------------ the machine (its network is never touched) -------+
#   |  unshare --mount --net: the throwaway "host"                        |
#   |    net: anonymous; every host end of a veth lives here, dies with it |
#   |    mount: private; fresh tmpfs on /run/netns and /run/netnsctl, as  |
#   |      on a systemd machine where /run is tmpfs. Nothing we create is |
#   |      visible outside, and all of it goes when the last process of   |
#   |      the run exits, even on SIGKILL.                                |
#   |      /run/netns/nbench-PID-*   namespaces made by the benchmarks    |
#   |      tmpfs on /etc/netns: the exec group's resolv.conf files        |
#   |    servers of the publish group (iperf3, crr) are killed on exit    |
#   +---------------------------------------------------------------------+
#
# Environment:
#   NETNSCTL=path    binary under test (default build/netnsctl)
#   NB_RUNS=60       rounds of the one-shot comparison (plus NB_WARMUP=3)
#   NB_INPROC=100    namespaces per process in the in-process comparison
#   NB_SCALE=1000    largest scale (checkpoints 1, 10, 100, 1000 up to it)
#   NB_OUT=dir       where RESULTS.md and results.json go (bench/results)
#   NB_HYPERFINE=0   skip the hyperfine cross-check
#   NB_KEEP=1        keep the work dir (raw harness output) for inspection
#   NB_NICE=-10      niceness of the measuring half (other work shares the CPUs)
#   NB_ONLY=list     run only these parts (comma-separated): oneshot, hyperfine,
#                    inproc, exec, nat, publish, forward, scale, kernel, profile;
#                    e.g. NB_ONLY=oneshot to rerun the headline comparison when
#                    the machine was noisy
#   NB_EXEC_RUNS=200 rounds of the exec comparison
#   NB_NAT_RUNS=30   rounds of each NAT comparison (first NAT namespace, steady)
#   NB_PUB_RUNS=3 NB_PUB_TIME=3 NB_PUB_CONNS=1000
#                    publishing (Mode=nat): rounds, seconds per iperf3 run,
#                    connects per round and path
#   FB_TIME=3 FB_RUNS=3 FB_CONNS=1000   bench/forward.sh (Mode=proxy)
#   NB_TMPFS=0       use the machine's own /run/netns, and a state dir
#                    /run/nbench-PID-state, instead of the tmpfs mounts. On
#                    this VM /run is on the ext4 root, where creating names in
#                    /run/netns and each rename-over of a state file cost far
#                    more than on tmpfs (see docs/PERFORMANCE.md).
#
# Either way netnsctl's state dir and global lock are ours alone, so test
# suites running at the same time neither wait for us nor slow us down; the
# locking code is the same.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench

# ---- helpers shared by both halves -----------------------------------------
log() { echo "bench: $*" >&2; }

# addr NET I HOST: the /30 of namespace I in 10.NET.0.0/16, host part HOST.
addr() {
	local v=$((4 * $2 + $3))
	echo "10.$1.$((v >> 8)).$((v & 255))"
}

# conf DIR NAME HOSTIF NET I: a one-veth config the same as floor's.
conf() {
	local h n
	h=$(addr "$4" "$5" 1) n=$(addr "$4" "$5" 2)
	printf '[Namespace]\nDescription=bench\n\n[Link]\nKind=veth\nName=eth0\nHostName=%s\nAddress=%s/30\nHostAddress=%s/30\nGateway=%s\n' \
		"$3" "$n" "$h" "$h" >"$1/$2.conf"
}

slab_netns() { awk '/^net_namespace /{print $2}' /proc/slabinfo 2>/dev/null || echo 0; }

# ---- outer half: world, build, cleanup -------------------------------------
cleanup() {
	local f
	set +e
	for f in /run/netns/"$NB_P"*; do
		[ -e "$f" ] || continue
		ip netns del "$(basename "$f")" 2>/dev/null || { umount -l "$f"; rm -f "$f"; }
	done
	[ -n "${NETNSCTL_STATE_DIR:-}" ] && rm -rf "$NETNSCTL_STATE_DIR"
	[ "${NB_MADE_ETC_NETNS:-0}" = 1 ] && rmdir /etc/netns
	if [ "${NB_KEEP:-0}" = 1 ]; then
		log "work dir kept: $NB_W"
	else
		rm -rf "$NB_W"
	fi
}

# Leftovers of runs that died (their PID is gone).
sweep_stale() {
	local f name pid
	for f in /run/netns/nbench-* /run/nbench-*-state; do
		[ -e "$f" ] || continue
		name=$(basename "$f")
		pid=${name#nbench-}
		pid=${pid%%-*}
		[ -d "/proc/$pid" ] && continue
		case "$f" in
		/run/netns/*) ip netns del "$name" 2>/dev/null || { umount -l "$f"; rm -f "$f"; } ;;
		*) rm -rf "$f" ;;
		esac
	done
}

outer() {
	[ "$(id -u)" = 0 ] || { echo "bench/run.sh: needs root" >&2; exit 1; }
	export NETNSCTL=${NETNSCTL:-$ROOT/build/netnsctl}
	[ -x "$NETNSCTL" ] || { echo "bench/run.sh: no netnsctl at $NETNSCTL (make first)" >&2; exit 1; }
	NETNSCTL=$(realpath "$NETNSCTL")
	for t in unshare nsenter ip python3 cc pkg-config; do
		command -v "$t" >/dev/null || { echo "bench/run.sh: needs $t" >&2; exit 1; }
	done
	if [ "${NB_HYPERFINE:-1}" = 1 ] && ! command -v hyperfine >/dev/null && command -v apt-get >/dev/null; then
		log "installing hyperfine for the cross-check"
		apt-get install -y hyperfine >/dev/null 2>&1 || log "could not install hyperfine; cross-check skipped"
	fi
	sweep_stale
	NB_OTHERS=$(find /run/netns -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	export NB_OTHERS NB_P="nbench-$$-"
	if [ "${NB_TMPFS:-1}" = 0 ]; then
		export NETNSCTL_STATE_DIR="/run/nbench-$$-state"
	fi
	NB_W=$(mktemp -d /tmp/nbench.XXXXXX)
	export NB_W
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	log "building floor and harness in $NB_W"
	# shellcheck disable=SC2046
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$NB_W/floor" "$BENCH/floor.c" $(pkg-config --cflags --libs libmnl)
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$NB_W/harness" "$BENCH/harness.c"
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$NB_W/exec_floor" "$BENCH/exec_floor.c"
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$NB_W/crr" "$BENCH/crr.c"
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$NB_W/libcost-plain" "$BENCH/libcost.c"
	# shellcheck disable=SC2046
	cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$NB_W/libcost-libs" "$BENCH/libcost.c" \
		-Wl,--no-as-needed $(pkg-config --libs libmnl libcap-ng)
	# The inner half mounts a tmpfs on /etc/netns; the mount point has to
	# exist. If we make it, cleanup removes it again.
	if [ ! -d /etc/netns ]; then
		mkdir /etc/netns
		NB_MADE_ETC_NETNS=1
	fi
	nice -n "${NB_NICE:--10}" unshare --mount --propagation private --net -- bash "${BASH_SOURCE[0]}" --inner
	local out=${NB_OUT:-$BENCH/results}
	mkdir -p "$out"
	python3 "$BENCH/report.py" "$NB_W" "$out"
	log "wrote $out/RESULTS.md and $out/results.json"
}

# ---- inner half: runs inside the throwaway host namespace ------------------
H() { "$NB_W/harness" "$@"; }
NX() { echo "$NETNSCTL --config-dir $1"; }

# settle WHAT N BEFORE TIMEOUT: after taking N namespaces down, wait for the
# kernel's asynchronous cleanup of them (the net_namespace slab, which read
# BEFORE with them alive, drops by about N), so that the cleanup does not
# land on the next measurement. The slab count is coarse (whole slabs) and
# other work creates namespaces too, hence the slack (50) and the timeout.
settle() {
	local what=$1 target=$(($3 - $2 + 50)) timeout_us=$(($4 * 1000000)) t0=${EPOCHREALTIME/./} n t
	while :; do
		n=$(slab_netns)
		t=$((${EPOCHREALTIME/./} - t0))
		((n <= target)) && break
		if ((t > timeout_us)); then
			log "settle: $what: $n namespaces in the kernel after ${4}s, expected at most $target; going on"
			break
		fi
		sleep 0.05
	done
	echo "{\"what\":\"$what\",\"ms\":$((t / 1000)),\"slab\":$n,\"target\":$target}" >>"$NB_W/settle.jsonl"
}

# Kernel memory that namespaces and links live in: unreclaimable slab,
# per-CPU and vmalloc areas (MemAvailable moves too much with other work).
kmem_kb() { awk '$1 ~ /^(SUnreclaim|Percpu|VmallocUsed):$/ { s += $2 } END { print s }' /proc/meminfo; }

meta() {
	local commit
	commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || commit="$commit+dirty"
	M_COMMIT=$commit M_DATE=$(date -u +%Y-%m-%dT%H:%MZ) M_NICE=$(nice) \
	M_STATE_FS=$(stat -f -c %T "$STATE" 2>/dev/null || echo '?') \
	M_NETNS_FS=$(stat -f -c %T /run/netns 2>/dev/null || echo '?') \
	M_LDD=$(ldd "$NETNSCTL" | awk '{print $1}' | tr '\n' ' ') \
	M_BIN=$(date -u -r "$NETNSCTL" +%Y-%m-%dT%H:%MZ) \
	python3 - "$NB_W/meta.json" <<'EOF'
import json, os, platform, sys
e = os.environ
cpu = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')]
json.dump({
    'kernel': platform.release(), 'cpus': os.cpu_count(), 'cpu_model': cpu[0] if cpu else '?',
    'date': e['M_DATE'], 'netnsctl': e['NETNSCTL'], 'commit': e['M_COMMIT'],
    'loadavg_start': open('/proc/loadavg').read().split()[:3],
    'other_netns_at_start': int(e['NB_OTHERS']), 'tmpfs': e.get('NB_TMPFS', '1') == '1',
    'runs': int(e['NB_RUNS']), 'warmup': int(e['NB_WARMUP']), 'inproc': int(e['NB_INPROC']),
    'scale': int(e['NB_SCALE']), 'nice': int(e['M_NICE']), 'state_dir': e['STATE'],
    'state_fs': e['M_STATE_FS'], 'netns_fs': e['M_NETNS_FS'], 'ldd': e['M_LDD'], 'binary_built': e['M_BIN'],
}, open(sys.argv[1], 'w'), indent=1)
EOF
}

# The one-namespace config of netnsctl, shared by oneshot, hyperfine, profile.
cfg1() {
	mkdir -p "$NB_W/cfg1"
	conf "$NB_W/cfg1" "${NB_P}n0" nx0 64 0
}

# 1. One namespace, one process per call: netnsctl vs floor vs ip scripts.
oneshot() {
	local c=$NB_W/cfg1 tut="bash $BENCH/tutorial.sh --style" s
	cfg1
	s=$NB_W/oneshot.spec
	{
		echo "netnsctl up $(NX "$c") up ${NB_P}n0"
		echo "netnsctl down $(NX "$c") down ${NB_P}n0"
		echo "netnsctl _pause sleep 0.1"
		echo "floor up $NB_W/floor up ${NB_P}f fl 65 0 1"
		echo "floor down $NB_W/floor down ${NB_P}f fl 65 0 1"
		echo "floor _pause sleep 0.1"
		local style net=66 p
		for style in exec ipn inplace; do
			p=${style:0:1}
			echo "ip-$style up $tut $style up ${NB_P}i${p}0 t${p}0 $(addr $net 0 2)/30 $(addr $net 0 1)/30 $(addr $net 0 1)"
			echo "ip-$style down $tut $style down ${NB_P}i${p}0 t${p}0"
			echo "ip-$style _pause sleep 0.1"
			net=$((net + 1))
		done
	} >"$s"
	# The untimed pause after each down lets the kernel finish its
	# asynchronous cleanup of the namespace before the next variant's up.
	log "one-shot comparison: $NB_RUNS rounds (+$NB_WARMUP warm-up), interleaved"
	H bench "$NB_RUNS" "$NB_WARMUP" "$NB_W/oneshot.json" <"$s"
	# Process start alone: how much of a one-shot call is exec + ld.so.
	{
		echo "true run /bin/true"
		echo "floor-start run $NB_W/floor up x x 0 0 0"
		echo "netnsctl-version run $NETNSCTL --version"
	} | H bench 50 5 "$NB_W/startup.json"
}

# The same `up` comparison through hyperfine (not interleaved), as a check
# on the harness. Each variant is up once before, so every run's --prepare
# (its down) has something to take down.
hyperfine_check() {
	[ "${NB_HYPERFINE:-1}" = 1 ] && command -v hyperfine >/dev/null || return 0
	local c=$NB_W/cfg1 tut="bash $BENCH/tutorial.sh --style exec"
	local nup="$NETNSCTL --config-dir $c up ${NB_P}n0" ndown="$NETNSCTL --config-dir $c down ${NB_P}n0"
	local fup="$NB_W/floor up ${NB_P}f fl 65 0 1" fdown="$NB_W/floor down ${NB_P}f fl 65 0 1"
	local tup tdown="$tut down ${NB_P}ie0 te0"
	tup="$tut up ${NB_P}ie0 te0 $(addr 66 0 2)/30 $(addr 66 0 1)/30 $(addr 66 0 1)"
	log "hyperfine cross-check of up"
	cfg1
	$nup >/dev/null && $fup && $tup
	hyperfine -N --style none --warmup 3 --runs 20 --export-json "$NB_W/hyperfine.json" \
		-n netnsctl --prepare "$ndown" "$nup" \
		-n floor --prepare "$fdown" "$fup" \
		-n ip-exec --prepare "$tdown" "$tup" >/dev/null
	$ndown >/dev/null && $fdown && $tdown
}

# 2. Many namespaces in one process: netnsctl up A B C ... vs floor.
inproc() {
	local c=$NB_W/cfg2 k=$NB_INPROC i names=()
	mkdir -p "$c"
	for ((i = 0; i < k; i++)); do
		conf "$c" "${NB_P}m$i" "mx$i" 73 "$i"
		names+=("${NB_P}m$i")
	done
	log "in-process: $k namespaces per process, 5 rounds"
	local before
	before=$(($(slab_netns) + k))
	{
		echo "netnsctl up $(NX "$c") up -q ${names[*]}"
		echo "netnsctl down $(NX "$c") down -q ${names[*]}"
		echo "floor up $NB_W/floor up ${NB_P}g gm 74 0 $k"
		echo "floor down $NB_W/floor down ${NB_P}g gm 74 0 $k"
	} | H bench 5 1 "$NB_W/inproc.json"
	settle inproc "$k" "$before" 30
}

# fill FROM TO: bring up s<FROM>..s<TO-1>, one process each (as systemd
# starts netns@ units), writing their configs first.
fill() {
	local i
	for ((i = $1; i < $2; i++)); do conf "$NB_W/cfg3" "${NB_P}s$i" "sx$i" 72 "$i"; done
	for ((i = $1; i < $2; i++)); do echo "$(NX "$NB_W/cfg3") up -q ${NB_P}s$i"; done |
		H seq 1 "$NB_W/fill-$2.json"
}

# probe N: with N namespaces up, the cost of one more up/down (netnsctl and
# floor, interleaved), then status --json and list.
probe() {
	local n=$1 c=$NB_W/cfg4
	mkdir -p "$c"
	conf "$c" "${NB_P}p0" px0 70 0
	{
		echo "netnsctl up $(NX "$c") up ${NB_P}p0"
		echo "netnsctl down $(NX "$c") down ${NB_P}p0"
		echo "netnsctl _pause sleep 0.1"
		echo "floor up $NB_W/floor up ${NB_P}q qx 71 0 1"
		echo "floor down $NB_W/floor down ${NB_P}q qx 71 0 1"
		echo "floor _pause sleep 0.1"
	} | H bench 15 2 "$NB_W/probe-$n.json"
	# Opening a net sysctl in a fresh namespace, which netnsctl up does
	# twice: its cost grows with the number of namespaces that have looked
	# the same path up (see docs/PERFORMANCE.md).
	local k f=$NB_W/k.txt
	for ((k = 0; k < 5; k++)); do
		ip netns add "${NB_P}y"
		strace -T -e trace=openat -o "$f" nsenter --net="/run/netns/${NB_P}y" cat /proc/sys/net/ipv6/conf/all/disable_ipv6 >/dev/null
		echo "{\"n\":$n,\"ms\":$(grep disable_ipv6 "$f" | sed -E 's/.*<([0-9.]+)>$/\1/' | awk '{printf "%.3f", $1 * 1000}')}" >>"$NB_W/sysctl.jsonl"
		ip netns del "${NB_P}y"
	done
	case "$n" in 1 | 100 | 1000)
		{
			echo "status-json run $(NX "$NB_W/cfg3") status --json"
			echo "list run $(NX "$NB_W/cfg3") list"
		} | H bench 10 1 "$NB_W/status-$n.json" ;;
	esac
}

count_up() {
	local ns links states
	ns=$(find /run/netns -maxdepth 1 -name "${NB_P}s*" | wc -l)
	links=$(ip -o link show | grep -c ': sx[0-9]*@' || true)
	states=$(find "$STATE" -maxdepth 1 -name "${NB_P}s*.state" | wc -l)
	echo "$ns $links $states"
}

# Every namespace complete: eth0 up with its address and the default route.
verify_all() {
	local i bad=0 r
	for ((i = 0; i < NB_SCALE; i++)); do
		r=$(ip -n "${NB_P}s$i" -o route show default 2>/dev/null || true)
		[[ "$r" == *"via $(addr 72 "$i" 1) dev eth0"* ]] || bad=$((bad + 1))
	done
	echo "$bad"
}

record() { echo "$1" >>"$NB_W/scale.jsonl"; }

scale() {
	local n prev=0 i names=() groups=() g counts mem0 mem1 bad before
	mkdir -p "$NB_W/cfg3"
	mem0=$(kmem_kb)
	log "scale: filling to $NB_SCALE, one process per namespace, probing at 1, 10, 100, 1000"
	for n in 1 10 100 1000; do
		((n <= NB_SCALE)) || break
		fill "$prev" "$n"
		probe "$n"
		prev=$n
	done
	((prev == NB_SCALE)) || { fill "$prev" "$NB_SCALE"; prev=$NB_SCALE; }
	mem1=$(kmem_kb)
	counts=$(count_up)
	record "{\"what\":\"fill\",\"n\":$NB_SCALE,\"counts\":\"$counts\",\"kmem_growth_kb\":$((mem1 - mem0))}"
	for ((i = 0; i < NB_SCALE; i++)); do names+=("${NB_P}s$i"); done

	log "scale: down, one process per namespace"
	before=$(slab_netns)
	for ((i = 0; i < NB_SCALE; i++)); do echo "$(NX "$NB_W/cfg3") down -q ${NB_P}s$i"; done |
		H seq 1 "$NB_W/seq-down.json"
	record "{\"what\":\"seq-down\",\"counts\":\"$(count_up)\"}"
	settle seq-down "$NB_SCALE" "$before" 30

	log "scale: up and down, all in one process"
	echo "$(NX "$NB_W/cfg3") up -q ${names[*]}" | H seq 1 "$NB_W/one-up.json"
	record "{\"what\":\"one-up\",\"counts\":\"$(count_up)\"}"
	before=$(slab_netns)
	echo "$(NX "$NB_W/cfg3") down -q ${names[*]}" | H seq 1 "$NB_W/one-down.json"
	record "{\"what\":\"one-down\",\"counts\":\"$(count_up)\"}"
	settle one-down "$NB_SCALE" "$before" 30

	log "scale: up and down, 8 processes in parallel"
	for ((g = 0; g < 8; g++)); do
		local part=()
		for ((i = g; i < NB_SCALE; i += 8)); do part+=("${NB_P}s$i"); done
		groups+=("${part[*]}")
	done
	for g in "${groups[@]}"; do echo "$(NX "$NB_W/cfg3") up -q $g"; done | H seq 8 "$NB_W/par-up.json"
	bad=$(verify_all)
	record "{\"what\":\"par-up\",\"counts\":\"$(count_up)\",\"incomplete\":$bad}"
	before=$(slab_netns)
	for g in "${groups[@]}"; do echo "$(NX "$NB_W/cfg3") down -q $g"; done | H seq 8 "$NB_W/par-down.json"
	record "{\"what\":\"par-down\",\"counts\":\"$(count_up)\"}"
	settle par-down "$NB_SCALE" "$before" 30

	# How systemd starts netns@ units at boot: one process per namespace,
	# several at once, all queueing on netnsctl's global lock.
	log "scale: up and down, one process per namespace, 8 at a time"
	for ((i = 0; i < NB_SCALE; i++)); do echo "$(NX "$NB_W/cfg3") up -q ${NB_P}s$i"; done | H seq 8 "$NB_W/par1-up.json"
	bad=$(verify_all)
	record "{\"what\":\"par1-up\",\"counts\":\"$(count_up)\",\"incomplete\":$bad}"
	before=$(slab_netns)
	for ((i = 0; i < NB_SCALE; i++)); do echo "$(NX "$NB_W/cfg3") down -q ${NB_P}s$i"; done | H seq 8 "$NB_W/par1-down.json"
	record "{\"what\":\"par1-down\",\"counts\":\"$(count_up)\"}"
	settle par1-down "$NB_SCALE" "$before" 30

	log "scale: floor, all in one process"
	echo "$NB_W/floor up ${NB_P}s sx 72 0 $NB_SCALE" | H seq 1 "$NB_W/floor-up.json"
	before=$(slab_netns)
	echo "$NB_W/floor down ${NB_P}s sx 72 0 $NB_SCALE" | H seq 1 "$NB_W/floor-down.json"
	settle floor-down "$NB_SCALE" "$before" 30
}

# Kernel costs that decide the design, each timed 10 times with strace -T
# on the one syscall that carries it: creating a namespace (unshare),
# moving an existing link into it, deleting a veth, how long a host end
# stays (its name busy) after `ip netns del` alone, and closing an
# nftables socket after a change (deleting a table with a NAT chain).
slowest_ms() { awk -F'<' '/<[0-9.]+>$/ { t = $NF; sub(/>/, "", t); if (t + 0 > m) m = t + 0 } END { printf "%.3f", m * 1000 }' "$1"; }
kcost() { echo "{\"what\":\"$1\",\"ms\":$2}" >>"$NB_W/kernel.jsonl"; }

kernel_costs() {
	command -v strace >/dev/null || return 0
	local i ns t0 f=$NB_W/k.txt
	log "kernel costs: namespace creation, link move, veth deletion, busy name, nftables close"
	for ((i = 0; i < 10; i++)); do
		ns=${NB_P}k$i
		strace -f -T -e trace=unshare -o "$f" ip netns add "$ns"
		kcost "unshare(CLONE_NEWNET)" "$(slowest_ms "$f")"
		ip link add "kx$i" type veth peer name "ky$i"
		strace -T -e trace=sendmsg -o "$f" ip link set "ky$i" netns "$ns"
		kcost "moving a link into a namespace" "$(slowest_ms "$f")"
		strace -T -e trace=sendmsg -o "$f" ip link del "kx$i"
		kcost "deleting a veth pair" "$(slowest_ms "$f")"
		ip link add "kx$i" type veth peer name "ky$i" netns "$ns"
		ip netns del "$ns"
		t0=${EPOCHREALTIME/./}
		while ip link show "kx$i" >/dev/null 2>&1; do :; done
		kcost "host end still there after ip netns del" "$(((${EPOCHREALTIME/./} - t0) / 1000))"
		if command -v nft >/dev/null; then
			nft add table inet "nbk$i"
			nft add chain inet "nbk$i" post '{ type nat hook postrouting priority 100; }'
			nft add rule inet "nbk$i" post masquerade
			strace -T -e trace=close -o "$f" nft delete table inet "nbk$i"
			kcost "closing an nftables socket after a change" "$(slowest_ms "$f")"
		fi
	done
}

# Where the time goes: syscall counts and the slowest syscalls of one
# netnsctl up and down, and perf's view of CPU against wall time.
profile() {
	local x=("$NETNSCTL" --config-dir "$NB_W/cfg1")
	command -v strace >/dev/null || return 0
	log "profile: strace and perf of one up/down"
	cfg1
	strace -f -c -w -o "$NB_W/strace-c-up.txt" "${x[@]}" up "${NB_P}n0" >/dev/null
	strace -f -c -w -o "$NB_W/strace-c-down.txt" "${x[@]}" down "${NB_P}n0" >/dev/null
	strace -f -T -tt -o "$NB_W/strace-T-up.txt" "${x[@]}" up "${NB_P}n0" >/dev/null
	strace -f -T -tt -o "$NB_W/strace-T-down.txt" "${x[@]}" down "${NB_P}n0" >/dev/null
	strace -f -T -tt -o "$NB_W/strace-T-floor-up.txt" "$NB_W/floor" up "${NB_P}f" fl 65 0 1
	strace -f -T -tt -o "$NB_W/strace-T-floor-down.txt" "$NB_W/floor" down "${NB_P}f" fl 65 0 1
	if command -v perf >/dev/null; then
		perf stat -r 10 -e task-clock,context-switches,cpu-migrations,page-faults -o "$NB_W/perf-updown.txt" \
			sh -c "${x[*]} up ${NB_P}n0 >/dev/null && ${x[*]} down ${NB_P}n0 >/dev/null" || true
		perf stat -r 10 -e task-clock,context-switches,cpu-migrations,page-faults -o "$NB_W/perf-floor-updown.txt" \
			sh -c "$NB_W/floor up ${NB_P}f fl 65 0 1 && $NB_W/floor down ${NB_P}f fl 65 0 1" || true
	fi
}

# 6. exec: `netnsctl exec NAME true` against `ip netns exec`, nsenter and
# bench/exec_floor.c (open + setns + execve), in one interleaved run; then
# with a resolv.conf in /etc/netns/NAME, where netnsctl and `ip netns exec`
# both make a mount namespace, remount /sys and bind the file (the floor's
# --etc mode does the same with no checks). /etc/netns is a tmpfs of this
# private mount namespace (see inner), so the real /etc is never written.
exec_cmp() {
	local a=${NB_P}x0 b=${NB_P}x1 t=/bin/true
	ip netns add "$a"
	ip netns add "$b"
	mkdir -p "/etc/netns/$b"
	echo "nameserver 192.0.2.53" >"/etc/netns/$b/resolv.conf"
	log "exec: $NB_EXEC_RUNS interleaved rounds, without and with /etc/netns files"
	{
		echo "true run $t"
		echo "floor run $NB_W/exec_floor $a $t"
		echo "netnsctl run $NETNSCTL exec $a $t"
		echo "nsenter run nsenter --net=/run/netns/$a $t"
		echo "ip-netns-exec run ip netns exec $a $t"
		echo "floor-etc run $NB_W/exec_floor --etc $b $t"
		echo "netnsctl-etc run $NETNSCTL exec $b $t"
		echo "ip-netns-exec-etc run ip netns exec $b $t"
	} | H bench "$NB_EXEC_RUNS" 10 "$NB_W/exec.json"
	# Where exec's overhead over the floor goes: process start with
	# netnsctl's two linked libraries (libcost-libs) against libc alone, and
	# netnsctl's own start (--version); and what `up` pays for libnftables.
	{
		echo "libc-only run $NB_W/libcost-plain"
		echo "libc+libmnl+libcap-ng run $NB_W/libcost-libs"
		echo "netnsctl--version run $NETNSCTL --version"
		echo "libc+dlopen-libnftables run $NB_W/libcost-plain nft"
	} | H bench "$NB_EXEC_RUNS" 10 "$NB_W/libcost.json"
	# The same file must be what the command sees, for every variant.
	local v
	for v in "$NETNSCTL exec" "ip netns exec" "$NB_W/exec_floor --etc"; do
		# shellcheck disable=SC2086
		$v "$b" cat /etc/resolv.conf | grep -q 192.0.2.53 || { log "exec: $v did not see the namespace's resolv.conf"; return 1; }
	done
	rm -rf "/etc/netns/$b"
	ip netns del "$a"
	ip netns del "$b"
}

# 7. NAT: up + down of the one-veth namespace with and without
# Masquerade=yes, the tutorial script with and without an nft masquerade
# rule, and the floor (no NAT), interleaved. Run twice: with no other NAT
# namespace up (netnsctl's up creates the shared host table and its down
# deletes it), and with one kept up (the steady state: up only adds chains).
nat_cmp() {
	local c=$NB_W/cfg7 tut="bash $BENCH/tutorial.sh --style exec" case
	mkdir -p "$c"
	conf "$c" "${NB_P}a0" ax0 75 0
	conf "$c" "${NB_P}b0" bx0 76 0
	echo "Masquerade=yes" >>"$c/${NB_P}b0.conf"
	conf "$c" "${NB_P}bg" bgx 77 0
	echo "Masquerade=yes" >>"$c/${NB_P}bg.conf"
	for case in first steady; do
		[ "$case" = steady ] && $NETNSCTL --config-dir "$c" up -q "${NB_P}bg"
		log "NAT ($case): $NB_NAT_RUNS interleaved rounds"
		{
			echo "netnsctl up $(NX "$c") up ${NB_P}a0"
			echo "netnsctl down $(NX "$c") down ${NB_P}a0"
			echo "netnsctl _pause sleep 0.1"
			echo "netnsctl-nat up $(NX "$c") up ${NB_P}b0"
			echo "netnsctl-nat down $(NX "$c") down ${NB_P}b0"
			echo "netnsctl-nat _pause sleep 0.1"
			echo "floor up $NB_W/floor up ${NB_P}f fl 78 0 1"
			echo "floor down $NB_W/floor down ${NB_P}f fl 78 0 1"
			echo "floor _pause sleep 0.1"
			echo "ip-exec up $tut up ${NB_P}ta ta0 $(addr 79 0 2)/30 $(addr 79 0 1)/30 $(addr 79 0 1)"
			echo "ip-exec down $tut down ${NB_P}ta ta0"
			echo "ip-exec _pause sleep 0.1"
			echo "ip-exec-nat up $tut --nat up ${NB_P}tb tb0 $(addr 80 0 2)/30 $(addr 80 0 1)/30 $(addr 80 0 1)"
			echo "ip-exec-nat down $tut --nat down ${NB_P}tb tb0"
			echo "ip-exec-nat _pause sleep 0.1"
		} | H bench "$NB_NAT_RUNS" 2 "$NB_W/nat-$case.json"
		[ "$case" = steady ] && $NETNSCTL --config-dir "$c" down -q "${NB_P}bg"
	done
	nft list tables | grep -q . && { log "NAT: nftables tables left behind: $(nft list tables | tr '\n' ' ')"; return 1; }
	return 0
}

# 8. Publishing with Mode=nat: from an "upstream" namespace U behind the
# throwaway host, iperf3 throughput and the connect rate (bench/crr.c:
# connect, 1-byte echo, close) to the published host port (DNAT in the
# host's prerouting, forwarded over the veth) against the namespace's own
# address on the same path (routed, no DNAT). Paths alternate within each
# round; ratios are per round.
#
#   U eth0 10.81.0.2 -- ux0 10.81.0.1  HOST  px0 10.80.0.1 -- eth0 10.80.0.2 PUB
#   dnat:   U -> 10.81.0.1:15201/15300 -> DNAT -> 10.80.0.2:5201/5300
#   direct: U -> 10.80.0.2:5201/5300
publish_cmp() {
	command -v iperf3 >/dev/null || { log "publish: no iperf3, skipped"; return 0; }
	local c=$NB_W/cfg8 pub=${NB_P}pub u=${NB_P}up r k
	mkdir -p "$c"
	printf '[Link]\nKind=veth\nName=eth0\nHostName=px0\nAddress=10.80.0.2/30\nHostAddress=10.80.0.1/30\nGateway=10.80.0.1\n[Publish]\nHostPort=15201\nPort=5201\n[Publish]\nHostPort=15300\nPort=5300\n' >"$c/$pub.conf"
	$NETNSCTL --config-dir "$c" up -q "$pub"
	ip netns add "$u"
	ip link add ux0 type veth peer name eth0 netns "$u"
	ip addr add 10.81.0.1/30 dev ux0
	ip link set ux0 up
	ip -n "$u" link set lo up
	ip -n "$u" addr add 10.81.0.2/30 dev eth0
	ip -n "$u" link set eth0 up
	ip -n "$u" route add default via 10.81.0.1
	# Forwarding between the two host ends, in the throwaway host only.
	echo 1 >/proc/sys/net/ipv4/ip_forward
	bgrun nsenter --net="/run/netns/$pub" iperf3 -s -p 5201
	bgrun nsenter --net="/run/netns/$pub" "$NB_W/crr" serve 5300
	sleep 0.3
	log "publish: $NB_PUB_RUNS rounds of iperf3 (${NB_PUB_TIME} s) and $NB_PUB_CONNS connects per path"
	declare -A dst=([direct]="10.80.0.2 5201 5300" [dnat]="10.81.0.1 15201 15300")
	for ((r = 0; r < NB_PUB_RUNS; r++)); do
		for k in direct dnat; do
			read -r ip bulk echoport <<<"${dst[$k]}"
			nsenter --net="/run/netns/$u" iperf3 -c "$ip" -p "$bulk" -t "$NB_PUB_TIME" -J >"$NB_W/iperf.$k.$r.json"
			nsenter --net="/run/netns/$u" "$NB_W/crr" "$ip" "$echoport" "$NB_PUB_CONNS" >>"$NB_W/crr.$k.txt"
		done
	done
	python3 - "$NB_W" "$NB_PUB_RUNS" >"$NB_W/publish.json" <<'PY'
import json, sys
w, n = sys.argv[1], int(sys.argv[2])
out = {}
for k in ('direct', 'dnat'):
    g = []
    for r in range(n):
        j = json.load(open(f'{w}/iperf.{k}.{r}.json'))
        g.append(j['end']['sum_received']['bits_per_second'] / 1e9)
    crr = [list(map(float, l.split())) for l in open(f'{w}/crr.{k}.txt') if l.strip()]
    out[k] = {'gbps': g, 'crr_median_us': [c[0] for c in crr], 'crr_mean_us': [c[1] for c in crr]}
print(json.dumps(out))
PY
	# The DNAT rule really carried the connections.
	nft list chain inet netnsctl "pre-$pub" | grep -q 'packets [1-9]' || { log "publish: the DNAT rule counted nothing"; return 1; }
	bgstop
	ip link del ux0
	ip netns del "$u"
	$NETNSCTL --config-dir "$c" down -q "$pub"
}

# 9. The Mode=proxy forwarder (issue 12): bench/forward.sh against a direct
# connection, systemd-socket-proxyd and socat, run here so that its
# namespaces live in this throwaway world too.
forward_cmp() {
	if ! command -v iperf3 >/dev/null || ! command -v socat >/dev/null; then
		log "forward: needs iperf3 and socat, skipped"
		return 0
	fi
	log "forward: bench/forward.sh (FB_TIME=$FB_TIME FB_RUNS=$FB_RUNS)"
	CRR=$NB_W/crr bash "$BENCH/forward.sh" >"$NB_W/forward.md"
}

# Background servers of the publish group, stopped by bgstop or at exit;
# --pdeathsig kills them even if this shell is SIGKILLed.
BGPIDS=()
bgrun() { setpriv --pdeathsig KILL "$@" >>"$NB_W/bg.log" 2>&1 & BGPIDS+=($!); }
bgstop() {
	local p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${BGPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	BGPIDS=()
}

part() { [[ ",${NB_ONLY:-oneshot,hyperfine,inproc,exec,nat,publish,forward,scale,kernel,profile}," == *",$1,"* ]]; }

inner() {
	export HARNESS_LOG=$NB_W/stderr.log
	if [ "${NB_TMPFS:-1}" = 1 ]; then
		# Our own /run/netns and /run/netnsctl, in this mount namespace only.
		mkdir -p /run/netns /run/netnsctl
		mount -t tmpfs -o mode=0755,size=64m nbench /run/netns
		mount -t tmpfs -o mode=0755,size=64m nbench /run/netnsctl
	fi
	# /etc/netns too (exec writes resolv.conf files there), always: the
	# real /etc is never written. outer made sure the directory exists.
	mount -t tmpfs -o mode=0755,size=1m nbench /etc/netns
	# Servers started in the background die with this half, even on failure.
	trap bgstop EXIT
	trap 'exit 130' INT TERM
	export STATE=${NETNSCTL_STATE_DIR:-/run/netnsctl}
	mkdir -p "$STATE"
	export NB_RUNS=${NB_RUNS:-60} NB_WARMUP=${NB_WARMUP:-3} NB_INPROC=${NB_INPROC:-100} NB_SCALE=${NB_SCALE:-1000}
	export NB_EXEC_RUNS=${NB_EXEC_RUNS:-200} NB_NAT_RUNS=${NB_NAT_RUNS:-30}
	export NB_PUB_RUNS=${NB_PUB_RUNS:-3} NB_PUB_TIME=${NB_PUB_TIME:-3} NB_PUB_CONNS=${NB_PUB_CONNS:-1000}
	export FB_TIME=${FB_TIME:-3} FB_RUNS=${FB_RUNS:-3} FB_CONNS=${FB_CONNS:-1000}
	ip link set lo up
	meta
	part oneshot && oneshot
	part hyperfine && hyperfine_check
	part inproc && inproc
	part exec && exec_cmp
	part nat && nat_cmp
	part publish && publish_cmp
	part forward && forward_cmp
	part scale && scale
	part kernel && kernel_costs
	part profile && profile
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['loadavg_end']=open('/proc/loadavg').read().split()[:3]; json.dump(d,open(sys.argv[1],'w'),indent=1)" "$NB_W/meta.json"
}

if [ "${1:-}" = --inner ]; then
	inner
else
	outer
fi
