#!/usr/bin/env bash
# Firewall rollback (issue 6): a failed nftables transaction, or any failure
# after it, leaves nothing behind; reconciling a running namespace either
# applies the new rules or leaves the old ones exactly as they were.
#
#   $HOST (throwaway "host")                    $P"a"  Masquerade=yes, [Publish] tcp 8080 -> 80,
#   +-----------------------------------+             Policy=drop, Allow=tcp/80
#   | wan0 (uplink, default route)      |       $P"b"  [Publish] tcp 8080 too: conflicts with a
#   | ve-... host ends                  |=====        $P"c"  Masquerade=yes, [Publish] 9090 and
#   | table inet netnsctl (shared)      |                     udp 5353, Policy=drop, KillSwitch=yes
#   +-----------------------------------+             $P"d"  Masquerade=yes, [Publish] 9191, no
#                                                             table inside (host part loaded ahead)
#
# Proves:
#   - a [Publish] whose host port another namespace holds fails, naming
#     the HostPort= line, and leaves no namespace, no record, and the host's
#     ruleset, sysctls, links, addresses and routes as they were;
#   - with the fault build, a failure at every kernel operation of `up` of
#     $P"c" (the first user of the shared table, so its rollback must also
#     delete the table and put the uplink's forwarding sysctl back) leaves
#     zero residue; the same for $P"d", whose host part is loaded by a
#     helper process while the links are made, and when that helper is
#     killed at any of its stages up still succeeds, with the rules once;
#   - with the fault build, a failure at every operation of an `up` that
#     changes a running $P"a" leaves its rules (host and inside) as before;
#   - a fault at every operation of `down` is reported or absorbed, and a
#     plain `down` then finishes with zero residue.
source "$(dirname "$0")/lib.sh"

sysctls() {
	nsenter --net="/run/netns/$HOST" sysctl -a 2>/dev/null |
		grep -E '^net\.ipv4\.(ip_forward |conf\.[^.]+\.(forwarding|route_localnet) )|^net\.ipv6\.conf\.[^.]+\.(forwarding|force_forwarding) ' |
		grep -v '\.ve-' | sort
}
ruleset() { nsenter --net="/run/netns/$HOST" nft list ruleset; }
inside() { nsenter --net="/run/netns/$1" nft list ruleset 2>/dev/null || true; }
# world: everything on the host side that must come back.
world() { snapshot; echo "== ruleset"; ruleset; echo "== sysctls"; sysctls; }

[ -x "$NETNSCTL_FAULT" ] || { setup_world; not_ok "fault build missing at $NETNSCTL_FAULT (make fault)"; done_testing; exit 1; }
setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
A=${P}a B=${P}b C=${P}c D=${P}d
fake_nic wan0
ip -n "$HOST" addr add 203.0.113.1/24 dev wan0
ip -n "$HOST" link set wan0 up
ip -n "$HOST" route add default via 203.0.113.2
empty=$(world)

conf a <<'CONF'
[Link]
Kind=veth
Address=10.64.1.2/24
HostAddress=10.64.1.1/24
Gateway=10.64.1.1
Masquerade=yes

[Publish]
HostPort=8080
Port=80

[Firewall]
Policy=drop
Allow=tcp/80
CONF
conf b <<'CONF'
[Link]
Kind=veth
Address=10.64.2.2/24
HostAddress=10.64.2.1/24

[Publish]
Protocol=tcp
HostPort=8080
CONF
conf c <<'CONF'
[Link]
Kind=veth
Address=10.64.3.2/24
HostAddress=10.64.3.1/24
Gateway=10.64.3.1
Masquerade=yes

[Publish]
HostPort=9090
Port=90

[Publish]
Protocol=udp
HostPort=5353

[Firewall]
Policy=drop
KillSwitch=yes
CONF

conf d <<'CONF'
[Link]
Kind=veth
Address=10.64.4.2/24
HostAddress=10.64.4.1/24
Gateway=10.64.4.1
Masquerade=yes

[Publish]
HostPort=9191
Port=91
CONF

