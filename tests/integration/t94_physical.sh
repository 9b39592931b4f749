#!/usr/bin/env bash
# t94: guarantee 7 of issue 9, physical NIC safety. A moved NIC always
# comes back: after down, after a rollback, after a crash of up or of down,
# after the namespace was deleted behind netnsctl's back, and when down
# runs from another namespace. And up refuses to move the NIC that carries
# a host default route unless Force=yes. (t30 covers the basic refusal and
# return, t35/t36/t90 rollbacks at every step.)
#
#   $HOST (throwaway "host")                        $P"n"
#   +---------------------------------------+      +---------------------------+
#   | nic0 (fake physical NIC) -- moved --------->  | lan0 10.94.0.2/24         |
#   |   nic0-lan (its LAN end)              |      |      mtu 1400, MAC set    |
#   | nic1, nic1-lan (second fake NIC)      |      | eth1 10.94.1.2/24 <= h94  |
#   | h94 10.94.1.1/24 ====== veth ==============>  +---------------------------+
#   +---------------------------------------+
#   $P"o": another namespace `down` is run from (E)
#
# A fake NIC is a veth, and the kernel destroys a veth whose namespace
# dies, where it would give a real NIC back to the initial namespace under
# its inside name. So where the kernel's refund matters (D1) the test moves
# lan0 back by hand, exactly as the kernel would, before deleting the
# namespace.
#
# Proves:
#  A. up refuses (exit 2, file:line, nothing moved) a NIC that carries an
#     IPv4 default route, an IPv6 default route, a default route through a
#     nexthop object, one leg of a multipath default route, or a default
#     route in another routing table; Force=yes moves it and down returns it.
#  B. A NIC the host had configured (up, an address, a per-device sysctl)
#     is either refused or comes back from a rollback and from down as it
#     was (guarantee 1: the host exactly as before).
#  C. SIGKILL of up on entry to each of its netlink requests, mounts,
#     renames and mkdirs (strace inject), then `down` alone: nic0 is home,
#     zero residue. SIGKILL of down at each of its steps, then `down`
#     again: the same.
#  D. The namespace deleted behind netnsctl's back (`ip netns del`): D1 with
#     the kernel's refund of the NIC, `down` renames it home; D2 while a
#     process still holds the namespace, `down` must not claim success
#     while nic0 is stuck inside.
#  E. down run from another namespace returns nic0 to the one up ran from.
#  F. A new device took the name nic0 on the host: down fails naming it,
#     keeps the record, and the NIC is not lost (inside, or on the host as
#     lan0 with the marker); once the name is free, down returns it.
source "$(dirname "$0")/lib.sh"

NS=${P}n

