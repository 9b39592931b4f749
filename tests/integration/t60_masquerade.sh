#!/usr/bin/env bash
# [Link] Masquerade=yes (issue 6): the namespace reaches the "internet"
# through the host, which rewrites the source to its own address.
#
#   $P"up" (the "internet")        $HOST (throwaway "host")              $P"m"
#   +------------------------+     +------------------------------+     +--------------------------+
#   | eth0 203.0.113.2/24    |=====| wan0 203.0.113.1/24          |     |                          |
#   |      2001:db8:60::2/64 |     |      2001:db8:60::1/64       |     |                          |
#   | socat :7000 / :7006    |     | default via 203.0.113.2      |     |                          |
#   |   prints the peer      |     | ve-$P"m" 10.60.0.1 fd60::1   |=====| eth0 10.60.0.2 fd60::2   |
#   +------------------------+     | table inet netnsctl          |     | default via the host end |
#                                  +------------------------------+     +--------------------------+
#
# Proves: with Masquerade=yes the upstream server sees the host's wan0
# address, for IPv4 and IPv6; the rules live in table inet netnsctl, in
# chains of this namespace, and count the traffic; the forwarding sysctls
# are on for the host end and the uplink only; `down` leaves the host's
# ruleset, sysctls, links, addresses and routes exactly as they were.
source "$(dirname "$0")/lib.sh"