# ---- a host port another namespace holds -------------------------------------------------------
check "up of $A succeeds" nctl up "$A"
with_a=$(world)
a_inside=$(inside "$A")
nctl up "$B" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
err=$(grep -v '^# + ' "$CFG/err" || true)
echo "# $err"
is "$rc" 1 "up of $B, which publishes $A's port 8080, fails"
like "$err" "^netnsctl: $CFG/$B\.conf:8: .*already published by another namespace" "the message names $B.conf:8 (HostPort=) and says why"
check "no namespace $B is left" test ! -e "/run/netns/$B"
check "no record of $B is left" test ! -e "/run/netnsctl/$B.state"
now=$(eventually_same "$with_a" world)
is "$now" "$with_a" "the host (ruleset, sysctls, links, addresses, routes) is as before"
[ "$now" = "$with_a" ] || show_diff "$with_a" "$now"
is "$(inside "$A")" "$a_inside" "$A's table inside is untouched"

# ---- a fault at every operation of a first up ------------------------------------------------------
# sweep_first_up NAME WHY: NAME is the first user of the shared table.
sweep_first_up() {
	local n=$1 k K rc err now why
	NETNSCTL_FAULT_REPORT=1 nctl_fault up "$n" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
	is "$rc" 0 "up of $n ($2) with the fault build and no fault succeeds"
	K=$(fault_ops "$CFG/report")
	like "${K:-none}" "^[0-9]+$" "the fault build reports the operations of up ($K)"
	like "$(ruleset)" "chain post-$n" "its host rules are loaded"
	like "$(ruleset)" "net.ipv4.conf.wan0.forwarding=0" "the uplink's forwarding sysctl is registered for the last one to restore"
	check "down of $n succeeds" nctl down "$n"
	for k in $(seq 1 "${K:-0}"); do
		NETNSCTL_FAULT_AT=$k nctl_fault up "$n" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
		err=$(grep -v '^# + ' "$CFG/err" | head -n3 || true)
		now=$(eventually_same "$empty" world)
		why=""
		[ "$rc" -ne 0 ] || why="$why up succeeded;"
		[[ "$err" == *"injected fault at operation $k "* ]] || why="$why fault not reported;"
		[ ! -e "/run/netns/$n" ] || why="$why namespace left;"
		[ ! -e "/run/netnsctl/$n.state" ] || why="$why record left;"
		[ "$now" = "$empty" ] || why="$why host differs;"
		if [ -z "$why" ]; then
			ok "up of $n, fault at op $k/$K: fails and leaves zero residue"
		else
			not_ok "up of $n, fault at op $k/$K:$why"
			echo "#   $err"
			show_diff "$empty" "$now"
			nctl down "$n" >/dev/null 2>&1 || true
		fi
	done
}
check "down of $A succeeds" nctl down "$A"
is "$(eventually_same "$empty" world)" "$empty" "with nothing up, the host has no table and its sysctls back"
sweep_first_up "$C" "a table inside: host part after it"
# No table inside: the host part is loaded by a helper process while the links are
# made (apply_fw.c, fw_async_start), and the registry of the shared sysctl
# in a second transaction.
sweep_first_up "$D" "no table inside: host part loaded ahead"

# ---- the helper that loads the host part dies ------------------------------------------------------
# The fault build's NETNSCTL_FAULT_DIE kills the helper with SIGKILL when it
# starts, after `up`'s go but before it commits, and after it committed but
# before it reports. up must neither fail nor die (no SIGPIPE) nor load the
# rules twice: it loads the part itself. down then leaves zero residue.
for point in helper-start helper-before-commit helper-after-commit; do
	NETNSCTL_FAULT_DIE=$point nctl_fault up "$D" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	is "$rc" 0 "helper killed at $point: up still succeeds $(grep -v '^# + ' "$CFG/err" | head -n1)"
	is "$(ruleset | grep -c 'masquerade comment "Masquerade=yes')" 1 "helper killed at $point: the masquerade rule is there once"
	like "$(ruleset)" "net.ipv4.conf.wan0.forwarding=0" "helper killed at $point: the shared sysctl is registered"
	check "helper killed at $point: down succeeds" nctl down "$D"
	is "$(eventually_same "$empty" world)" "$empty" "helper killed at $point: zero residue"
done

