#!/usr/bin/env bash
# [Firewall] Policy=drop with Allow= (issue 6): the inbound policy inside
# the namespace, and its reconciliation by a later `up`.
#
#   $HOST (throwaway "host")                 $P"f"
#   +--------------------------------+      +----------------------------------------+
#   | ve-$P"f" 10.62.0.1 fd62::1     |======| eth0 10.62.0.2/24 fd62::2/64           |
#   | clients; socat :7000           |      | socat on tcp 80, 81 and udp 5000       |
#   +--------------------------------+      | table inet netnsctl: Policy=drop,      |
#                                           |   Allow=tcp/80 udp/5000-5001 (+icmp)   |
#                                           +----------------------------------------+
#
# Proves: with Policy=drop and Allow=tcp/80, port 80 answers (IPv4 and IPv6,
# so neighbour discovery passes) and port 81 does not; the drop is counted
# in the named counter input_dropped; ping is dropped until Allow=icmp;
# loopback inside and connections the namespace opens itself still work;
# an unchanged config leaves the table (and its counters) alone;
# changing the config and running `up` again replaces the table in one
# step, and Policy=accept removes it; down leaves the host as it was.
source "$(dirname "$0")/lib.sh"

wait_dad() {
	for _ in $(seq 50); do
		ip -n "$1" -6 addr show tentative | grep -q . || return 0
		sleep 0.1
	done
	return 1
}
listen() {
	local ns=$1 proto=$2 port=$3; shift 3
	nsenter --net="/run/netns/$ns" "$@" >/dev/null 2>&1 &
	for _ in $(seq 50); do
		# shellcheck disable=SC2086 # proto may carry a family option
		nsenter --net="/run/netns/$ns" ss -Hln $proto "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
# ask NETNS ADDRESS [SECONDS]: what a TCP service says, giving up after
# SECONDS (default 4: the first SYN over a new IPv6 link is sometimes lost,
# and TCP sends it again after 1 s).
ask() { nsenter --net="/run/netns/$1" socat -T2 - "$2,connect-timeout=${3:-4}" </dev/null 2>/dev/null; }
# udp_ask NETNS ADDRESS: the answer to one datagram, three tries.
udp_ask() {
	local out
	for _ in 1 2 3; do
		out=$(echo q | nsenter --net="/run/netns/$1" socat -t1 -T1 - "$2" 2>/dev/null) && [ -n "$out" ] && break
	done
	echo "$out"
}
dropped() { inns f nft list counter inet netnsctl input_dropped | awk '/packets/ { print $2 }'; }
pings() { nsenter --net="/run/netns/$HOST" ping -n -c3 -i0.2 -W1 "$1" >/dev/null 2>&1; }

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
F=${P}f
snap_before=$(snapshot)
rules_before=$(hostx nft list ruleset)
write_conf() {
	conf f <<CONF
[Link]
Kind=veth
Address=10.62.0.2/24 fd62::2/64
HostAddress=10.62.0.1/24 fd62::1/64

[Firewall]
Policy=$1
Allow=tcp/80 udp/5000-5001
$2
CONF
}
write_conf drop ""
check "up with Policy=drop succeeds" nctl up "$F"
check "the IPv6 address inside is usable (DAD done)" wait_dad "$F"
check "tcp/80 listens inside" listen "$F" "-t -4" 80 socat TCP-LISTEN:80,reuseaddr,fork 'SYSTEM:echo port80'
check "tcp/81 listens inside" listen "$F" -t 81 socat TCP-LISTEN:81,reuseaddr,fork 'SYSTEM:echo port81'
check "an IPv6 tcp/80 listens inside" listen "$F" "-t -6" 80 socat TCP6-LISTEN:80,ipv6only=1,reuseaddr,fork 'SYSTEM:echo port80'
check "udp/5000 listens inside" listen "$F" -u 5000 socat UDP4-RECVFROM:5000,fork 'SYSTEM:echo udp5000'
check "a host service on :7000 listens" listen "$HOST" -t 7000 socat TCP-LISTEN:7000,reuseaddr,fork 'SYSTEM:echo host7000'

d0=$(dropped)
is "$(ask "$HOST" TCP4:10.62.0.2:80)" "port80" "Allow=tcp/80: port 80 answers"
is "$(ask "$HOST" 'TCP6:[fd62::2]:80')" "port80" "and over IPv6 (neighbour discovery is let in)"
check_fails "port 81 does not answer" ask "$HOST" TCP4:10.62.0.2:81 1
is "$(udp_ask "$HOST" UDP4:10.62.0.2:5000)" "udp5000" "Allow=udp/5000-5001: udp/5000 answers"
check_fails "ping is dropped (no Allow=icmp)" pings 10.62.0.2
d1=$(dropped)
check "the drops are counted in input_dropped ($d0 -> $d1)" test "$d1" -gt "$d0"
is "$(ask "$F" TCP4:127.0.0.1:81)" "port81" "loopback inside is not filtered"
is "$(ask "$F" TCP4:10.62.0.1:7000)" "host7000" "connections the namespace opens get their replies (established)"
like "$(inns f nft list chain inet netnsctl input)" "tcp dport 80 counter packets [1-9][0-9]* bytes [0-9]+ accept comment \"Allow=tcp/80 $F\.conf:[0-9]+\"" \
	"the Allow= rule counts and names its config line"

d2=$(dropped)
is "$(nctl up "$F")" "$F: unchanged" "a second up with the same config changes nothing"
is "$(dropped)" "$d2" "and the table keeps its counters"

# ---- reconcile: Allow=icmp added ----------------------------------------------------------
write_conf drop "Allow=icmp"
is "$(nctl up "$F")" "$F: updated" "up after adding Allow=icmp updates"
check "ping answers now" pings 10.62.0.2
is "$(inns f nft list tables | grep -c netnsctl)" 1 "still exactly one table inside"
check_fails "port 81 still does not answer" ask "$HOST" TCP4:10.62.0.2:81 1

# ---- reconcile: Policy=accept removes the table -------------------------------------------
write_conf accept ""
is "$(nctl up "$F")" "$F: updated" "up with Policy=accept updates"
is "$(inns f nft list ruleset)" "" "no table is left inside"
is "$(ask "$HOST" TCP4:10.62.0.2:81)" "port81" "port 81 answers"

check "down succeeds" nctl down "$F"
is "$(hostx nft list ruleset)" "$rules_before" "the host's ruleset is as before"
is "$(snapshot)" "$snap_before" "the host's links, addresses and routes are as before"
done_testing
