#!/usr/bin/env bash
# t90: guarantee 1 of issue 9, atomic up. A failure at any kernel operation
# of `up` leaves the host exactly as before; a failure while reconciling a
# live namespace leaves that namespace (and the host) exactly as before.
#
#   $HOST (throwaway "host")                            $P"a"
#   +----------------------------------------+         +--------------------------------+
#   | nic0 (fake physical NIC) --- moved ---------->    | lan0 10.90.0.2/24 fd90::2/64   |
#   |   nic0-lan (its LAN end)               |         |      mtu 1400, MAC set         |
#   | h90 10.90.1.1/24 fd90:1::1/64 == veth ======>     | eth1 10.90.1.2/24 fd90:1::2/64 |
#   | mvpar (parent) ---- macvlan bridge -------->      | mv0  10.90.2.2/24 fd90:2::2/64 |
#   +----------------------------------------+         | default via 10.90.1.1, fd90:1::1|
#     /etc/netns/$P"a"/{resolv,nsswitch}.conf           | 10.91.0.0/24 via 10.90.0.1     |
#     /run/netns/$P"a", /run/netnsctl/$P"a".state       | fd91::/64 via fd90::1          |
#                                                       | ip_forward=1, v6 forwarding=1  |
#                                                       +--------------------------------+
#
# The fault build ($NETNSCTL_FAULT) counts every state-changing kernel
# operation (netlink request, mount, unshare, sysctl write, file and state
# write); NETNSCTL_FAULT_REPORT=1 prints "netnsctl-fault: N operations",
# NETNSCTL_FAULT_AT=k fails operation k with EIO.
#
# Proves:
#  A. Fresh up, for every k: up fails, names the injected fault, and the
#     full host snapshot (ip -d link, ip addr, ip route, ip -6 route, nft
#     ruleset, the relevant sysctls, /run/netns, /run/netnsctl, /etc/netns
#     with file contents) equals the one taken before: zero differences.
#  B. Reconcile with changes only (addresses, MTU, MAC, host addresses,
#     routes, DNS content, sysctls, one more veth), for every k: either up
#     fails naming the fault and the namespace (links with their ifindex,
#     addresses, routes, sysctls, /etc/netns files, state record) and the
#     host are exactly as before, or the fault was absorbed and the result
#     equals a clean reconcile.
#  C. The same for a reconcile that removes a macvlan [Link] and [DNS].
source "$(dirname "$0")/lib.sh"

NS_SHORT=a
NS=$P$NS_SHORT