# sysctls: the host's forwarding-related switches, minus the host ends
# netnsctl creates and removes itself.
sysctls() {
	nsenter --net="/run/netns/$HOST" sysctl -a 2>/dev/null |
		grep -E '^net\.ipv4\.(ip_forward |conf\.[^.]+\.(forwarding|route_localnet) )|^net\.ipv6\.conf\.[^.]+\.(forwarding|force_forwarding) ' |
		grep -v '\.ve-' | sort
}
ruleset() { nsenter --net="/run/netns/$HOST" nft list ruleset; }
# wait_dad NETNS: until no address there is tentative (at most ~5 s).
wait_dad() {
	for _ in $(seq 50); do
		ip -n "$1" -6 addr show tentative | grep -q . || return 0
		sleep 0.1
	done
	return 1
}
# listen NETNS PORT CMD...: start a server and wait until it listens.
listen() {
	local ns=$1 port=$2; shift 2
	nsenter --net="/run/netns/$ns" "$@" >/dev/null 2>&1 &
	for _ in $(seq 50); do
		nsenter --net="/run/netns/$ns" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
UP=${P}up M=${P}m
ip netns add "$UP"
ip -n "$UP" link set lo up
ip -n "$HOST" link add wan0 type veth peer name eth0 netns "$UP"
ip -n "$HOST" addr add 203.0.113.1/24 dev wan0
ip -n "$HOST" addr add 2001:db8:60::1/64 dev wan0 nodad
ip -n "$UP" addr add 203.0.113.2/24 dev eth0
ip -n "$UP" addr add 2001:db8:60::2/64 dev eth0 nodad
ip -n "$HOST" link set wan0 up
ip -n "$UP" link set eth0 up
ip -n "$HOST" route add default via 203.0.113.2
ip -n "$HOST" -6 route add default via 2001:db8:60::2
check "the upstream server listens on :7000" listen "$UP" 7000 socat TCP-LISTEN:7000,reuseaddr,fork 'SYSTEM:echo $SOCAT_PEERADDR'
check "the upstream server listens on :7006" listen "$UP" 7006 socat TCP6-LISTEN:7006,reuseaddr,fork 'SYSTEM:echo $SOCAT_PEERADDR'

rules_before=$(ruleset)
sysctl_before=$(sysctls)
snap_before=$(snapshot)
is "$rules_before" "" "the host starts without any nftables ruleset"

conf m <<'CONF'
[Link]
Kind=veth
Address=10.60.0.2/24 fd60::2/64
HostAddress=10.60.0.1/24 fd60::1/64
Gateway=10.60.0.1 fd60::1
Masquerade=yes
CONF
check "up with Masquerade=yes succeeds" nctl up "$M"
check "the IPv6 address inside is usable (DAD done)" wait_dad "$M"
host_end=$(ip -n "$HOST" -o link show | awk -F': ' -v a="alias netnsctl:$M" 'index($0, a) {sub(/@.*/, "", $2); print $2}')

is "$(inns m socat -T3 - TCP:203.0.113.2:7000 </dev/null)" "203.0.113.1" \
	"IPv4: the upstream server sees the host's wan0 address, not 10.60.0.2"
like "$(inns m socat -T3 - TCP6:[2001:db8:60::2]:7006 </dev/null)" '^\[(2001:db8:60::1|2001:0db8:0060:0000:0000:0000:0000:0001)\]$' \
	"IPv6: the upstream server sees the host's wan0 address, not fd60::2"

rules=$(ruleset)
like "$rules" "table inet netnsctl \{" "the rules live in table inet netnsctl"
like "$rules" "chain post-$M \{[^}]*comment \"ns=$M hash=[0-9a-f]{8}\"" "in a postrouting chain of this namespace, marked with its name"
like "$rules" "type nat hook postrouting priority srcnat \+ 10; policy accept;" "at srcnat + 10 (after iptables-nft and Docker)"
like "$rules" "ip saddr 10\.60\.0\.2 oifname != \"$host_end\" counter packets [1-9][0-9]* bytes [0-9]+ masquerade" \
	"the IPv4 masquerade rule counted the connection"
like "$rules" "ip6 saddr fd60::2 oifname != \"$host_end\" counter packets [1-9][0-9]* bytes [0-9]+ masquerade" \
	"the IPv6 masquerade rule counted the connection"
like "$rules" "chain fwd-$M \{" "a forward chain counts what crosses the host end"
is "$(hostx sysctl -n "net.ipv4.conf.$host_end.forwarding")" 1 "IPv4 forwarding is on for the host end"
is "$(hostx sysctl -n net.ipv4.conf.wan0.forwarding)" 1 "IPv4 forwarding is on for the uplink (the replies come in there)"
is "$(hostx sysctl -n net.ipv4.ip_forward)" 0 "the global IPv4 switch is left alone"
is "$(hostx sysctl -n net.ipv4.conf.lo.forwarding)" 0 "devices the traffic does not use are left alone"
is "$(hostx sysctl -n net.ipv6.conf.all.forwarding)" 0 "the global IPv6 switch is left alone (it would stop router advertisements)"
is "$(hostx sysctl -n net.ipv6.conf.wan0.force_forwarding)" 1 "IPv6 forwarding is forced on the uplink only"
like "$(grep '^nft ' "/run/netnsctl/$M.state" || true)" "^nft inet netnsctl/$M " "the state records this namespace's part of the shared table"

# status shows the rules with their counters.
json=$(nctl status --json "$M")
is "$(echo "$json" | python3 -c '
import json, sys
fw = json.load(sys.stdin)["firewall"]
post = [c for c in fw["host"]["chains"] if c["name"].startswith("post-")][0]
print(all(r["packets"] > 0 for r in post["rules"] if "masquerade" in r["rule"]), fw["inside"])')" "True None" \
	"status --json: a firewall object with the masquerade rules and their counters (and no table inside)"
like "$(nctl status "$M")" "firewall host chain post-$M" "status shows the chains"

# A second up with the same config changes nothing and keeps the counters.
before=$(ruleset | grep -c 'packets [1-9]' || true)
out=$(nctl up "$M")
is "$out" "$M: unchanged" "a second up reports no change"
is "$(ruleset | grep -c 'packets [1-9]' || true)" "$before" "and the rules keep their counters"

check "down succeeds" nctl down "$M"
is "$(ruleset)" "$rules_before" "down leaves no table and no rule"
is "$(sysctls)" "$sysctl_before" "down puts every sysctl back"
is "$(snapshot)" "$snap_before" "the host's links, addresses and routes are as before"
done_testing
