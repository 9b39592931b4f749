#!/usr/bin/env bash
# IPv6 addresses, [Route] entries for both families, IPv6=no and Sysctl=
# (issue 3).
#
#   $HOST (throwaway "host")                         $P"r"
#   +-------------------------------------+         +------------------------------------+
#   | h33  10.33.0.1/24  fd33::1/64       |=========| eth0  10.33.0.2/24  fd33::2/64      |
#   |      (+ 10.35.0.1/32, fd35::1/128)  |  veth   | routes:                            |
#   | lo   10.34.0.1  fd34::1  (via gw)   |         |  10.34.0.0/24 via 10.33.0.1 met 20 |
#   |      fd36::1 (only $P"g6" reaches)  |         |  fd34::/64    via fd33::1   met 50 |
#   |      10.37.0.1          (no route)  |         |  10.35.0.0/24 dev eth0             |
#   +-------------------------------------+         |  fd35::/64    dev eth0             |
#                                                   | Sysctl=net.ipv4.ip_forward=1       |
#                                                   +------------------------------------+
#   $P"g6":  eth0 fd38::2/64 == h33g fd38::1/64, Gateway=fd38::1 (reaches fd36::1)
#   $P"off": IPv6=no, one veth link.
#
# Proves: v6 addresses work both ways (ping -6); each [Route] (Destination
# with Gateway= or Link=, Metric=, v4 and v6) is installed as written and
# carries traffic to an address only it reaches, while an address no route
# covers stays unreachable; an IPv6 Gateway= gives a v6 default route;
# IPv6=no sets disable_ipv6 inside (all, default and the link) and leaves no
# v6 address; Sysctl= is applied inside only, the host's value unchanged.
source "$(dirname "$0")/lib.sh"

# pings NETNS ADDR: one echo answered (up to three attempts of 2 s each, so
# that the first neighbour resolution cannot make it flaky).
pings() {
	local _
	echo "# + [$1] ping $2" >&2
	for _ in 1 2 3; do
		nsenter --net="/run/netns/$1" ping -n -c1 -W2 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }
sysctl_in() { nsenter --net="/run/netns/$1" sysctl -n "$2"; }

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
R=${P}r OFF=${P}off G6=${P}g6
# Host-side addresses that only one route inside reaches each.
ip -n "$HOST" addr add 10.34.0.1/32 dev lo
ip -n "$HOST" addr add fd34::1/128 dev lo
ip -n "$HOST" addr add fd36::1/128 dev lo
ip -n "$HOST" addr add 10.37.0.1/32 dev lo
host_fwd=$(sysctl_in "$HOST" net.ipv4.ip_forward)
init_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
before=$(snap)

conf r <<'CONF'
[Namespace]
Sysctl=net.ipv4.ip_forward=1

[Link]
Kind=veth
HostName=h33
Address=10.33.0.2/24
Address=fd33::2/64
HostAddress=10.33.0.1/24 fd33::1/64

[Route]
Destination=10.34.0.0/24
Gateway=10.33.0.1
Metric=20

[Route]
Destination=fd34::/64
Gateway=fd33::1
Metric=50

[Route]
Destination=10.35.0.0/24
Link=eth0

[Route]
Destination=fd35::/64
Link=eth0
CONF
check "up succeeds" nctl up "$R"
# On-link targets for the Link= routes: on the host end itself, since
# Linux answers neighbour solicitations only for the receiving interface.
ip -n "$HOST" addr add 10.35.0.1/32 dev h33
ip -n "$HOST" addr add fd35::1/128 dev h33 nodad

# ---- addresses -------------------------------------------------------------
like "$(ip -n "$R" -o -6 addr show dev eth0 scope global)" "inet6 fd33::2/64 " "the v6 address is on eth0 inside"
like "$(ip -n "$R" -o -4 addr show dev eth0)" "inet 10.33.0.2/24 " "the v4 address is on eth0 inside"
like "$(ip -n "$HOST" -o -6 addr show dev h33 scope global)" "inet6 fd33::1/64 " "the v6 HostAddress= is on the host end"
check "the host pings the namespace over v6" pings "$HOST" fd33::2
check "the namespace pings the host end over v6" pings "$R" fd33::1
is "$(sysctl_in "$R" net.ipv6.conf.eth0.disable_ipv6)" 0 "IPv6 is enabled on eth0 by default"

