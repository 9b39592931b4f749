#!/usr/bin/env bash
# Rollback: make a step of `up` fail for real and check that nothing of the
# attempt remains (issue 3).
#
#   $HOST (throwaway "host")                         $P"<case>"
#   +--------------------------------------+        +---------------------------+
#   | nic0 (fake physical NIC) --- moved --------->  | lan0 10.35.0.2/24 (moved) |
#   |   nic0-lan (its LAN end, no IPv6)    |        | eth1 (veth)  <== h35      |
#   | h35 (veth host end, created)  ==============>  | mv0 (macvlan on mvpar)    |
#   | mvpar (macvlan parent, MAC fixed)    |        | [Route] that fails        |
#   | taken0 (a name already in use)       |        +---------------------------+
#   +--------------------------------------+
#
# Failures, each real (no injection):
#   A  HostName= names a device that already exists on the host (preflight)
#   B  the second link's macvlan parent is missing (preflight)
#   C  a [Route] with an unreachable gateway: the kernel refuses it after
#      the NIC was moved, a veth and a macvlan were created and addressed
#   D  a macvlan's MACAddress= equals its parent's: the kernel refuses to
#      bring it up, after the NIC was moved and a veth created
#   E  the same route failure while reconciling a running namespace: the
#      namespace is left exactly as it was before that `up`
# After each: the error names file:line; no namespace (ip netns list,
# /run/netns), no state record (/run/netnsctl), the host's links, addresses
# and routes as before; the fake NIC is back under its original name, down,
# with its original MTU and MAC.
source "$(dirname "$0")/lib.sh"

snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }
has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
# dump NETNS: links, addresses and routes inside a namespace.
dump() {
	ip -n "$1" -d -o link show | sed -E 's/link-netnsid [0-9]+//'
	ip -n "$1" -o addr show | sed -E 's/valid_lft.*//; s/ tentative( |$)/\1/'
	ip -n "$1" route show table all
	ip -n "$1" -6 route show table all | grep -v '^local fe80' || true
}

# up_err NAME: run up; RC is its exit status, ERR its message (without the
# harness's echo of the command).
up_err() {
	nctl up "$1" 2>"$CFG/err" >/dev/null && RC=0 || RC=$?
	ERR=$(grep -v '^# + ' "$CFG/err" || true)
	echo "# $ERR" >&2
}

# fails_clean NAME DESC RC LINE_RE: up of NAME must fail with exit status RC
# and a message naming NAME's config at a line matching LINE_RE, and leave
# the host exactly as it was.
fails_clean() {
	local name=$P$1 desc=$2 want_rc=$3 line=$4 before
	before=$(snap)
	up_err "$name"
	is "$RC" "$want_rc" "$desc: up fails with exit status $want_rc"
	like "$ERR" "^netnsctl: $CFG/$name\.conf:$line: " "$desc: the message names $name.conf:$line"
	check_fails "$desc: no namespace in ip netns list" bash -c "ip netns list | grep -q '^$name\\b'"
	check "$desc: no /run/netns/$name" test ! -e "/run/netns/$name"
	check "$desc: no state record in /run/netnsctl" test ! -e "/run/netnsctl/$name.state"
	is "$(eventually_same "$before" snap)" "$before" "$desc: the host's links, addresses and routes are as before"
	nic_home "$desc"
}
# nic_home DESC: the fake NIC is back under its original name, down, with
# its original MTU and MAC.
nic_home() {
	local l
	l=$(ip -n "$HOST" -o link show nic0 2>/dev/null || true)
	like "$l" "^[0-9]+: nic0@" "$1: nic0 is in the host under its original name"
	like "$l" "<BROADCAST,MULTICAST> mtu $NIC_MTU .* state DOWN .*link/ether $NIC_MAC " \
		"$1: nic0 is down, with its original MTU and MAC"
}

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
ip -n "$HOST" link add mvpar address 02:00:00:00:35:01 type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
ip -n "$HOST" link add taken0 type veth peer name taken0-p
NIC_MTU=$(ip -n "$HOST" -o link show nic0 | sed -E 's/.* mtu ([0-9]+) .*/\1/')
NIC_MAC=$(ip -n "$HOST" -o link show nic0 | sed -E 's/.*link\/ether ([0-9a-f:]+) .*/\1/')
initial=$(snap)

