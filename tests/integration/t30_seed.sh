#!/usr/bin/env bash
# The seed tutorial's properties (issue 3, P1-P4), with a veth end playing
# the physical NIC that Kind=physical moves into the service's namespace.
#
#   $P"lan" (LAN peer)             $HOST (throwaway "host")         $P"web"
#   +------------------+          +--------------------------+     +--------------------+
#   | nic0-lan         |==========| nic0  --- up moves it --->|====>| lan0 (was nic0)    |
#   | 192.168.0.1/24   |  veth    |  (gone while web is up)  |     | 192.168.0.80/24    |
#   +------------------+          | lo: socat :8080 "Foo"    |     | socat :8080 "OK"   |
#                                 | nic1 (default route) ... |     +--------------------+
#                                 +--------------------------+
#
# Proves:
#   P1  after up, nic0 is gone from the host; after down it is back under its
#       original name, down, with its original MTU and MAC (the config sets
#       MTU=1400 and MACAddress= so that restoring them is observable).
#   P2  a TCP server started inside answers on the namespace address, from
#       the LAN peer.
#   P3  meanwhile the host listens on the same port on 0.0.0.0 and gets its
#       own reply over loopback.
#   P4  a raw PREROUTING DROP for the port in the host blocks the host's own
#       listener, not the namespaced service.
#   Also: Name= renames the device inside, the alias marker travels with it,
#   and a device carrying the host's default route is refused (exit 2,
#   nothing applied) unless Force=yes.
source "$(dirname "$0")/lib.sh"

# serve NETNS_PATH ADDR PORT REPLY: a background TCP server that answers
# every connection with REPLY. Started as a direct job of this shell (no
# subshell in between), so the harness trap's `kill $(jobs -p)` reaches it;
# `timeout` bounds its life even if the trap never runs.
serve() {
	local ns=$1 addr=$2 port=$3 reply=$4
	echo "# + [$(basename "$ns")] socat TCP-LISTEN:$port,bind=$addr -> '$reply'" >&2
	timeout 120 nsenter --net="$ns" socat "TCP-LISTEN:$port,bind=$addr,reuseaddr,fork" \
		"SYSTEM:echo $reply" </dev/null >/dev/null 2>&1 &
	wait_listen "$ns" "$port"
}

# wait_listen NETNS_PATH PORT: readiness, not timing: poll until the port
# is in LISTEN state (at most ~5 s).
wait_listen() {
	local _
	for _ in $(seq 50); do
		nsenter --net="$1" ss -Hltn "sport = :$2" | grep -q LISTEN && return 0
		sleep 0.1
	done
	echo "# nothing listens on port $2 in $1" >&2
	return 1
}

# fetch NETNS_PATH ADDR PORT: what a TCP client there gets back.
fetch() {
	echo "# + [$(basename "$1")] socat - TCP:$2:$3" >&2
	timeout 5 nsenter --net="$1" socat -T3 - "TCP:$2:$3,connect-timeout=2" </dev/null 2>/dev/null
}

# flags_of NETNS LINK: the <...> flag list of a link, e.g. BROADCAST,MULTICAST,UP
flags_of() { ip -n "$1" -o link show "$2" | sed -E 's/^[^<]*<([^>]*)>.*/\1/'; }
is_up() { [[ ",$(flags_of "$1" "$2")," == *,UP,* ]]; }
# has_link NETNS LINK: the oracle, without its chatter on the TAP stream.
has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }

# snap: the harness snapshot without what the kernel changes on its own
# (bridge timers, the tentative flag of link-local addresses during DAD).
snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }

setup_world
# No DAD in the test's host: link-local addresses (and their local routes)
# appear at once instead of a second later, in the middle of a comparison.
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
H=/run/netns/$HOST
LAN=${P}lan WEB=${P}web

# ---- the world: nic0 in the host, its peer on a separate "LAN" host ------
fake_nic nic0
ip netns add "$LAN"
ip -n "$HOST" link set nic0-lan netns "$LAN"
ip -n "$LAN" link set lo up
ip -n "$LAN" addr add 192.168.0.1/24 dev nic0-lan
ip -n "$LAN" link set nic0-lan up
orig_mtu=$(ip -n "$HOST" -o link show nic0 | sed -E 's/.* mtu ([0-9]+) .*/\1/')
orig_mac=$(ip -n "$HOST" -o link show nic0 | sed -E 's/.*link\/ether ([0-9a-f:]+) .*/\1/')
is "$orig_mtu" 1500 "nic0 starts with MTU 1500"
before=$(snap)

conf web <<'CONF'
[Namespace]
Description=the tutorial's web server

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=192.168.0.80/24
MTU=1400
MACAddress=02:00:00:00:30:80
CONF

check "up of the physical-NIC namespace succeeds" nctl up "$WEB"