# ---- routes as written -------------------------------------------------------
like "$(ip -n "$R" -4 route show 10.34.0.0/24)" "^10\.34\.0\.0/24 via 10\.33\.0\.1 dev eth0 .*metric 20" \
	"v4 [Route] with Gateway= and Metric=20 installed"
like "$(ip -n "$R" -6 route show fd34::/64)" "^fd34::/64 via fd33::1 dev eth0 .*metric 50 " \
	"v6 [Route] with Gateway= and Metric=50 installed"
like "$(ip -n "$R" -4 route show 10.35.0.0/24)" "^10\.35\.0\.0/24 dev eth0 .*scope link" "v4 [Route] with Link= installed as an on-link route"
like "$(ip -n "$R" -6 route show fd35::/64)" "^fd35::/64 dev eth0 " "v6 [Route] with Link= installed"
is "$(ip -n "$R" route show default; ip -n "$R" -6 route show default)" "" "no default route of either family (no Gateway=)"

# ---- routes carry traffic ----------------------------------------------------
check "10.34.0.1 is reached via the v4 gateway route" pings "$R" 10.34.0.1
check "fd34::1 is reached via the v6 gateway route" pings "$R" fd34::1
check "10.35.0.1 is reached via the v4 Link= route" pings "$R" 10.35.0.1
check "fd35::1 is reached via the v6 Link= route" pings "$R" fd35::1
check_fails "10.37.0.1, which no route covers, is unreachable" pings "$R" 10.37.0.1
check_fails "fd36::1, which no route covers, is unreachable" pings "$R" fd36::1

# ---- an IPv6 Gateway= ----------------------------------------------------------
conf g6 <<'CONF'
[Link]
Kind=veth
HostName=h33g
Address=fd38::2/64
HostAddress=fd38::1/64
Gateway=fd38::1
CONF
check "up of a v6-only namespace with Gateway= succeeds" nctl up "$G6"
like "$(ip -n "$G6" -6 route show default)" "^default via fd38::1 dev eth0 " "IPv6 Gateway= gives a v6 default route via the host end"
check "fd36::1 is reached via the v6 default route" pings "$G6" fd36::1

# ---- Sysctl= ---------------------------------------------------------------------
is "$(sysctl_in "$R" net.ipv4.ip_forward)" 1 "Sysctl=net.ipv4.ip_forward=1 applied inside"
is "$(sysctl_in "$HOST" net.ipv4.ip_forward)" "$host_fwd" "the test host's ip_forward is unchanged ($host_fwd)"
is "$(cat /proc/sys/net/ipv4/ip_forward)" "$init_fwd" "the machine's own ip_forward is unchanged ($init_fwd)"

# ---- IPv6=no ---------------------------------------------------------------------
conf off <<'CONF'
[Namespace]
IPv6=no

[Link]
Kind=veth
Address=10.33.1.2/24
HostAddress=10.33.1.1/24
CONF
check "up with IPv6=no succeeds" nctl up "$OFF"
is "$(sysctl_in "$OFF" net.ipv6.conf.all.disable_ipv6)" 1 "IPv6=no: net.ipv6.conf.all.disable_ipv6=1 inside"
is "$(sysctl_in "$OFF" net.ipv6.conf.default.disable_ipv6)" 1 "IPv6=no: net.ipv6.conf.default.disable_ipv6=1 inside"
is "$(sysctl_in "$OFF" net.ipv6.conf.eth0.disable_ipv6)" 1 "IPv6=no: disable_ipv6=1 on the link created inside"
is "$(ip -n "$OFF" -6 -o addr show)" "" "IPv6=no: no IPv6 address at all inside (not even link-local)"
check "IPv6=no: v4 still works" pings "$OFF" 10.33.1.1
is "$(sysctl_in "$HOST" net.ipv6.conf.all.disable_ipv6)" 0 "IPv6=no did not touch the host"

check "down of all three succeeds" nctl down "$R" "$OFF" "$G6"
is "$(snap)" "$before" "the host is exactly as before up"
done_testing