PHYS='[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.35.0.2/24
MTU=1400
MACAddress=02:00:00:00:35:80
'
VETH='[Link]
Kind=veth
Name=eth1
HostName=h35
Address=10.35.1.2/24
HostAddress=10.35.1.1/24
'
MV='[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.35.2.2/24
'
BADROUTE='[Route]
Destination=10.99.0.0/24
Gateway=172.16.5.1
'

# ---- A: a host name that is taken ----------------------------------------------
printf '%s\n' "$PHYS" "${VETH/HostName=h35/HostName=taken0}" | conf a
fails_clean a "A (HostName= in use)" 2 12
like "$ERR" "'taken0' is already in use" "A: the message says the host name is in use"
check "A: the existing taken0 was not touched" has_link "$HOST" taken0

# ---- B: the second link's macvlan parent is missing -----------------------------
printf '%s\n' "$PHYS" "${MV/Device=mvpar/Device=nosuch0}" | conf b
fails_clean b "B (macvlan parent missing)" 2 11
like "$ERR" "parent device 'nosuch0' does not exist" "B: the message names the missing parent"

# ---- C: the kernel refuses a route after links were made ------------------------
printf '%s\n' "$PHYS" "$VETH" "$MV" "$BADROUTE" | conf c
fails_clean c "C (unreachable route gateway)" 1 22
like "$ERR" "172\.16\.5\.1" "C: the message names the gateway"
check_fails "C: the veth host end h35 is gone" has_link "$HOST" h35

# ---- D: the kernel refuses to bring a macvlan up ---------------------------------
printf '%s\n' "$PHYS" "$VETH" "${MV}MACAddress=02:00:00:00:35:01
" | conf d
fails_clean d "D (macvlan MAC equal to its parent's)" 1 16
check_fails "D: the veth host end h35 is gone" has_link "$HOST" h35

# ---- E: a failed reconcile leaves the running namespace as it was ---------------
printf '%s\n' "$PHYS" "$VETH" | conf e
check "E: up of the namespace succeeds" nctl up "${P}e"
ns_before=$(dump "${P}e") host_before=$(snap) state_before=$(cat "/run/netnsctl/${P}e.state")
printf '%s\n' "$PHYS" "${VETH/10.35.1.2\/24/10.35.1.3/24}" "$MV" "$BADROUTE" | conf e
up_err "${P}e"
is "$RC" 1 "E1 (change an address, add a macvlan, bad route): up fails with exit status 1"
like "$ERR" "^netnsctl: $CFG/${P}e\\.conf:22: " "E1: the message names the [Route] line"
is "$(dump "${P}e")" "$ns_before" "E1: the namespace's links, addresses and routes are as before"
is "$(eventually_same "$host_before" snap)" "$host_before" "E1: the host is as before"
is "$(cat "/run/netnsctl/${P}e.state" 2>&1)" "$state_before" "E1: the state record is as before"

# Removing the physical [Link] while the same update fails: the NIC must
# end up inside again, as before the failed `up`.
printf '%s\n' "$VETH" "$BADROUTE" | conf e
up_err "${P}e"
is "$RC" 1 "E2 (remove the physical [Link], bad route): up fails with exit status 1"
like "$ERR" "^netnsctl: $CFG/${P}e\\.conf:8: " "E2: the message names the [Route] line"
is "$(dump "${P}e")" "$ns_before" "E2: the namespace is as before (lan0 inside again, addresses back)"
is "$(eventually_same "$host_before" snap)" "$host_before" "E2: the host is as before (nic0 not left in the host)"
is "$(cat "/run/netnsctl/${P}e.state" 2>&1)" "$state_before" "E2: the state record is as before"

printf '%s\n' "$PHYS" "$VETH" | conf e
check "E: down succeeds" nctl down "${P}e"
nic_home "E (after down)"
is "$(eventually_same "$initial" snap)" "$initial" "after everything, the host is exactly as at the start"
done_testing