# ---- P1 (first half) and the device inside ---------------------------------
check_fails "P1: nic0 is gone from the host namespace" has_link "$HOST" nic0
check "Name= renamed the device inside to lan0" has_link "$WEB" lan0
check_fails "no device named nic0 inside" has_link "$WEB" nic0
like "$(ip -n "$WEB" -o link show lan0)" "alias netnsctl:${WEB}:nic0" \
	"the alias marker netnsctl:NS:nic0 survives the move and rename"
like "$(ip -n "$WEB" -o link show lan0)" " mtu 1400 " "MTU=1400 applied inside"
like "$(ip -n "$WEB" -o link show lan0)" "link/ether 02:00:00:00:30:80 " "MACAddress= applied inside"
check "lan0 is up inside" is_up "$WEB" lan0
like "$(ip -n "$WEB" -o -4 addr show dev lan0)" "inet 192.168.0.80/24 " "the address is on lan0"
check "state record exists" test -e "/run/netnsctl/$WEB.state"

# ---- P2: the service inside answers the LAN ------------------------------
serve "/run/netns/$WEB" 192.168.0.80 8080 OK
is "$(fetch "/run/netns/$LAN" 192.168.0.80 8080)" OK \
	"P2: the server inside answers on 192.168.0.80:8080 from the LAN peer"

# ---- P3: the host uses the same port for itself ----------------------------
serve "$H" 0.0.0.0 8080 Foo
is "$(fetch "$H" 127.0.0.1 8080)" Foo "P3: the host's own listener on 0.0.0.0:8080 answers over loopback"
is "$(fetch "/run/netns/$LAN" 192.168.0.80 8080)" OK \
	"P3: the namespaced service still answers while the host listens on the same port"

# ---- P4: the host's firewall does not reach into the namespace -------------
if ! command -v iptables >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y iptables >/dev/null 2>&1 || true
fi
check "iptables is available" command -v iptables
hostx iptables -t raw -I PREROUTING -p tcp --dport 8080 -j DROP
like "$(hostx iptables -t raw -S PREROUTING)" "--dport 8080 -j DROP" "the DROP rule is in the host's raw table"
check_fails "P4: the host's own port 8080 is blocked by the rule" fetch "$H" 127.0.0.1 8080
is "$(fetch "/run/netns/$LAN" 192.168.0.80 8080)" OK "P4: the namespaced service is not affected by the host rule"
check_fails "no raw rules leaked into the namespace" \
	bash -c "nsenter --net=/run/netns/$WEB iptables -t raw -S PREROUTING | grep -q DROP"

# Stop the servers before down (a process would keep the namespace alive).
for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true

# ---- P1 (second half): down gives the NIC back -----------------------------
check "down succeeds" nctl down "$WEB"
check "P1: nic0 is back in the host namespace under its original name" has_link "$HOST" nic0
check_fails "P1: no lan0 left in the host" has_link "$HOST" lan0
check_fails "P1: nic0 is left down" is_up "$HOST" nic0
like "$(ip -n "$HOST" -o link show nic0)" " mtu $orig_mtu " "P1: nic0 has its original MTU again"
like "$(ip -n "$HOST" -o link show nic0)" "link/ether $orig_mac " "P1: nic0 has its original MAC again"
check_fails "P1: nic0 carries no netnsctl alias any more" \
	bash -c "ip -n '$HOST' -o link show nic0 | grep -q 'alias netnsctl:'"
check "the namespace is gone" test ! -e "/run/netns/$WEB"
check "the state record is gone" test ! -e "/run/netnsctl/$WEB.state"
hostx iptables -t raw -D PREROUTING -p tcp --dport 8080 -j DROP
is "$(snap)" "$before" "the host is exactly as before up"

# ---- the device carrying the host's default route --------------------------
fake_nic nic1
ip -n "$HOST" addr add 10.30.1.2/24 dev nic1
ip -n "$HOST" link set nic1 up
ip -n "$HOST" route add default via 10.30.1.1 dev nic1
before=$(snap)
conf gw <<'CONF'
[Namespace]

[Link]
Kind=physical
Device=nic1
Address=10.30.1.50/24
CONF
out=$(nctl up "${P}gw" 2>&1) && rc=0 || rc=$?
is "$rc" 2 "moving the default-route device without Force=yes exits 2"
like "$out" "${P}gw\.conf:5: .*default route.*Force=yes" "the message points at Device= (file:line) and names Force=yes"
is "$(snap)" "$before" "nothing was applied (host snapshot unchanged)"
check "nic1 is still in the host" has_link "$HOST" nic1
check "the host still has its default route" bash -c "ip -n '$HOST' route show default | grep -q 'dev nic1'"

echo "Force=yes" >>"$CFG/${P}gw.conf"
check "with Force=yes, up succeeds" nctl up "${P}gw"
check_fails "with Force=yes, nic1 left the host" has_link "$HOST" nic1
check "with Force=yes, nic1 is inside" has_link "${P}gw" nic1
check "down succeeds" nctl down "${P}gw"
check "nic1 is back in the host" has_link "$HOST" nic1
done_testing
