#!/usr/bin/env bash
# [Firewall] KillSwitch=yes (issue 6, for the VPN namespaces of issue 7):
# nothing leaves the namespace except through Tunnel=yes links and lo.
# A veth marked Tunnel=yes plays the tunnel.
#
#   $P"up" (the "internet")         $HOST (throwaway "host")          $P"k" (KillSwitch=yes)
#   +---------------------------+   +----------------------------+   +----------------------------------------+
#   | eth0 203.0.113.2/24       |===| wan0 203.0.113.1/24        |   |                                        |
#   |      2001:db8:63::2/64    |   |      2001:db8:63::1/64     |   |                                        |
#   | tcp 7000, udp 53 (v4, v6) |   | h63tun 10.63.1.1 fd63:1::1 |===| tun0 10.63.1.2 fd63:1::2  Tunnel=yes    |
#   | table inet probe: counts  |   |                            |   |   default via 10.63.1.1 / fd63:1::1    |
#   |   what arrives            |   | h63eth 10.63.0.1 fd63::1   |===| eth0 10.63.0.2 fd63::2                 |
#   +---------------------------+   | masquerades both           |   |   default via 10.63.0.1 metric 500     |
#                                   +----------------------------+   |   (the leak the kill switch must stop) |
#                                                                    +----------------------------------------+
#
# Proves: with the tunnel up, traffic flows through it (and the upstream
# counters see it: the oracle works), while a socket bound to eth0 is
# refused, while a connection that came in through eth0 (a published port)
# gets its replies; with the tunnel link down, and then removed, connection
# attempts to upstream fail for TCP over IPv4 and IPv6 and for UDP 53 over
# IPv4 and IPv6, the namespace's killswitch_dropped counter goes up, and
# upstream counts 0 new packets; loopback inside keeps working; down
# leaves the host as it was.
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
		# shellcheck disable=SC2086 # proto carries the family option
		nsenter --net="/run/netns/$ns" ss -Hln $proto "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
# probe NAME: packets upstream's counter NAME has seen.
probe() { nsenter --net="/run/netns/$UP" nft list counter inet probe "$1" | awk '/packets/ { print $2 }'; }
probes() { echo "$(probe tcp4) $(probe tcp6) $(probe udp4) $(probe udp6)"; }
dropped() { inns k nft list counter inet netnsctl killswitch_dropped | awk '/packets/ { print $2 }'; }
# Clients inside. A refused packet fails at once (EPERM); the timeouts only
# matter for the first packets over a new IPv6 link, which are sometimes
# lost (TCP sends a SYN again after 1 s; UDP gets three tries).
tcp4() { nsenter --net="/run/netns/$K" socat -T2 - "TCP4:203.0.113.2:7000,connect-timeout=4${1:-}" </dev/null 2>/dev/null; }
tcp6() { nsenter --net="/run/netns/$K" socat -T2 - "TCP6:[2001:db8:63::2]:7000,connect-timeout=4" </dev/null 2>/dev/null; }
udp_ask() {
	local out
	for _ in 1 2 3; do
		out=$(echo q | nsenter --net="/run/netns/$K" socat -t1 -T1 - "$1" 2>/dev/null) && [ -n "$out" ] && break
	done
	echo "$out"
	[ -n "$out" ]
}
udp4() { udp_ask UDP4:203.0.113.2:53; }
udp6() { udp_ask 'UDP6:[2001:db8:63::2]:53'; }

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
UP=${P}up K=${P}k
ip netns add "$UP"
ip -n "$UP" link set lo up
ip -n "$HOST" link add wan0 type veth peer name eth0 netns "$UP"
ip -n "$HOST" addr add 203.0.113.1/24 dev wan0
ip -n "$HOST" addr add 2001:db8:63::1/64 dev wan0 nodad
ip -n "$UP" addr add 203.0.113.2/24 dev eth0
ip -n "$UP" addr add 2001:db8:63::2/64 dev eth0 nodad
ip -n "$HOST" link set wan0 up
ip -n "$UP" link set eth0 up
ip -n "$HOST" route add default via 203.0.113.2
ip -n "$HOST" -6 route add default via 2001:db8:63::2
# The oracle: upstream counts every TCP/7000 and UDP/53 packet that arrives.
nsenter --net="/run/netns/$UP" nft -f - <<'NFT'
table inet probe {
	counter tcp4 { }
	counter tcp6 { }
	counter udp4 { }
	counter udp6 { }
	chain in {
		type filter hook prerouting priority -300; policy accept;
		meta nfproto ipv4 tcp dport 7000 counter name tcp4
		meta nfproto ipv6 tcp dport 7000 counter name tcp6
		meta nfproto ipv4 udp dport 53 counter name udp4
		meta nfproto ipv6 udp dport 53 counter name udp6
	}
}
NFT
check "upstream tcp/7000 (IPv4) listens" listen "$UP" "-t -4" 7000 socat TCP4-LISTEN:7000,reuseaddr,fork 'SYSTEM:echo up7000'
check "upstream tcp/7000 (IPv6) listens" listen "$UP" "-t -6" 7000 socat TCP6-LISTEN:7000,ipv6only=1,reuseaddr,fork 'SYSTEM:echo up7000'
check "upstream udp/53 (IPv4) listens" listen "$UP" "-u -4" 53 socat UDP4-RECVFROM:53,fork 'SYSTEM:echo dns53'
check "upstream udp/53 (IPv6) listens" listen "$UP" "-u -6" 53 socat UDP6-RECVFROM:53,ipv6only=1,fork 'SYSTEM:echo dns53'
snap_before=$(snapshot)
rules_before=$(hostx nft list ruleset)

