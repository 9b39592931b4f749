#!/usr/bin/env bash
# Fault injection: fail the k-th kernel operation of `up` and of `down`, for
# every k, and check that nothing is left behind (issue 3).
#
#   $HOST (throwaway "host")                           $P"f"
#   +---------------------------------------+         +-----------------------------+
#   | nic0 (fake physical NIC) -- moved ----------->  | lan0 10.36.0.2/24 mtu 1400  |
#   |   nic0-lan (its LAN end, no IPv6)     |         |      fd36:0::2/64, MAC set  |
#   | h36 10.36.1.1/24  =========== veth ==========>  | eth1 10.36.1.2/24           |
#   | mvpar (parent) --- macvlan, bridge -------->    | mv0  10.36.2.2/24           |
#   +---------------------------------------+         | default via 10.36.1.1       |
#                                                     | 10.60.0.0/24 via 10.36.0.1  |
#                                                     | fd60::/64 dev lan0          |
#                                                     | Sysctl=net.ipv4.ip_forward=1|
#                                                     +-----------------------------+
#
# The fault build ($NETNSCTL_FAULT) counts every kernel operation (netlink
# request, mount, unshare, sysctl write, state file write); with
# NETNSCTL_FAULT_REPORT=1 it prints "netnsctl-fault: N operations" at exit,
# and NETNSCTL_FAULT_AT=k makes operation k fail with EIO.
#
# Proves: for every k of `up`, up fails, reports the injected fault, and
# leaves zero differences in the host snapshot (links, addresses, routes,
# /run/netns, /run/netnsctl), with the NIC back under its original name.
# For every k of `down`, the faulty down either fails naming the fault or
# absorbs it, and a plain `down` afterwards finishes cleanly with the host
# again exactly as before.
source "$(dirname "$0")/lib.sh"

snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }
# restore: after a failed check, put the world back so that the next k
# starts from the baseline (down, with --force if the record is gone).
restore() {
	nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
}

[ -x "$NETNSCTL_FAULT" ] || { setup_world; not_ok "fault build missing at $NETNSCTL_FAULT (make fault)"; done_testing; exit 1; }
setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
NS=${P}f
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
ip -n "$HOST" link add mvpar type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
NIC=$(ip -n "$HOST" -o link show nic0 | sed -E 's/^[0-9]+: ([^:]*):.*( mtu [0-9]+ ).*(link\/ether [0-9a-f:]+ ).*/\1\2\3/')
conf f <<'CONF'
[Namespace]
Sysctl=net.ipv4.ip_forward=1

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.36.0.2/24 fd36::2/64
MTU=1400
MACAddress=02:00:00:00:36:80

[Link]
Kind=veth
Name=eth1
HostName=h36
Address=10.36.1.2/24
HostAddress=10.36.1.1/24
Gateway=10.36.1.1

[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.36.2.2/24

[Route]
Destination=10.60.0.0/24
Gateway=10.36.0.1

[Route]
Destination=fd60::/64
Link=lan0
CONF
baseline=$(snap)

# ---- count the operations of a clean up --------------------------------------
NETNSCTL_FAULT_REPORT=1 nctl_fault up "$NS" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
is "$rc" 0 "up with the fault build and no fault succeeds"
K=$(fault_ops "$CFG/report")
like "${K:-none}" "^[0-9]+$" "the fault build reports its operation count for up ($K)"
check "a 3-link up takes at least 10 kernel operations" test "${K:-0}" -ge 10
check "nic0 is inside after the clean up" ip -n "$NS" link show lan0
check "down of the clean run succeeds" nctl down "$NS"
now=$(eventually_same "$baseline" snap)
is "$now" "$baseline" "the host is back to the baseline"
[ "$now" = "$baseline" ] || show_diff "$baseline" "$now"

# ---- a fault at every operation of up ------------------------------------------
for k in $(seq 1 "${K:-0}"); do
	NETNSCTL_FAULT_AT=$k nctl_fault up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	err=$(grep -v '^# + ' "$CFG/err" | head -n3 || true)
	now=$(eventually_same "$baseline" snap)
	why=""
	[ "$rc" -ne 0 ] || why="$why up succeeded;"
	[[ "$err" == *"injected fault at operation $k "* ]] || why="$why fault not reported;"
	[ ! -e "/run/netns/$NS" ] || why="$why namespace left;"
	[ ! -e "/run/netnsctl/$NS.state" ] || why="$why state record left;"
	[ "$now" = "$baseline" ] || why="$why host differs;"
	[[ "$(ip -n "$HOST" -o link show nic0 2>/dev/null | sed -E 's/^[0-9]+: ([^:]*):.*( mtu [0-9]+ ).*(link\/ether [0-9a-f:]+ ).*/\1\2\3/')" == "$NIC" ]] ||
		why="$why nic0 not back as it was;"
	if [ -z "$why" ]; then
		ok "up, fault at op $k/$K: fails and leaves zero residue"
	else
		not_ok "up, fault at op $k/$K:$why"
		echo "#   $err"
		show_diff "$baseline" "$now"
		restore
	fi
done

# ---- a fault at every operation of down ------------------------------------------
check "up for the down count succeeds" nctl up "$NS"
NETNSCTL_FAULT_REPORT=1 nctl_fault down "$NS" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
is "$rc" 0 "down with the fault build and no fault succeeds"
KD=$(fault_ops "$CFG/report")
like "${KD:-none}" "^[0-9]+$" "the fault build reports its operation count for down ($KD)"
is "$(eventually_same "$baseline" snap)" "$baseline" "the host is back to the baseline"
for k in $(seq 1 "${KD:-0}"); do
	why=""
	if ! nctl up "$NS" >/dev/null 2>&1; then
		not_ok "down, fault at op $k/$KD: up before it failed"
		restore
		continue
	fi
	NETNSCTL_FAULT_AT=$k nctl_fault down "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	err=$(grep -v '^# + ' "$CFG/err" | head -n3 || true)
	# A fault may be absorbed (a failed intermediate save of the record is
	# harmless: the record is removed at the end); a failure must name it.
	[ "$rc" -eq 0 ] || [[ "$err" == *"injected fault at operation $k "* ]] || why="$why failed without naming the fault (rc=$rc);"
	nctl down "$NS" >/dev/null 2>"$CFG/err2" || why="$why plain down afterwards failed: $(grep -v '^# + ' "$CFG/err2");"
	now=$(eventually_same "$baseline" snap)
	[ ! -e "/run/netns/$NS" ] || why="$why namespace left;"
	[ ! -e "/run/netnsctl/$NS.state" ] || why="$why state record left;"
	[ "$now" = "$baseline" ] || why="$why host differs;"
	[[ "$(ip -n "$HOST" -o link show nic0 2>/dev/null | sed -E 's/^[0-9]+: ([^:]*):.*( mtu [0-9]+ ).*(link\/ether [0-9a-f:]+ ).*/\1\2\3/')" == "$NIC" ]] ||
		why="$why nic0 not back as it was;"
	if [ -z "$why" ]; then
		ok "down, fault at op $k/$KD ($([ "$rc" -eq 0 ] && echo absorbed || echo "failed, rc=$rc")): a plain down then finishes, NIC back, zero residue"
	else
		not_ok "down, fault at op $k/$KD:$why"
		echo "#   $err"
		show_diff "$baseline" "$now"
		restore
	fi
done
done_testing
