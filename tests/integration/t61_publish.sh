#!/usr/bin/env bash
# [Publish] Mode=nat (issue 6): host ports forwarded into the namespace by
# DNAT, for clients on other hosts and for the host itself.
#
#   $P"up" (the "internet")        $HOST (throwaway "host")                 $P"p"
#   +------------------------+     +---------------------------------+     +-----------------------------+
#   | eth0 203.0.113.2/24    |=====| wan0 203.0.113.1/24             |     |  socat servers:             |
#   |      2001:db8:61::2/64 |     |      2001:db8:61::1/64          |     |  tcp 80 (v4, v6), 9101, 443 |
#   | clients                |     | ve-$P"p" 10.61.0.1 fd61::1      |=====|  udp 53                     |
#   +------------------------+     | clients on 127.0.0.1 and wan0   |     | eth0 10.61.0.2 fd61::2      |
#                                  +---------------------------------+     | default via the host end    |
#                                                                          +-----------------------------+
# [Publish] tcp 8080 -> 80 (every address), udp 5353 -> 53, tcp 9000-9002 ->
# 9100-9102, tcp 8443 -> 443 on 127.0.0.1 only.
#
# Proves: the upstream peer reaches HostPort and gets the namespaced
# service, which sees the peer's own address (IPv4 and IPv6, TCP and UDP);
# the host reaches it via 127.0.0.1:HostPort and via its own address, and
# then the service sees the host end's address (masqueraded, so no route
# back is needed); a moved port range maps port by port; HostAddress=
# 127.0.0.1 is not reachable from outside; route_localnet is on for the
# host end only; `down` leaves the ruleset and every sysctl as before.
source "$(dirname "$0")/lib.sh"

sysctls() {
	nsenter --net="/run/netns/$HOST" sysctl -a 2>/dev/null |
		grep -E '^net\.ipv4\.(ip_forward |conf\.[^.]+\.(forwarding|route_localnet) )|^net\.ipv6\.conf\.[^.]+\.(forwarding|force_forwarding) ' |
		grep -v '\.ve-' | sort
}
ruleset() { nsenter --net="/run/netns/$HOST" nft list ruleset; }
wait_dad() {
	for _ in $(seq 50); do
		ip -n "$1" -6 addr show tentative | grep -q . || return 0
		sleep 0.1
	done
	return 1
}
# listen NETNS PROTO PORT CMD...: start a server and wait until it listens.
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
# ask NETNS ADDRESS...: what a TCP service says (socat address syntax).
ask() { local ns=$1; shift; nsenter --net="/run/netns/$ns" socat -T3 - "$@" </dev/null 2>/dev/null; }
# udp_ask NETNS ADDRESS: the answer to one datagram, three tries.
udp_ask() {
	local out
	for _ in 1 2 3; do
		out=$(echo q | nsenter --net="/run/netns/$1" socat -t1 -T1 - "$2" 2>/dev/null) && [ -n "$out" ] && break
	done
	echo "$out"
}
V6='(2001:db8:61::2|2001:0db8:0061:0000:0000:0000:0000:0002)'

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
UP=${P}up PN=${P}p
ip netns add "$UP"
ip -n "$UP" link set lo up
ip -n "$HOST" link add wan0 type veth peer name eth0 netns "$UP"
ip -n "$HOST" addr add 203.0.113.1/24 dev wan0
ip -n "$HOST" addr add 2001:db8:61::1/64 dev wan0 nodad
ip -n "$UP" addr add 203.0.113.2/24 dev eth0
ip -n "$UP" addr add 2001:db8:61::2/64 dev eth0 nodad
ip -n "$HOST" link set wan0 up
ip -n "$UP" link set eth0 up
ip -n "$HOST" route add default via 203.0.113.2
ip -n "$HOST" -6 route add default via 2001:db8:61::2

rules_before=$(ruleset)
sysctl_before=$(sysctls)
snap_before=$(snapshot)

conf p <<'CONF'
[Link]
Kind=veth
Address=10.61.0.2/24 fd61::2/64
HostAddress=10.61.0.1/24 fd61::1/64
Gateway=10.61.0.1 fd61::1

[Publish]
HostPort=8080
Port=80

[Publish]
Protocol=udp
HostPort=5353
Port=53

[Publish]
HostPort=9000-9002
Port=9100-9102

