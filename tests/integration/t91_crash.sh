#!/usr/bin/env bash
# t91: guarantee 2 of issue 9, crash recovery. `netnsctl up` killed with
# SIGKILL at any point; afterwards `up` converges to the full config and
# `down` returns the host to its snapshot, the fake physical NIC back under
# its original name every time.
#
#   $HOST (throwaway "host")                          $P"c"
#   +--------------------------------------+         +-------------------------------+
#   | nic0 (fake physical NIC) -- moved -------->    | lan0 10.91.0.2/24 fd91::2/64  |
#   |   nic0-lan (its LAN end)             |         |      mtu 1400, MAC set        |
#   | h91 10.91.1.1/24 ======== veth ==========>     | eth1 10.91.1.2/24 masquerade  |
#   | mvpar (parent) --- macvlan -------------->     | mv0  10.91.2.2/24             |
#   +--------------------------------------+         | default via 10.91.1.1         |
#     /etc/netns/$P"c"/{resolv,nsswitch}.conf         | 10.95.0.0/24 via 10.91.0.1    |
#                                                     | ip_forward=1                  |
#                                                     +-------------------------------+
#
# Two ways of killing, both with SIGKILL (no handler can run):
#  1. 50 runs under `timeout -s KILL D` with D drawn at random between 0.1 ms
#     and the measured duration of a whole `up` (so most land mid-apply).
#     What each kill left is classified from outside: nothing, a partial
#     state (a record without "complete", which `status` shows as
#     partial), or a finished up.
#  2. A sweep that is not left to chance: strace delivers SIGKILL on entry
#     to the n-th sendto (netlink), mount, unshare and rename of `up`, and
#     to each mkdir that creates a directory and each sysctl write, for
#     every n; the syscall does not run. That is every point between two
#     state changes.
# Masquerade=yes on eth1 brings in the helper process that loads the host
# firewall part alongside `up` (apply_fw.c): kills land in it too (strace
# -f), and a kill of `up` takes it along (PR_SET_PDEATHSIG).
# After every kill: `up` succeeds, the namespace equals the one a clean up
# makes (links, addresses, routes, sysctls, /etc/netns files), `status
# --json` says up and managed; `down` succeeds and the host snapshot (links, addresses,
# routes, nft, sysctls, /run/netns, /run/netnsctl, /etc/netns) equals the
# baseline; nic0 is home with its original name, MTU and MAC.
source "$(dirname "$0")/lib.sh"

NS=${P}c
RUNS=${T91_RUNS:-50}