hsnap() {
	snapshot | sed -E 's/ tentative( |$)/\1/'
	echo "== files"
	find /etc/netns /run/netnsctl /run/netns -maxdepth 2 -path "*/$P*" ! -name "$HOST" ! -name "${P}o" 2>/dev/null | sort
} 2>/dev/null
err_of() { grep -v '^# + ' "$1" | head -n 3; }
# home DESC: nic0 is back under its name, MTU and MAC, and the host has no
# residue.
home() {
	local now
	now=$(eventually_same "$baseline" hsnap)
	if [ "$now" = "$baseline" ] && [ "$(nic_line)" = "$NIC" ]; then
		ok "$1: nic0 is home (name, MTU, MAC), zero residue"
	else
		not_ok "$1: nic0 not home or residue left"
		echo "#   nic0: $(nic_line)"
		show_diff "$baseline" "$now"
		restore
	fi
}
restore() {
	nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
	# A NIC left on the host under its inside name: put it back by hand.
	if ip -n "$HOST" link show lan0 >/dev/null 2>&1 && ! ip -n "$HOST" link show nic0 >/dev/null 2>&1; then
		ip -n "$HOST" link set lan0 down
		ip -n "$HOST" link set lan0 name nic0 mtu 1500 address "$(sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/' <<<"$NIC")" alias ""
	fi
	if [ -f "/run/netns/$NS" ] && ! mountpoint -q "/run/netns/$NS"; then rm -f "/run/netns/$NS" "/run/netnsctl/$NS.state"; fi
}
# refused DESC: up of $NS is refused because of the default route.
refused() {
	local before
	before=$(hsnap)
	nctl up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	is "$rc" 2 "$1: up exits 2"
	like "$(err_of "$CFG/err")" "$NS\.conf:3: .*refusing to move 'nic0': it carries the host's default route" "$1: the message names Device= and the reason"
	is "$(hsnap)" "$before" "$1: nothing was applied"
	[ "$rc" -eq 0 ] && restore
	return 0
}

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
fake_nic nic1
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1 net.ipv6.conf.nic1-lan.disable_ipv6=1
NIC=$(nic_line)
base_conf() {
	conf n <<CONF
[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.94.0.2/24
MTU=1400
MACAddress=02:00:00:00:94:80
${1:-}

[Link]
Kind=veth
Name=eth1
HostName=h94
Address=10.94.1.2/24
HostAddress=10.94.1.1/24
CONF
}
base_conf
baseline=$(hsnap)

# ---- A: the default-route interface --------------------------------------------------
# nic_up: nic0 and nic1 up with addresses, as a host would have them (a
# wrongly moved nic0 comes back down and bare, so this runs before each case).
nic_up() {
	ip -n "$HOST" link set nic0 up
	ip -n "$HOST" link set nic1 up
	ip -n "$HOST" addr replace 10.94.9.1/24 dev nic0
	ip -n "$HOST" addr replace 10.94.8.1/24 dev nic1
	ip -n "$HOST" -6 addr replace fd94:9::1/64 dev nic0 nodad
}
# The kernel drops a route whose device left, so the deletions may find
# nothing to delete.
nic_up
ip -n "$HOST" route add default via 10.94.9.254 dev nic0
refused "A1 (IPv4 default route via nic0)"
ip -n "$HOST" route del default 2>/dev/null || true
nic_up
ip -n "$HOST" -6 route add default via fd94:9::fe dev nic0
refused "A2 (IPv6 default route via nic0)"
ip -n "$HOST" -6 route del default 2>/dev/null || true
nic_up
ip -n "$HOST" nexthop add id 94 via 10.94.9.254 dev nic0
ip -n "$HOST" route add default nhid 94
refused "A3 (default route through nexthop object 94 on nic0)"
ip -n "$HOST" route del default 2>/dev/null || true
ip -n "$HOST" nexthop del id 94 2>/dev/null || true
nic_up
ip -n "$HOST" route add default nexthop via 10.94.8.254 dev nic1 nexthop via 10.94.9.254 dev nic0
refused "A4 (multipath default route, one leg via nic0)"
ip -n "$HOST" route del default 2>/dev/null || true
nic_up
ip -n "$HOST" route add default via 10.94.9.254 dev nic0 table 94
refused "A5 (default route via nic0 in routing table 94)"
ip -n "$HOST" route del default table 94 2>/dev/null || true
nic_up
ip -n "$HOST" route add default via 10.94.9.254 dev nic0
base_conf "Force=yes"
check "A6: with Force=yes, up moves nic0 despite the default route" nctl up "$NS"
check "A6: nic0 is inside as lan0" ip -n "$NS" link show lan0
check "A6: down succeeds" nctl down "$NS"
like "$(nic_line)" "^nic0@nic0-lan mtu 1500 " "A6: nic0 is back in the host under its name"
base_conf

# ---- B: a NIC the host had configured ---------------------------------------------------
# Back to nic0 up with 10.94.9.1/24 and fd94:9::1/64 (moving it away and back
# dropped them), plus a per-device sysctl.
ip -n "$HOST" route del default 2>/dev/null || true
nic_up
hostx sysctl -qw net.ipv4.conf.nic0.rp_filter=2
nic_conf() { { ip -n "$HOST" -o link show nic0 | grep -o 'state [A-Z]*'; ip -n "$HOST" -o addr show dev nic0 scope global | awk '{print $4}'; hostx sysctl -n net.ipv4.conf.nic0.rp_filter; } 2>/dev/null | tr '\n' ' '; }
nic_before=$(nic_conf)
like "$nic_before" "state UP 10.94.9.1/24 fd94:9::1/64 2 " "B: nic0 is configured on the host: up, addresses, rp_filter=2"
# B1: a rollback (a [Route] the kernel refuses, after nic0 was moved).
base_conf "
[Route]
Destination=10.99.0.0/24
Gateway=172.16.94.1"
nctl up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
if [ "$rc" -eq 2 ] && [[ "$(err_of "$CFG/err")" == *nic0* ]]; then
	ok "B1: up refuses to take a NIC the host has configured"
else
	is "$rc" 1 "B1: up with a route the kernel refuses fails with exit 1"
	is "$(nic_conf)" "$nic_before" "B1: after the rollback nic0 is configured as before (state, addresses, rp_filter)"
fi
# B2: up then down.
base_conf
ip -n "$HOST" link set nic0 up 2>/dev/null; ip -n "$HOST" addr replace 10.94.9.1/24 dev nic0 2>/dev/null
ip -n "$HOST" -6 addr replace fd94:9::1/64 dev nic0 nodad 2>/dev/null; hostx sysctl -qw net.ipv4.conf.nic0.rp_filter=2
nctl up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
if [ "$rc" -eq 2 ] && [[ "$(err_of "$CFG/err")" == *nic0* ]]; then
	ok "B2: up refuses to take a NIC the host has configured"
else
	is "$rc" 0 "B2: up of the configured NIC succeeds"
	check "B2: down succeeds" nctl down "$NS"
	is "$(nic_conf)" "$nic_before" "B2: after down nic0 is configured as before (state, addresses, rp_filter)"
fi
# Leave nic0 as the baseline has it: down, no addresses, default sysctl.
restore
ip -n "$HOST" addr flush dev nic0 2>/dev/null || true
ip -n "$HOST" link set nic0 down 2>/dev/null || true
hostx sysctl -qw net.ipv4.conf.nic0.rp_filter=0 2>/dev/null || true
ip -n "$HOST" addr flush dev nic1
ip -n "$HOST" link set nic1 down
# A device that was once up keeps a qdisc (noqueue, where it had noop): the
# rest of the test compares with the host as A and B leave it.
baseline=$(hsnap) NIC=$(nic_line)
like "$NIC" "^nic0@nic0-lan mtu 1500 " "B: nic0 is home before the crash tests"

# ---- C: crashes, then down alone --------------------------------------------------------
# kill_sweep CMD SYSCALLS...: for every n-th call of each syscall that CMD
# makes, run CMD killed on entry to it; then `down` must bring nic0 home.
kill_sweep() {
	local cmd=$1 sc n pts=0 moved=0; shift
	for sc in "$@"; do
		[ "$cmd" = down ] && { nctl up "$NS" >/dev/null 2>&1 || true; }
		ASAN_OPTIONS=detect_leaks=0 hostx strace -qq -f -o "$CFG/trace" -e trace="$sc" \
			"$NETNSCTL" --config-dir "$CFG" "$cmd" "$NS" >/dev/null 2>&1 || true
		local count
		count=$(grep -c " $sc(" "$CFG/trace" || true)
		nctl down "$NS" >/dev/null 2>&1 || true
		for n in $(seq 1 "$count"); do
			pts=$((pts + 1))
			[ "$cmd" = down ] && { nctl up "$NS" >/dev/null 2>&1 || true; }
			ASAN_OPTIONS=detect_leaks=0 hostx strace -qq -f -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
				"$NETNSCTL" --config-dir "$CFG" "$cmd" "$NS" >/dev/null 2>&1 || true
			ip -n "$HOST" link show nic0 >/dev/null 2>&1 || moved=$((moved + 1))
			nctl down "$NS" >/dev/null 2>"$CFG/err" || not_ok "C ($cmd killed on entry to $sc #$n): the next down fails: $(err_of "$CFG/err")"
			home "C ($cmd killed on entry to $sc #$n), then down"
		done
	done
	echo "# C: $cmd killed at $pts points; at $moved of them nic0 was not on the host right after the kill"
	check "C: some kills of $cmd left nic0 away from the host (moved: $moved)" test "$moved" -gt 0
}
kill_sweep up sendto mount unshare rename mkdir
kill_sweep down sendto rename unlink umount2

# ---- D: the namespace deleted behind netnsctl's back ------------------------------------
# D1: as the kernel does for a real NIC when the namespace dies: the device
# reappears in the initial namespace under its inside name, alias kept.
check "D1: up succeeds" nctl up "$NS"
check "D1: the kernel's refund, by hand: lan0 back on the host as lan0" ip -n "$NS" link set lan0 netns "$HOST"
check "D1: ip netns del $NS" ip netns del "$NS"
like "$(ip -n "$HOST" -o link show lan0 2>/dev/null)" "alias netnsctl:$NS:nic0" "D1: lan0 is on the host with netnsctl's marker"
nctl down "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
is "$rc" 0 "D1: down succeeds"
home "D1 (namespace deleted with ip netns del, NIC refunded)"

# D2: the namespace lives on, held by a process, with nic0 inside.
check "D2: up succeeds" nctl up "$NS"
nsenter --net="/run/netns/$NS" sleep 300 &
HOLDER=$!
sleep 0.2
check "D2: ip netns del $NS (a process still holds it)" ip netns del "$NS"
nctl down "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
if ip -n "$HOST" link show nic0 >/dev/null 2>&1; then
	ok "D2: down brought nic0 home from the orphaned namespace"
elif [ "$rc" -ne 0 ] && [[ "$(err_of "$CFG/err")" == *nic0* ]]; then
	ok "D2: down fails and names nic0, which it cannot reach (rc $rc): $(err_of "$CFG/err")"
	check "D2: and keeps the state record" test -e "/run/netnsctl/$NS.state"
else
	not_ok "D2: down says success (rc $rc) while nic0 is stuck in the orphaned namespace; the record is $([ -e "/run/netnsctl/$NS.state" ] && echo kept || echo gone)"
fi
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null || true
# The veth standing in for nic0 died with that namespace: make it again.
rm -f "/run/netnsctl/$NS.state"
for _ in $(seq 50); do ip -n "$HOST" link show nic0-lan >/dev/null 2>&1 || break; sleep 0.1; done
if ! ip -n "$HOST" link show nic0 >/dev/null 2>&1; then
	fake_nic nic0
	hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
	NIC=$(nic_line)
	baseline=$(hsnap)
fi

# ---- E: down from another namespace ------------------------------------------------------
ip netns add "${P}o"
check "E: up succeeds" nctl up "$NS"
nsenter --net="/run/netns/${P}o" "$NETNSCTL" --config-dir "$CFG" down "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
is "$rc" 0 "E: down run from namespace ${P}o succeeds"
is "$(ip -n "${P}o" -o link show | grep -cv ': lo:')" 0 "E: nothing landed in ${P}o"
ip netns del "${P}o"
home "E (down from another namespace)"

# ---- F: the name nic0 was taken on the host meanwhile ---------------------------------------
check "F: up succeeds" nctl up "$NS"
ip -n "$HOST" link add nic0 type veth peer name imp0
nctl down "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
is "$rc" 1 "F: down fails while another device is called nic0"
like "$(err_of "$CFG/err")" "'nic0'.*exists there now" "F: the message says nic0's name is taken on the host"
like "$(err_of "$CFG/err")" "(stays in namespace '$NS' as 'lan0'|is on the host as 'lan0')" "F: and where the NIC is now, under which name"
# The kernel may have moved it back under its inside name before refusing
# the rename: then it is on the host as lan0, with the marker.
if ip -n "$NS" link show lan0 >/dev/null 2>&1; then
	ok "F: the NIC is not lost: it is still inside as lan0"
elif [[ "$(ip -n "$HOST" -o link show lan0 2>/dev/null)" == *"alias netnsctl:$NS:nic0"* ]]; then
	ok "F: the NIC is not lost: it is on the host as lan0, with netnsctl's marker"
else
	not_ok "F: the NIC is neither inside nor on the host under its inside name"
fi
check "F: the record is kept" test -e "/run/netnsctl/$NS.state"
ip -n "$HOST" link del nic0
check "F: once the name is free, down succeeds" nctl down "$NS"
home "F (after the impostor left)"
done_testing