[Publish]
HostAddress=127.0.0.1
HostPort=8443
Port=443
CONF
check "up with four [Publish] sections succeeds" nctl up "$PN"
check "the IPv6 address inside is usable (DAD done)" wait_dad "$PN"
host_end=$(ip -n "$HOST" -o link show | awk -F': ' -v a="alias netnsctl:$PN" 'index($0, a) {sub(/@.*/, "", $2); print $2}')
check "service tcp/80 (IPv4) listens inside" listen "$PN" "-t -4" 80 socat TCP4-LISTEN:80,reuseaddr,fork 'SYSTEM:echo port80 $SOCAT_PEERADDR'
check "service tcp/80 (IPv6) listens inside" listen "$PN" "-t -6" 80 socat TCP6-LISTEN:80,ipv6only=1,reuseaddr,fork 'SYSTEM:echo port80 $SOCAT_PEERADDR'
check "service tcp/9101 listens inside" listen "$PN" -t 9101 socat TCP4-LISTEN:9101,reuseaddr,fork 'SYSTEM:echo port9101'
check "service tcp/443 listens inside" listen "$PN" -t 443 socat TCP4-LISTEN:443,reuseaddr,fork 'SYSTEM:echo port443'
check "service udp/53 listens inside" listen "$PN" -u 53 socat UDP4-RECVFROM:53,fork 'SYSTEM:echo udp53'

# ---- from another host ----------------------------------------------------------------
is "$(ask "$UP" TCP4:203.0.113.1:8080)" "port80 203.0.113.2" \
	"upstream -> 203.0.113.1:8080 reaches the service, which sees the peer's own address"
like "$(ask "$UP" 'TCP6:[2001:db8:61::1]:8080')" "^port80 \[$V6\]\$" "IPv6: upstream -> [2001:db8:61::1]:8080 reaches it too"
is "$(udp_ask "$UP" UDP4:203.0.113.1:5353)" "udp53" \
	"UDP: upstream -> 203.0.113.1:5353 reaches udp/53 inside"
is "$(ask "$UP" TCP4:203.0.113.1:9001)" "port9101" "a moved range maps port by port (9001 -> 9101)"
check_fails "HostAddress=127.0.0.1: port 8443 is not reachable from outside" ask "$UP" TCP4:203.0.113.1:8443

# ---- from the host itself -------------------------------------------------------------------
is "$(ask "$HOST" TCP4:127.0.0.1:8080)" "port80 10.61.0.1" \
	"the host -> 127.0.0.1:8080 reaches it (masqueraded to the host end's address)"
is "$(ask "$HOST" TCP4:203.0.113.1:8080)" "port80 10.61.0.1" "the host -> its own address 203.0.113.1:8080 reaches it"
is "$(ask "$HOST" TCP4:127.0.0.1:8443)" "port443" "the host -> 127.0.0.1:8443 (HostAddress=127.0.0.1) reaches tcp/443"

# ---- what it took ---------------------------------------------------------------------------
rules=$(ruleset)
like "$rules" "chain pre-$PN \{[^}]*type nat hook prerouting priority dstnat \+ 10;" "DNAT for other hosts: prerouting at dstnat + 10"
like "$rules" "chain out-$PN \{[^}]*type nat hook output priority -90;" "DNAT for the host itself: output at -90"
like "$rules" "tcp dport 8080 counter packets [1-9][0-9]* bytes [0-9]+ dnat ip to 10\.61\.0\.2:80" "the IPv4 tcp/8080 rule counted"
like "$rules" "elements = \{ [^}]*0\.0\.0\.0 \. tcp \. 8080 comment \"ns=$PN\"" "host port tcp/8080 is claimed in set published4"
is "$(hostx sysctl -n "net.ipv4.conf.$host_end.route_localnet")" 1 "route_localnet is on for the host end (127.0.0.1 DNAT)"
is "$(hostx sysctl -n net.ipv4.conf.wan0.route_localnet)" 0 "and nowhere else"

check "down succeeds" nctl down "$PN"
is "$(ruleset)" "$rules_before" "down leaves no table and no rule"
is "$(sysctls)" "$sysctl_before" "down puts every sysctl back"
is "$(snapshot)" "$snap_before" "the host's links, addresses and routes are as before"
check_fails "after down, 127.0.0.1:8080 no longer answers" ask "$HOST" TCP4:127.0.0.1:8080
done_testing
