#!/usr/bin/env bash
# Kind=macvlan and Kind=bridge: several namespaces sharing one host device
# (issue 3).
#
#   $HOST (throwaway "host")
#   +-------------------------------------------------------------------+
#   |  mvpar (veth end, parent) --- mvpar-peer                          |
#   |     |  macvlan, mode bridge, created directly inside:             |
#   |     +-- $P"ma": mv0 10.32.0.1/24                                  |
#   |     +-- $P"mb": mv0 10.32.0.2/24                                  |
#   |                                                                   |
#   |  br32 (bridge made by the test)                                   |
#   |     +-- ve-... ==veth== $P"ba": eth0 10.32.1.1/24                 |
#   |     +-- ve-... ==veth== $P"bb": eth0 10.32.1.2/24                 |
#   +-------------------------------------------------------------------+
#
# Proves: two namespaces with macvlans on the same parent reach each other;
# two namespaces attached to one host bridge reach each other, with their
# host ends enslaved to it; a missing parent, a missing bridge and a
# Bridge= that is not a bridge are refused with a clear message, exit 2,
# and nothing applied.
source "$(dirname "$0")/lib.sh"

has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
# pings NETNS ADDR: one echo answered (up to three attempts of 2 s each,
# so that the first ARP exchange cannot make it flaky).
pings() {
	local _
	echo "# + [$1] ping $2" >&2
	for _ in 1 2 3; do
		nsenter --net="/run/netns/$1" ping -n -c1 -W2 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
# host_end NS: the host-side veth end that carries NS's alias.
host_end() {
	ip -n "$HOST" -o link show | awk -F': ' -v a="alias netnsctl:$1" \
		'index($0, a " ") || $0 ~ a "$" {sub(/@.*/, "", $2); print $2}'
}
# up_refused NAME DESC REGEX: up must exit 2 with a message matching REGEX
# and leave the host as it was.
up_refused() {
	local name=$1 desc=$2 re=$3 before out rc
	before=$(snap)
	out=$(nctl up "$P$name" 2>&1) && rc=0 || rc=$?
	is "$rc" 2 "$desc: exit status 2"
	like "$out" "$re" "$desc: clear message naming file:line"
	is "$(snap)" "$before" "$desc: nothing applied (host snapshot unchanged)"
	check "$desc: no namespace was created" test ! -e "/run/netns/$P$name"
	check "$desc: no state record" test ! -e "/run/netnsctl/$P$name.state"
}

# snap: the harness snapshot without what the kernel changes on its own
# (bridge timers, the tentative flag of link-local addresses during DAD).
snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }

# wait_no_carrier DEV: the kernel drops a port-less bridge's carrier
# asynchronously (linkwatch); wait for that before comparing snapshots.
wait_no_carrier() {
	for _ in $(seq 50); do
		ip -n "$HOST" -o link show "$1" | grep -q NO-CARRIER && return 0
		sleep 0.1
	done
}

setup_world
# No DAD in the test's host: link-local addresses (and their local routes)
# appear at once instead of a second later, in the middle of a comparison.
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$HOST" link add mvpar type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
# A fixed MAC: otherwise the bridge takes its ports' and the snapshot moves.
ip -n "$HOST" link add br32 address 02:00:00:00:32:01 type bridge
ip -n "$HOST" link set br32 up
# Give br32 a port once and wait for the carrier, so that what the kernel
# changes on a bridge's first port (tso_max_size, a link-local address) is
# in the baseline and not counted as residue of netnsctl.
ip -n "$HOST" link add brprime type veth peer name brprime-p
ip -n "$HOST" link set brprime master br32 up
ip -n "$HOST" link set brprime-p up
for _ in $(seq 50); do
	ip -n "$HOST" -6 -o addr show dev br32 | grep -q 'fe80.*scope link' &&
		! ip -n "$HOST" -6 -o addr show dev br32 | grep -q tentative && break
	sleep 0.1
done
ip -n "$HOST" link del brprime
wait_no_carrier br32
before=$(snap)

# ---- macvlan ---------------------------------------------------------------
for x in a:1 b:2; do
	conf "m${x%%:*}" <<CONF
[Link]
Kind=macvlan
Device=mvpar
Mode=bridge
Address=10.32.0.${x##*:}/24
CONF
done
check "up of two macvlan namespaces succeeds" nctl up "${P}ma" "${P}mb"
like "$(ip -n "${P}ma" -d -o link show mv0)" "macvlan mode bridge" "mv0 in ${P}ma is a macvlan in bridge mode"
like "$(ip -n "${P}mb" -d -o link show mv0)" "macvlan mode bridge" "mv0 in ${P}mb is a macvlan in bridge mode"
like "$(ip -n "${P}ma" -o link show mv0)" "mv0@if[0-9]+: .* link-netns $HOST" "the macvlan's parent is in the host namespace"
check "no macvlan was left in the host" bash -c "! ip -n '$HOST' -d -o link show | grep -q macvlan"
check "${P}ma reaches ${P}mb over the shared parent" pings "${P}ma" 10.32.0.2
check "${P}mb reaches ${P}ma over the shared parent" pings "${P}mb" 10.32.0.1
check "down of both macvlan namespaces succeeds" nctl down "${P}ma" "${P}mb"
check "the parent is still there" has_link "$HOST" mvpar

# ---- bridge ------------------------------------------------------------------
for x in a:1 b:2; do
	conf "b${x%%:*}" <<CONF
[Link]
Kind=bridge
Bridge=br32
Address=10.32.1.${x##*:}/24
CONF
done
check "up of two bridge namespaces succeeds" nctl up "${P}ba" "${P}bb"
ha=$(host_end "${P}ba") hb=$(host_end "${P}bb")
check "${P}ba has a host end ('$ha')" test -n "$ha"
check "${P}bb has a host end ('$hb')" test -n "$hb"
like "$(ip -n "$HOST" -o link show "${ha:-none}" 2>&1)" " master br32 " "the host end of ${P}ba is enslaved to br32"
like "$(ip -n "$HOST" -o link show "${hb:-none}" 2>&1)" " master br32 " "the host end of ${P}bb is enslaved to br32"
check "${P}ba reaches ${P}bb across the bridge" pings "${P}ba" 10.32.1.2
check "${P}bb reaches ${P}ba across the bridge" pings "${P}bb" 10.32.1.1
check "down of both bridge namespaces succeeds" nctl down "${P}ba" "${P}bb"
check "the bridge has no ports left" bash -c "! ip -n '$HOST' -o link show master br32 | grep -q ."
wait_no_carrier br32
is "$(snap)" "$before" "the host is exactly as before (bridge and parent kept, nothing added)"

# ---- refusals ------------------------------------------------------------------
conf nopar <<'CONF'
[Namespace]
Description=macvlan on a parent that does not exist

[Link]
Kind=macvlan
Device=nosuchpar0
Address=10.32.2.1/24
CONF
up_refused nopar "missing macvlan parent" "${P}nopar\.conf:6: .*parent device 'nosuchpar0' does not exist"

conf nobr <<'CONF'
[Namespace]
Description=bridge port on a bridge that does not exist

[Link]
Kind=bridge
Bridge=nosuchbr0
Address=10.32.2.2/24
CONF
up_refused nobr "missing bridge" "${P}nobr\.conf:6: .*bridge 'nosuchbr0' does not exist"

conf notbr <<'CONF'
[Link]
Kind=bridge
Bridge=mvpar
CONF
up_refused notbr "Bridge= naming a non-bridge" "${P}notbr\.conf:3: .*'mvpar' is not a bridge"
done_testing