# ---- a fault at every operation of an up that changes a running namespace ------------------------------
check "up of $A again succeeds" nctl up "$A"
with_a=$(world)
a_inside=$(inside "$A")
cp "$CFG/$A.conf" "$CFG/a.orig"
sed -i 's/^HostPort=8080/HostPort=8081/; s/^Allow=tcp\/80/Allow=tcp\/80 tcp\/22/' "$CFG/$A.conf"
NETNSCTL_FAULT_REPORT=1 nctl_fault up "$A" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
is "$rc" 0 "the changed config applies with the fault build and no fault"
KR=$(fault_ops "$CFG/report")
like "$(ruleset)" "tcp dport 8081 " "the host rules now publish 8081"
like "$(inside "$A")" "tcp dport 22 " "and the table inside allows tcp/22"
changed=$(world)
changed_inside=$(inside "$A")
cp "$CFG/a.orig" "$CFG/$A.conf"
check "going back to the old config succeeds" nctl up "$A"
is "$(world)" "$with_a" "which restores the old host rules"
sed -i 's/^HostPort=8080/HostPort=8081/; s/^Allow=tcp\/80/Allow=tcp\/80 tcp\/22/' "$CFG/$A.conf"
for k in $(seq 1 "${KR:-0}"); do
	NETNSCTL_FAULT_AT=$k nctl_fault up "$A" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	err=$(grep -v '^# + ' "$CFG/err" | head -n3 || true)
	now=$(world) now_inside=$(inside "$A")
	why=""
	if [ "$rc" -eq 0 ]; then
		# The fault hit an operation that changes nothing for this config.
		[ "$now" = "$changed" ] && [ "$now_inside" = "$changed_inside" ] || why="$why succeeded but not applied;"
	else
		[[ "$err" == *"injected fault at operation $k "* ]] || why="$why fault not reported;"
		[ "$now" = "$with_a" ] || why="$why host rules differ from before;"
		[ "$now_inside" = "$a_inside" ] || why="$why table inside differs from before;"
	fi
	if [ -z "$why" ]; then
		ok "changing up, fault at op $k/$KR: $([ "$rc" -eq 0 ] && echo "absorbed, applied" || echo "fails, old rules intact")"
	else
		not_ok "changing up, fault at op $k/$KR:$why"
		echo "#   $err"
		show_diff "$with_a" "$now"
	fi
	cp "$CFG/a.orig" "$CFG/$A.conf"
	nctl up "$A" >/dev/null 2>&1 || true
	sed -i 's/^HostPort=8080/HostPort=8081/; s/^Allow=tcp\/80/Allow=tcp\/80 tcp\/22/' "$CFG/$A.conf"
done
cp "$CFG/a.orig" "$CFG/$A.conf"

# ---- a fault at every operation of down -------------------------------------------------------------
check "down of $A succeeds" nctl down "$A"
check "up of $C succeeds" nctl up "$C"
NETNSCTL_FAULT_REPORT=1 nctl_fault down "$C" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
is "$rc" 0 "down with the fault build and no fault succeeds"
KD=$(fault_ops "$CFG/report")
is "$(eventually_same "$empty" world)" "$empty" "the host is back to empty"
for k in $(seq 1 "${KD:-0}"); do
	why=""
	if ! nctl up "$C" >/dev/null 2>&1; then
		not_ok "down, fault at op $k/$KD: up before it failed"
		continue
	fi
	NETNSCTL_FAULT_AT=$k nctl_fault down "$C" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	err=$(grep -v '^# + ' "$CFG/err" | head -n3 || true)
	[ "$rc" -eq 0 ] || [[ "$err" == *"injected fault at operation $k "* ]] || why="$why failed without naming the fault (rc=$rc);"
	nctl down "$C" >/dev/null 2>"$CFG/err2" || why="$why plain down afterwards failed: $(grep -v '^# + ' "$CFG/err2");"
	now=$(eventually_same "$empty" world)
	[ ! -e "/run/netns/$C" ] || why="$why namespace left;"
	[ ! -e "/run/netnsctl/$C.state" ] || why="$why record left;"
	[ "$now" = "$empty" ] || why="$why host differs;"
	if [ -z "$why" ]; then
		ok "down, fault at op $k/$KD ($([ "$rc" -eq 0 ] && echo absorbed || echo "failed, rc=$rc")): a plain down then leaves zero residue"
	else
		not_ok "down, fault at op $k/$KD:$why"
		echo "#   $err"
		show_diff "$empty" "$now"
	fi
done
done_testing