conf k <<'CONF'
[Link]
Kind=veth
Name=eth0
HostName=h63eth
Address=10.63.0.2/24 fd63::2/64
HostAddress=10.63.0.1/24 fd63::1/64
Masquerade=yes

[Link]
Kind=veth
Name=tun0
HostName=h63tun
Address=10.63.1.2/24 fd63:1::2/64
HostAddress=10.63.1.1/24 fd63:1::1/64
Gateway=10.63.1.1 fd63:1::1
Masquerade=yes
Tunnel=yes

[Route]
Destination=0.0.0.0/0
Gateway=10.63.0.1
Metric=500

[Route]
Destination=::/0
Gateway=fd63::1
Metric=2000

[Publish]
HostAddress=127.0.0.1
HostPort=8081
Port=81

[Firewall]
KillSwitch=yes
CONF
check "up with KillSwitch=yes succeeds" nctl up "$K"
check "the IPv6 addresses inside are usable (DAD done)" wait_dad "$K"

# ---- tunnel up: traffic goes through it, the oracle sees it -------------------------------
p0=$(probes)
is "$(tcp4)" "up7000" "tunnel up: TCP over IPv4 reaches upstream through tun0"
is "$(tcp6)" "up7000" "tunnel up: TCP over IPv6 reaches upstream through tun0"
is "$(udp4)" "dns53" "tunnel up: UDP 53 over IPv4 reaches upstream"
is "$(udp6)" "dns53" "tunnel up: UDP 53 over IPv6 reaches upstream"
read -r a b c d <<<"$p0"; read -r a1 b1 c1 d1 <<<"$(probes)"
check "the upstream counters saw all four ($p0 -> $a1 $b1 $c1 $d1)" test "$a1" -gt "$a" -a "$b1" -gt "$b" -a "$c1" -gt "$c" -a "$d1" -gt "$d"
k0=$(dropped)
check_fails "tunnel up: a socket bound to eth0 is still refused" tcp4 ",so-bindtodevice=eth0"
check "and that is counted in killswitch_dropped" test "$(dropped)" -gt "$k0"

# ---- a published port still answers: replies to inbound connections may leave ------------------
check "a service on tcp/81 inside listens" listen "$K" "-t -4" 81 socat TCP4-LISTEN:81,reuseaddr,fork 'SYSTEM:echo port81'
is "$(nsenter --net="/run/netns/$HOST" socat -T3 - TCP4:127.0.0.1:8081 </dev/null 2>/dev/null)" "port81" \
	"the host reaches the published port through eth0: the replies are let out"
k1=$(dropped)
check_fails "but a new connection out through eth0 is still refused" tcp4 ",so-bindtodevice=eth0"
check "and counted" test "$(dropped)" -gt "$k1"

# ---- tunnel down: nothing leaves ---------------------------------------------------------------
ip -n "$K" link set tun0 down
like "$(ip -n "$K" route get 203.0.113.2)" "dev eth0" "tunnel down: the route to upstream now goes through eth0 (the leak path)"
p1=$(probes) k1=$(dropped)
check_fails "tunnel down: TCP over IPv4 to upstream fails" tcp4
check_fails "tunnel down: TCP over IPv6 to upstream fails" tcp6
check_fails "tunnel down: UDP 53 over IPv4 gets no answer" udp4
check_fails "tunnel down: UDP 53 over IPv6 gets no answer" udp6
is "$(probes)" "$p1" "tunnel down: upstream counted 0 new packets (tcp4 tcp6 udp4 udp6)"
k2=$(dropped)
check "tunnel down: killswitch_dropped went up ($k1 -> $k2)" test "$k2" -gt "$k1"
check "a server on lo inside listens" listen "$K" -t 7100 socat TCP4-LISTEN:7100,reuseaddr,fork 'SYSTEM:echo lo7100'
is "$(nsenter --net="/run/netns/$K" socat -T2 - TCP4:127.0.0.1:7100 </dev/null 2>/dev/null)" "lo7100" "loopback inside still works"

is "$(nctl status --json "$K" | python3 -c '
import json, sys
c = {x["name"]: x["packets"] for x in json.load(sys.stdin)["firewall"]["inside"]["counters"]}
print(c["killswitch_dropped"])')" "$k2" "status --json shows killswitch_dropped"

# ---- tunnel removed: nothing leaves either -----------------------------------------------------
ip -n "$K" link del tun0
p2=$(probes) k3=$(dropped)
check_fails "tunnel removed: TCP over IPv4 to upstream fails" tcp4
check_fails "tunnel removed: TCP over IPv6 to upstream fails" tcp6
check_fails "tunnel removed: UDP 53 over IPv4 gets no answer" udp4
check_fails "tunnel removed: UDP 53 over IPv6 gets no answer" udp6
is "$(probes)" "$p2" "tunnel removed: upstream counted 0 new packets"
check "tunnel removed: killswitch_dropped went up" test "$(dropped)" -gt "$k3"

check "down succeeds" nctl down "$K"
is "$(hostx nft list ruleset)" "$rules_before" "the host's ruleset is as before"
is "$(snapshot)" "$snap_before" "the host's links, addresses and routes are as before"
done_testing