# The sysctls this config touches, and their neighbours (t90 compares
# every per-device one; here a run has to be quick).
SYSCTLS=(net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv6.conf.all.forwarding net.ipv4.conf.default.forwarding net.ipv6.conf.all.disable_ipv6 net.ipv6.conf.default.disable_ipv6)
hsnap() {
	snapshot | sed -E 's/ tentative( |$)/\1/'
	echo "== nft"; hostx nft list ruleset 2>&1
	echo "== sysctl"; hostx sysctl "${SYSCTLS[@]}" 2>&1
	echo "== files"
	find /etc/netns /run/netnsctl /run/netns -maxdepth 2 -path "*/$P*" ! -name "$HOST" 2>/dev/null | sort
} 2>/dev/null
# nsdump: the namespace, without what differs between two correct runs
# (ifindexes, kernel-chosen MACs, link-local addresses).
nsdump() {
	{
		echo "== links"; ip -n "$NS" -d -o link show
		echo "== addrs"; ip -n "$NS" -o addr show | sed -E 's/valid_lft.*//'
		echo "== routes"; ip -n "$NS" route show table all
		echo "== routes6"; ip -n "$NS" -6 route show table all | sed -E 's/ linkdown//'
	} | grep -vE 'fe80::[0-9a-f]*:|anycast fe80::' |
		sed -E 's/,?(NO-CARRIER|LOWER_UP|M-DOWN)//g; s/state [A-Z]+ //; s/ tentative( |$)/\1/;
			s/^[0-9]+: //; s/@if[0-9]+//; s/link-netnsid [0-9]+//;
			s#link/ether (02:00:00:00:91:)#MAC\1#; s#link/ether [0-9a-f:]+#link/ether random#; s#MAC02#link/ether 02#' | sort
	echo "== sysctl"; nsenter --net="/run/netns/$NS" sysctl "${SYSCTLS[@]}" 2>&1
	echo "== etc"
	for f in /etc/netns/"$NS"/*; do [ -e "$f" ] && { echo "-- $f"; cat "$f"; }; done
} 2>/dev/null
# status_of: "STATE managed|unmanaged" from status --json.
status_of() {
	nctl status --json "$NS" 2>/dev/null | jq -r '.state + " " + (if .managed then "managed" else "unmanaged" end)' 2>/dev/null ||
		echo "no status"
}
# what_was_left: classify the host right after a kill.
what_was_left() {
	local st=/run/netnsctl/$NS.state
	if [ ! -e "$st" ] && [ ! -e "/run/netns/$NS" ]; then echo nothing
	elif [ -e "$st" ] && grep -qx complete "$st"; then echo complete
	else echo partial
	fi
}
# recover DESC: the checks every kill is followed by. Sets RECOVER_BAD.
recover() {
	local desc=$1 why="" now
	nctl up "$NS" >/dev/null 2>"$CFG/rec.err" || why="$why up after the kill failed: $(grep -v '^# + ' "$CFG/rec.err");"
	now=$(eventually_same "$ref" nsdump)
	[ "$now" = "$ref" ] || { why="$why namespace differs from a clean up;"; show_diff "$ref" "$now"; }
	[ "$(status_of)" = "up managed" ] || why="$why status --json does not say up and managed ($(status_of));"
	nctl down "$NS" >/dev/null 2>"$CFG/rec.err" || why="$why down failed: $(grep -v '^# + ' "$CFG/rec.err");"
	now=$(eventually_same "$baseline" hsnap)
	[ "$now" = "$baseline" ] || { why="$why host differs from the baseline;"; show_diff "$baseline" "$now"; }
	[ "$(nic_line)" = "$NIC" ] || why="$why nic0 is not home as it was;"
	if [ -z "$why" ]; then
		ok "$desc: up converges, down leaves zero residue, nic0 home"
	else
		RECOVER_BAD=$((RECOVER_BAD + 1))
		not_ok "$desc:$why"
		# Put the world back for the next run, whatever it takes.
		nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
		if [ -f "/run/netns/$NS" ] && ! mountpoint -q "/run/netns/$NS"; then rm -f "/run/netns/$NS" "/run/netnsctl/$NS.state"; fi
	fi
}

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
ip -n "$HOST" link add mvpar address 02:00:00:00:91:01 type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
NIC=$(nic_line)
conf c <<'CONF'
[Namespace]
Sysctl=net.ipv4.ip_forward=1

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.91.0.2/24 fd91::2/64
MTU=1400
MACAddress=02:00:00:00:91:80

[Link]
Kind=veth
Name=eth1
HostName=h91
Address=10.91.1.2/24
HostAddress=10.91.1.1/24
Gateway=10.91.1.1
Masquerade=yes

[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.91.2.2/24

[Route]
Destination=10.95.0.0/24
Gateway=10.91.0.1

[DNS]
Nameserver=10.91.1.1
CONF
baseline=$(hsnap)

# ---- reference: a clean up, timed ------------------------------------------------
check "a clean up succeeds" hostx timeout 30 "$NETNSCTL" --config-dir "$CFG" up "$NS"
ref=$(nsdump)
like "$ref" "lan0.*mtu 1400" "the reference has lan0 inside with its MTU"
check "a clean down succeeds" nctl down "$NS"
is "$(eventually_same "$baseline" hsnap)" "$baseline" "the host is back to the baseline after the clean run"
# The delays span one whole up, timed as the kills will run it (the
# fastest of three warm runs: a slow outlier would waste kills after the end).
T_US=
for _ in 1 2 3; do
	t0=$(date +%s%N)
	hostx timeout 30 "$NETNSCTL" --config-dir "$CFG" up "$NS" >/dev/null 2>&1 || true
	t=$((($(date +%s%N) - t0) / 1000))
	[ -z "$T_US" ] || [ "$t" -lt "$T_US" ] && T_US=$t
	nctl down "$NS" >/dev/null 2>&1 || true
done
echo "# a whole up takes about $T_US us here; kill delays are drawn from 100..$T_US us"

# ---- 1. random delays --------------------------------------------------------------
declare -A left=([nothing]=0 [partial]=0 [complete]=0)
RECOVER_BAD=0
for i in $(seq 1 "$RUNS"); do
	d=$((100 + (RANDOM * 32768 + RANDOM) % (T_US > 200 ? T_US - 100 : 100)))
	secs=$(printf '0.%06d' "$d")
	hostx timeout -s KILL "$secs" "$NETNSCTL" --config-dir "$CFG" up "$NS" >/dev/null 2>&1 && rc=0 || rc=$?
	w=$(what_was_left)
	left[$w]=$((left[$w] + 1))
	recover "random kill $i/$RUNS after ${d} us (rc $rc, left: $w)"
done
echo "# random kills: ${left[nothing]} left nothing, ${left[partial]} a partial state, ${left[complete]} a finished up; $RECOVER_BAD failed to recover"

# ---- 2. a kill before every state-changing syscall -------------------------------------
# Trace a clean up (-y shows the file behind each fd), then kill on entry
# to the n-th call of each syscall. Calls that change nothing are skipped:
# a mkdir that finds the directory there (EEXIST), and writes that are not
# sysctls (the state record's and the DNS files' contents are covered by
# the kill before their rename, stdout by nothing).
SYSCALLS=(sendto mount unshare rename mkdir write)
ASAN_OPTIONS=detect_leaks=0 hostx strace -qq -y -f -o "$CFG/trace" -e trace="$(IFS=,; echo "${SYSCALLS[*]}")" \
	"$NETNSCTL" --config-dir "$CFG" up "$NS" >/dev/null 2>&1 || true
declare -A points_of
for sc in "${SYSCALLS[@]}"; do
	points_of[$sc]=$(grep -E "^[0-9]+ +$sc\(" "$CFG/trace" | awk -v sc="$sc" '
		{ n++ }
		sc == "mkdir" && !/= 0$/ { next }
		sc == "write" && !/write\([0-9]+<\/proc\/sys\// { next }
		{ printf "%d ", n }')
done
check "strace saw the netlink requests of up" test "$(wc -w <<<"${points_of[sendto]}")" -ge 10
nctl down "$NS" >/dev/null 2>&1 || true
declare -A sleft=([nothing]=0 [partial]=0 [complete]=0)
RECOVER_BAD=0 points=0
for sc in "${SYSCALLS[@]}"; do
	for n in ${points_of[$sc]}; do
		points=$((points + 1))
		ASAN_OPTIONS=detect_leaks=0 hostx strace -qq -f -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
			"$NETNSCTL" --config-dir "$CFG" up "$NS" >/dev/null 2>&1 && rc=0 || rc=$?
		w=$(what_was_left)
		sleft[$w]=$((sleft[$w] + 1))
		recover "SIGKILL on entry to $sc #$n (left: $w)"
	done
done
echo "# syscall sweep: $points kill points: ${sleft[nothing]} left nothing, ${sleft[partial]} a partial state, ${sleft[complete]} a finished up; $RECOVER_BAD failed to recover"
check "the sweep reached mid-apply points (partial states: ${sleft[partial]})" test "${sleft[partial]}" -ge 20
done_testing
