#!/usr/bin/env bash
# Kind=veth with host-side addressing (issue 3).
#
#   $HOST (throwaway "host")                       $P"v"
#   +----------------------------------+          +------------------------+
#   | ve-$P"v" (default name)          |==========| eth0 10.31.0.2/24      |
#   |   10.31.0.1/24, mtu 1400         |   veth   |   mtu 1400             |
#   | lo 10.31.99.1/32 (off-link)      |          | default via 10.31.0.1  |
#   |                                  |          +------------------------+
#   | vh31 (HostName=)                 |==========| $P"w": eth0 10.31.1.2  |
#   +----------------------------------+          +------------------------+
#
# Proves: the host pings the namespace and the namespace pings the host;
# Gateway= installs a default route via the host end, and it carries traffic
# to an address that only the default route reaches; MTU= is applied to both
# ends; the host end gets the default name ve-NAME (or its hashed short form
# when that exceeds 15 bytes) and the netnsctl alias; HostName= is honoured;
# down removes the host end and leaves the host as it was.
source "$(dirname "$0")/lib.sh"

has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
# pings NETNS ADDR: one echo answered, within 2 s per attempt. Up to three
# attempts, so that the first ARP exchange cannot make it flaky.
pings() {
	local _
	echo "# + [$1] ping $2" >&2
	for _ in 1 2 3; do
		nsenter --net="/run/netns/$1" ping -n -c1 -W2 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
mtu_of() { ip -n "$1" -o link show "$2" | sed -E 's/.* mtu ([0-9]+) .*/\1/'; }

# snap: the harness snapshot without what the kernel changes on its own
# (bridge timers, the tentative flag of link-local addresses during DAD).
snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }

setup_world
# No DAD in the test's host: link-local addresses (and their local routes)
# appear at once instead of a second later, in the middle of a comparison.
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
V=${P}v W=${P}w
# An address only the default route reaches (on lo: this kernel has no dummy).
ip -n "$HOST" addr add 10.31.99.1/32 dev lo
before=$(snap)

# The default host name: ve-NAME, or ve-<6 chars>-<5 hex> if that is too long.
want_host="ve-$V"
if [ ${#want_host} -le 15 ]; then want_re="^${want_host}\$"; else want_re="^ve-${V:0:6}-[0-9a-f]{5}\$"; fi

conf v <<'CONF'
[Namespace]

[Link]
Kind=veth
Address=10.31.0.2/24
HostAddress=10.31.0.1/24
Gateway=10.31.0.1
MTU=1400
CONF
check "up succeeds" nctl up "$V"

host_end=$(ip -n "$HOST" -o link show | awk -F': ' -v a="alias netnsctl:$V" 'index($0, a) {sub(/@.*/, "", $2); print $2}')
like "$host_end" "$want_re" "the host end has the default name ve-NAME (got '$host_end')"
check "the host end exists under that name" has_link "$HOST" "$host_end"
check "the link inside defaults to eth0" has_link "$V" eth0
like "$(ip -n "$HOST" -o -4 addr show dev "$host_end" 2>/dev/null)" "inet 10.31.0.1/24 " "HostAddress= is on the host end"
like "$(ip -n "$V" -o -4 addr show dev eth0)" "inet 10.31.0.2/24 " "Address= is on eth0 inside"
check "the host pings the namespace" pings "$HOST" 10.31.0.2
check "the namespace pings the host end" pings "$V" 10.31.0.1
like "$(ip -n "$V" route show default)" "^default via 10\.31\.0\.1 dev eth0" "Gateway= gives a default route via the host end"
check "the default route carries traffic to an off-link host address" pings "$V" 10.31.99.1
is "$(mtu_of "$V" eth0)" 1400 "MTU=1400 on the end inside"
is "$(mtu_of "$HOST" "$host_end")" 1400 "MTU=1400 on the host end"
like "$(ip -n "$V" -o link show eth0)" "link/ether .* link-netns $HOST" "the peer of eth0 lives in the host namespace"

# ---- HostName= -----------------------------------------------------------
conf w <<'CONF'
[Namespace]

[Link]
Kind=veth
HostName=vh31
Address=10.31.1.2/24
HostAddress=10.31.1.1/24
CONF
check "up with HostName= succeeds" nctl up "$W"
check "the host end is named vh31" has_link "$HOST" vh31
like "$(ip -n "$HOST" -o link show vh31)" "alias netnsctl:$W" "vh31 carries the netnsctl:NS alias"
check "the host pings through vh31" pings "$HOST" 10.31.1.2
check_fails "without Gateway= there is no default route inside" \
	bash -c "ip -n '$W' route show default | grep -q ."

# ---- long names: the default host name is shortened, stays unique ----------
for n in long-name-one long-name-two; do
	conf "$n" <<'CONF'
[Link]
Kind=veth
CONF
done
check "up of two long-named namespaces succeeds" nctl up "${P}long-name-one" "${P}long-name-two"
h1=$(ip -n "$HOST" -o link show | awk -F': ' -v a="alias netnsctl:${P}long-name-one" 'index($0, a) {sub(/@.*/, "", $2); print $2}')
h2=$(ip -n "$HOST" -o link show | awk -F': ' -v a="alias netnsctl:${P}long-name-two" 'index($0, a) {sub(/@.*/, "", $2); print $2}')
like "$h1" "^ve-${P:0:6}-[0-9a-f]{5}\$" "a too long ve-NAME is shortened to ve-<6 chars>-<hash> (got '$h1')"
check "the shortened names of two namespaces differ ('$h1' vs '$h2')" test -n "$h2" -a "$h1" != "$h2"
check "down of the long-named namespaces succeeds" nctl down "${P}long-name-one" "${P}long-name-two"

# ---- down ------------------------------------------------------------------
check "down of both succeeds" nctl down "$V" "$W"
check_fails "the default-named host end is gone" has_link "$HOST" "$host_end"
check_fails "vh31 is gone" has_link "$HOST" vh31
is "$(snap)" "$before" "the host is exactly as before up"
done_testing