# ---- snapshots ---------------------------------------------------------------
# hsnap: the host side, everything guarantee 1 lists. /etc/netns, /run/netns
# and /run/netnsctl are global: only our prefix is looked at.
hsnap() {
	snapshot | sed -E 's/ tentative( |$)/\1/'
	echo "== nft"; hostx nft list ruleset 2>&1
	echo "== sysctl"
	hostx sysctl -a --pattern '^net\.(ipv4\.ip_forward|ipv4\.conf\.|ipv6\.conf\.)' 2>/dev/null |
		grep -v stable_secret
	echo "== files"
	find /etc/netns /run/netnsctl /run/netns -maxdepth 2 -path "*/$P*" ! -name "$HOST" 2>/dev/null | sort |
		while read -r f; do
			if [ -f "$f" ] && [ "${f#/run/netns/}" = "$f" ]; then echo "-- $f"; cat "$f"; else echo "-- $f"; fi
		done
} 2>/dev/null
# nsdump STRICT: the namespace as a service inside would see it. IPv6
# link-local addresses and their local/anycast routes are left out: the
# kernel makes them on its own, a second after a link comes up (DAD). With
# STRICT=1 ifindexes stay in (a failed attempt must not recreate a link);
# with 0 they and the random MACs of created links are dropped, to compare
# with a clean run in a namespace created anew.
nsdump() {
	local strip='s/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/,?(NO-CARRIER|LOWER_UP|M-DOWN)//g; s/state [A-Z]+ //; s/ tentative( |$)/\1/'
	[ "$1" = 1 ] || strip="$strip; $LOOSE"
	{
		echo "== links"; ip -n "$NS" -d -o link show
		echo "== addrs"; ip -n "$NS" -o addr show | sed -E 's/valid_lft.*//'
		echo "== routes"; ip -n "$NS" route show table all
		echo "== routes6"; ip -n "$NS" -6 route show table all | sed -E 's/ linkdown//'
	} | grep -vE 'fe80::[0-9a-f]*:|anycast fe80::' | sed -E "$strip" | sort
	echo "== sysctl"
	nsenter --net="/run/netns/$NS" sysctl -a --pattern '^net\.(ipv4\.ip_forward|ipv4\.conf\.|ipv6\.conf\.)' 2>/dev/null |
		grep -v stable_secret
	echo "== etc"
	for f in /etc/netns/"$NS"/*; do [ -e "$f" ] && { echo "-- $f"; cat "$f"; }; done
	echo "== state"; cat "/run/netnsctl/$NS.state" 2>&1
} 2>/dev/null
# What differs between two correct runs in freshly created namespaces:
# ifindexes, kernel-chosen MACs (ours are 02:00:00:00:90:xx) and the
# link-local addresses derived from them.
LOOSE='s/^[0-9]+: //; s/@if[0-9]+//; s/link-netnsid [0-9]+//; s#link/ether (02:00:00:00:90:)#MAC\1#; s#link/ether [0-9a-f:]+#link/ether random#; s#MAC02#link/ether 02#'
hsnap_loose() { hsnap | grep -vE 'fe80::[0-9a-f]*:|anycast fe80::' | sed -E "$LOOSE" | sort; }
# same REF CMD...: CMD's output once it equals REF (at most $WAIT tenths of
# a second): the kernel destroys a deleted namespace's devices
# asynchronously, and a link whose MAC was restored redoes its IPv6 DAD.
WAIT=50
same() {
	local ref=$1 now; shift
	for _ in $(seq "$WAIT"); do
		now=$("$@")
		[ "$now" = "$ref" ] && break
		sleep 0.1
	done
	echo "$now"
}
restore_base() {
	nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
	base_conf
	nctl up "$NS" >/dev/null 2>&1 || true
}

[ -x "$NETNSCTL_FAULT" ] || { setup_world; not_ok "fault build missing at $NETNSCTL_FAULT (make fault)"; done_testing; exit 1; }
setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
ip -n "$HOST" link add mvpar address 02:00:00:00:90:01 type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
NIC=$(nic_line)

base_conf() {
	conf "$NS_SHORT" <<'CONF'
[Namespace]
Sysctl=net.ipv4.ip_forward=1
Sysctl=net.ipv6.conf.all.forwarding=1

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.90.0.2/24 fd90::2/64
MTU=1400
MACAddress=02:00:00:00:90:80

[Link]
Kind=veth
Name=eth1
HostName=h90
Address=10.90.1.2/24 fd90:1::2/64
HostAddress=10.90.1.1/24 fd90:1::1/64
Gateway=10.90.1.1 fd90:1::1

[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.90.2.2/24 fd90:2::2/64

[Route]
Destination=10.91.0.0/24
Gateway=10.90.0.1

[Route]
Destination=fd91::/64
Gateway=fd90::1

[DNS]
Nameserver=10.90.1.1 fd90:1::1
Search=t90.test
CONF
}
# B: every kind of in-place change, plus one more veth.
changed_conf() {
	conf "$NS_SHORT" <<'CONF'
[Namespace]
Sysctl=net.ipv4.ip_forward=0
Sysctl=net.ipv6.conf.all.forwarding=1
Sysctl=net.ipv4.conf.all.rp_filter=2

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.90.0.2/24 10.90.0.3/24 fd90::2/64
MTU=1300
MACAddress=02:00:00:00:90:81

[Link]
Kind=veth
Name=eth1
HostName=h90
Address=10.90.1.2/24 fd90:1::2/64 10.90.11.2/24
HostAddress=10.90.1.1/24 10.90.11.1/24
Gateway=10.90.1.1 fd90:1::1

[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.90.2.2/24
MACAddress=02:00:00:00:90:82
MTU=1280

[Link]
Kind=veth
Name=eth3
HostName=h90b
Address=10.90.3.2/24
HostAddress=10.90.3.1/24

[Route]
Destination=10.92.0.0/24
Gateway=10.90.1.1
Metric=50

[Route]
Destination=fd91::/64
Gateway=fd90::1
Metric=20

[DNS]
Nameserver=10.90.3.1
Search=other.test
CONF
}
# C: drop the macvlan, [DNS] and a sysctl; keep the rest.
removing_conf() {
	conf "$NS_SHORT" <<'CONF'
[Namespace]
Sysctl=net.ipv4.ip_forward=1

[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.90.0.2/24 fd90::2/64
MTU=1400
MACAddress=02:00:00:00:90:80

[Link]
Kind=veth
Name=eth1
HostName=h90
Address=10.90.1.2/24 fd90:1::2/64
HostAddress=10.90.1.1/24 fd90:1::1/64
Gateway=10.90.1.1 fd90:1::1

[Route]
Destination=10.91.0.0/24
Gateway=10.90.0.1
CONF
}

# D: lan0 moves from 10.90.0.2 to 10.90.0.3; the kernel drops the route
# via 10.90.0.1 when the old address goes, so a rollback that only puts the
# address back leaves the route missing.
renumber_conf() { base_conf; sed -i 's#^Address=10.90.0.2/24 fd90::2/64#Address=10.90.0.3/24 fd90::2/64#' "$CFG/$NS.conf"; }

base_conf
baseline=$(hsnap)
like "$baseline" "nic0@nic0-lan" "the baseline snapshot sees the fake NIC"

# ---- A: a fault at every operation of a fresh up ---------------------------------
NETNSCTL_FAULT_REPORT=1 nctl_fault up "$NS" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
is "$rc" 0 "A: up with the fault build and no fault succeeds"
K=$(fault_ops "$CFG/report")
like "${K:-none}" "^[0-9]+$" "A: the fault build reports its operation count (${K:-none})"
check "A: a 3-link up with DNS and sysctls takes at least 20 operations" test "${K:-0}" -ge 20
check "A: the clean run moved nic0 in" ip -n "$NS" link show lan0
check "A: the clean run wrote resolv.conf" grep -q '^nameserver 10.90.1.1$' "/etc/netns/$NS/resolv.conf"
is "$(nsenter --net="/run/netns/$NS" sysctl -n net.ipv4.ip_forward)" 1 "A: the clean run set ip_forward inside"
check "A: down of the clean run succeeds" nctl down "$NS"
now=$(same "$baseline" hsnap)
is "$now" "$baseline" "A: the host is back to the baseline after the clean run"
[ "$now" = "$baseline" ] || show_diff "$baseline" "$now"

a_bad=0
for k in $(seq 1 "${K:-0}"); do
	NETNSCTL_FAULT_AT=$k nctl_fault up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	err=$(head -n3 "$CFG/err")
	now=$(same "$baseline" hsnap)
	why=""
	[ "$rc" -ne 0 ] || why="$why up succeeded;"
	[[ "$err" == *"injected fault at operation $k "* ]] || why="$why fault not reported;"
	[ "$now" = "$baseline" ] || why="$why host differs;"
	[ "$(nic_line)" = "$NIC" ] || why="$why nic0 not back as it was;"
	if [ -z "$why" ]; then
		ok "A: fault at op $k/$K ($(sed -nE 's/.*injected fault at operation [0-9]+ \(([a-z]+)\).*/\1/p' "$CFG/err" | head -n1)): up fails, zero differences"
	else
		a_bad=$((a_bad + 1))
		not_ok "A: fault at op $k/$K:$why"
		echo "#   $err"
		show_diff "$baseline" "$now"
		nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
	fi
done
echo "# A: $K fault points, $a_bad with residue"

# ---- B and C: a fault at every operation of a reconcile ------------------------------
# reconcile_case TAG DESC CONF_FN: count the operations of a clean
# reconcile from the base config to CONF_FN's, then fail each in turn.
reconcile_case() {
	local tag=$1 desc=$2 conf_fn=$3 k kr why err ns_before host_before ns_after host_after nsn hn bad=0 absorbed=0
	restore_base
	check "$tag: base config is up" test -e "/run/netnsctl/$NS.state"
	"$conf_fn"
	NETNSCTL_FAULT_REPORT=1 nctl_fault up "$NS" >"$CFG/out" 2>"$CFG/report" && rc=0 || rc=$?
	is "$rc" 0 "$tag: a clean reconcile ($desc) succeeds"
	like "$(cat "$CFG/out")" "$NS: updated" "$tag: and reports 'updated'"
	kr=$(fault_ops "$CFG/report")
	like "${kr:-none}" "^[0-9]+$" "$tag: the fault build counts the reconcile's operations (${kr:-none})"
	ns_after=$(nsdump 0) host_after=$(hsnap_loose)
	restore_base
	for k in $(seq 1 "${kr:-0}"); do
		ns_before=$(nsdump 1) host_before=$(hsnap)
		"$conf_fn"
		NETNSCTL_FAULT_AT=$k nctl_fault up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
		err=$(head -n3 "$CFG/err")
		base_conf
		why=""
		if [ "$rc" -eq 0 ]; then
			# Absorbed: then the result must be the full new config.
			absorbed=$((absorbed + 1))
			nsn=$(same "$ns_after" nsdump 0)
			hn=$(hsnap_loose)
			[ "$nsn" = "$ns_after" ] || why="$why fault absorbed but the namespace differs from a clean reconcile;"
			[ "$hn" = "$host_after" ] || why="$why fault absorbed but the host differs from a clean reconcile;"
			[ -n "$why" ] || ok "$tag: fault at op $k/$kr absorbed, result equals a clean reconcile"
			ns_before=$ns_after host_before=$host_after
		else
			[[ "$err" == *"injected fault at operation $k "* ]] || why="$why fault not reported;"
			nsn=$(same "$ns_before" nsdump 1)
			hn=$(hsnap)
			[ "$nsn" = "$ns_before" ] || why="$why namespace differs from before;"
			[ "$hn" = "$host_before" ] || why="$why host differs from before;"
			[ -n "$why" ] || ok "$tag: fault at op $k/$kr ($(sed -nE 's/.*injected fault at operation [0-9]+ \(([a-z]+)\).*/\1/p' "$CFG/err" | head -n1)): up fails, namespace and host exactly as before"
		fi
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			not_ok "$tag: fault at op $k/$kr:$why"
			echo "#   $err"
			show_diff "$ns_before" "$nsn"
			show_diff "$host_before" "$hn"
		fi
		# Start the next k from the base config, however this one ended.
		if [ "$rc" -eq 0 ] || [ -n "$why" ]; then restore_base; fi
	done
	echo "# $tag: $kr fault points, $absorbed absorbed, $bad with differences"
}
WAIT=10
reconcile_case B "addresses, MTU, MAC, host addresses, routes, DNS, sysctls, one more veth" changed_conf
reconcile_case C "remove the macvlan, [DNS] and a sysctl" removing_conf
reconcile_case D "renumber lan0, which a [Route]'s gateway is on" renumber_conf

# ---- the end: down returns the host to the very first snapshot -----------------------
check "down at the end succeeds" nctl down "$NS"
now=$(same "$baseline" hsnap)
is "$now" "$baseline" "after everything the host equals the first snapshot"
[ "$now" = "$baseline" ] || show_diff "$baseline" "$now"
is "$(nic_line)" "$NIC" "nic0 is home with its original name, MTU and MAC"
done_testing
