#!/usr/bin/env bash
# Reconcile: `up` on a running namespace applies only the difference
# between the config and the live state (issue 3).
#
#   $LAN ns: nic0-lan            $HOST (throwaway "host")              $P"r"
#                 \\=== veth ===> nic0 ----- Kind=physical --------> lan0  10.34.1.2/24
#                                 h34  10.34.0.1/24 ===== veth ====> eth0  10.34.0.2/24
#                                                                          10.34.0.3/24 (-> .4)
#                                 mvpar (parent) -- Kind=macvlan --> mv0   10.34.2.2/24
#                                                                    routes: default via 10.34.0.1
#                                                                            10.50.0.0/24 via 10.34.0.1
#
# Oracle: `ip monitor link address route` runs in the namespace and in the
# host while `up` runs; marker addresses on lo bracket the window, so the
# recording is exact (no sleeps). Kernel-generated routes (proto kernel,
# table local) that follow an address change are not counted.
#
# Proves: a second `up` prints "unchanged", makes no change at all (no
# event, identical dumps); changing one address removes exactly that one
# and adds the new one, with other addresses, routes and link ifindexes
# untouched; adding and removing a [Route] touches only that route;
# changing a live link's Kind is refused (exit 2, nothing changed), and a
# veth -> bridge change is either applied or refused, never reported as
# "unchanged" with the host end outside the bridge; removing
# a [Link] from the config gives a physical device back (original name, down)
# and deletes a veth (with its host end) or a macvlan on the next `up`.
source "$(dirname "$0")/lib.sh"

snap() { snapshot | sed -E 's/ (hello|tcn|topology_change|gc)_timer +[0-9.]+//g; s/ tentative( |$)/\1/'; }
has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
# dump NETNS: everything inside a namespace that reconcile could change
# (after DAD has settled, without the tentative flag).
dump() {
	settle "$1"
	ip -n "$1" -d -o link show
	ip -n "$1" -o addr show | sed -E 's/valid_lft.*//; s/ tentative( |$)/\1/'
	ip -n "$1" route show table all
	ip -n "$1" -6 route show table all
}
ifindexes() { ip -n "$1" -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $1 ":" $2}' | sort; }
# settle NETNS: wait until every link with a carrier and IPv6 has its
# link-local address and DAD on it is over. The kernel adds that address
# up to a second after the carrier (linkwatch), and reports the end of DAD
# with another event; neither may land in a recording or a dump.
settle() {
	local dev pending
	for _ in $(seq 50); do
		pending=0
		for dev in $(ip -n "$1" -o link show up | awk -F': ' '/LOWER_UP/ && !/LOOPBACK/ {sub(/@.*/, "", $2); print $2}'); do
			[ "$(nsenter --net="/run/netns/$1" sysctl -n "net.ipv6.conf.$dev.disable_ipv6" 2>/dev/null)" = 1 ] && continue
			ip -n "$1" -6 -o addr show dev "$dev" scope link | grep -v tentative | grep -q fe80 || pending=1
		done
		[ $pending = 0 ] && return 0
		sleep 0.1
	done
}


# ---- recording rtnetlink events ----------------------------------------
declare -A WATCH_PID
# mark NETNS ADDR: add and remove ADDR/32 on lo until the recording shows
# the removal (the monitor may not have subscribed yet the first time):
# then everything before it has been recorded.
mark() {
	local _
	for _ in $(seq 20); do
		ip -n "$1" addr add "$2/32" dev lo
		ip -n "$1" addr del "$2/32" dev lo
		for _ in $(seq 10); do
			grep -q "^Deleted .* $2/32 " "$CFG/watch.$1" && return 0
			sleep 0.05
		done
	done
	echo "# marker $2 never seen in $1" >&2
	return 1
}
watch_start() {
	settle "$1"
	ip -n "$1" -o monitor link address route >"$CFG/watch.$1" 2>/dev/null &
	WATCH_PID[$1]=$!
	mark "$1" 192.0.2.98
}
# watch_stop NETNS: print the recorded changes, minus the markers and the
# kernel's own routes that follow address changes.
watch_stop() {
	mark "$1" 192.0.2.99
	kill "${WATCH_PID[$1]}" 2>/dev/null || true
	wait "${WATCH_PID[$1]}" 2>/dev/null || true
	grep -v -e '192\.0\.2\.9[89]' -e 'proto kernel' "$CFG/watch.$1" | sed -E 's/\\ +valid_lft.*//; s/ +$//' || true
}
# up_watched NAME: run up while recording in the namespace and the host;
# sets OUT (stdout), ERR, RC, NS_EVENTS, HOST_EVENTS.
up_watched() {
	watch_start "$P$1"
	watch_start "$HOST"
	OUT=$(nctl up "$P$1" 2>"$CFG/stderr") && RC=0 || RC=$?
	ERR=$(cat "$CFG/stderr")
	NS_EVENTS=$(watch_stop "$P$1")
	HOST_EVENTS=$(watch_stop "$HOST")
	echo "# up: rc=$RC: $OUT $ERR" >&2
	echo "# events in the namespace:" >&2; sed 's/^/#   /' <<<"$NS_EVENTS" >&2
	echo "# events in the host:" >&2; sed 's/^/#   /' <<<"$HOST_EVENTS" >&2
}

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
R=${P}r
LAN=${P}lan
fake_nic nic0
ip netns add "$LAN"
ip -n "$HOST" link set nic0-lan netns "$LAN"
ip -n "$HOST" link add mvpar type veth peer name mvpar-peer
ip -n "$HOST" link set mvpar up
ip -n "$HOST" link set mvpar-peer up
nic0_mac=$(ip -n "$HOST" -o link show nic0 | sed -E 's/.*link\/ether ([0-9a-f:]+) .*/\1/')
before=$(snap)

L_PHYS='[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.34.1.2/24
'
L_VETH='[Link]
Kind=veth
Name=eth0
HostName=h34
Address=10.34.0.2/24
Address=10.34.0.3/24
HostAddress=10.34.0.1/24
Gateway=10.34.0.1
'
L_MV='[Link]
Kind=macvlan
Device=mvpar
Name=mv0
Address=10.34.2.2/24
'
R50='[Route]
Destination=10.50.0.0/24
Gateway=10.34.0.1
'
R51='[Route]
Destination=10.51.0.0/24
Gateway=10.34.0.1
'
# write PARTS...: the config made of these sections.
write() { printf '%s\n' "$@" | conf r; }

write "$L_PHYS" "$L_VETH" "$L_MV" "$R50"
out=$(nctl up "$R") && rc=0 || rc=$?
is "$rc" 0 "first up succeeds"
is "$out" "$R: created" "first up prints 'created'"

# ---- up twice is a no-op -----------------------------------------------------
ns_before=$(dump "$R") host_before=$(snap) idx_before=$(ifindexes "$R")
up_watched r
is "$RC" 0 "second up succeeds"
is "$OUT" "$R: unchanged" "second up prints 'unchanged'"
is "$NS_EVENTS" "" "second up makes no change inside (no link, address or route event)"
is "$HOST_EVENTS" "" "second up makes no change in the host"
is "$(dump "$R")" "$ns_before" "dumps inside are identical after the second up"
is "$(snap)" "$host_before" "the host snapshot is identical after the second up"

# ---- change one address ----------------------------------------------------
write "$L_PHYS" "${L_VETH/10.34.0.3\/24/10.34.0.4/24}" "$L_MV" "$R50"
routes_before=$(ip -n "$R" route show; ip -n "$R" -6 route show)
up_watched r
is "$RC" 0 "up after changing an address succeeds"
is "$OUT" "$R: updated" "it prints 'updated'"
check "10.34.0.3 is gone" bash -c "! ip -n '$R' -o addr show dev eth0 | grep -q ' 10\.34\.0\.3/'"
like "$(ip -n "$R" -o -4 addr show dev eth0)" "inet 10\.34\.0\.4/24 " "10.34.0.4 is there"
like "$(ip -n "$R" -o -4 addr show dev eth0)" "inet 10\.34\.0\.2/24 " "10.34.0.2 is still there"
like "$NS_EVENTS" "^Deleted [0-9]+: eth0 +inet 10\.34\.0\.3/24 " "the recording has the removal of 10.34.0.3"
check "the recording has the addition of 10.34.0.4" grep -qE '^[0-9]+: eth0 +inet 10\.34\.0\.4/24 ' <<<"$NS_EVENTS"
is "$(grep -c . <<<"$NS_EVENTS")" 2 "exactly these two changes inside: no other address, link or route was touched"
is "$HOST_EVENTS" "" "nothing changed in the host"
is "$(ifindexes "$R")" "$idx_before" "link ifindexes unchanged (no link re-created)"
is "$(ip -n "$R" route show; ip -n "$R" -6 route show)" "$routes_before" "routes unchanged"

# ---- add a route, then remove one --------------------------------------------
L_VETH=${L_VETH/10.34.0.3\/24/10.34.0.4/24}
write "$L_PHYS" "$L_VETH" "$L_MV" "$R50" "$R51"
up_watched r
is "$RC" 0 "up after adding a [Route] succeeds"
like "$(ip -n "$R" route show 10.51.0.0/24)" "^10\.51\.0\.0/24 via 10\.34\.0\.1 dev eth0" "the new route is installed"
is "$NS_EVENTS" "$(ip -n "$R" -o route show 10.51.0.0/24 | sed 's/ *$//')" "the only change inside is that route"
check "the other route is still there" bash -c "ip -n '$R' route show 10.50.0.0/24 | grep -q via"

write "$L_PHYS" "$L_VETH" "$L_MV" "$R51"
up_watched r
is "$RC" 0 "up after removing a [Route] succeeds"
is "$(ip -n "$R" route show 10.50.0.0/24)" "" "the removed route is gone"
like "$NS_EVENTS" "^Deleted 10\.50\.0\.0/24 via 10\.34\.0\.1 dev eth0" "the recording has its removal"
is "$(grep -c . <<<"$NS_EVENTS")" 1 "and nothing else changed inside"
check "10.51.0.0/24 is still there" bash -c "ip -n '$R' route show 10.51.0.0/24 | grep -q via"
check "the default route is still there" bash -c "ip -n '$R' route show default | grep -q 'via 10.34.0.1'"

# ---- an unsafe live change is refused -------------------------------------------
# mv0 is a live macvlan; the config now says it is a veth of the same name.
ns_before=$(dump "$R") host_before=$(snap)
write "$L_PHYS" "$L_VETH" '[Link]
Kind=veth
Name=mv0
HostName=h34b
' "$R51"
out=$(nctl up "$R" 2>&1 >/dev/null) && rc=0 || rc=$?
is "$rc" 2 "changing a live link's Kind (macvlan -> veth) is refused with exit 2"
like "$out" "$R\.conf:16: .*'mv0'.*Kind=veth.*netnsctl down" "the message names file:line of that [Link], the link and what to do"
is "$(dump "$R")" "$ns_before" "nothing changed inside"
is "$(snap)" "$host_before" "nothing changed in the host"

# ---- remove [Link]s ------------------------------------------------------------
idx_before=$(ifindexes "$R")
write "$L_VETH" "$L_MV" "$R51"
up_watched r
is "$RC" 0 "up after removing the physical [Link] succeeds"
check_fails "lan0 is gone from the namespace" has_link "$R" lan0
check "nic0 is back in the host under its original name" has_link "$HOST" nic0
check_fails "nic0 is left down" bash -c "ip -n '$HOST' -o link show nic0 | grep -q '[<,]UP[,>]'"
like "$(ip -n "$HOST" -o link show nic0)" "link/ether $nic0_mac " "nic0 has its original MAC"
is "$(ifindexes "$R" | grep -v ':lan0$')" "$(grep -v ':lan0$' <<<"$idx_before")" "the other links are untouched (same ifindexes)"
like "$(ip -n "$R" -o -4 addr show dev eth0)" "inet 10\.34\.0\.2/24 " "eth0 keeps its addresses"

write "$L_VETH" "$R51"
up_watched r
is "$RC" 0 "up after removing the macvlan [Link] succeeds"
check_fails "the macvlan mv0 is deleted from the namespace" has_link "$R" mv0
check "eth0 is still there" has_link "$R" eth0

write "[Namespace]
Description=no links left
"
up_watched r
is "$RC" 0 "up after removing the veth [Link] (and its route) succeeds"
check_fails "eth0 is deleted from the namespace" has_link "$R" eth0
check_fails "its host end h34 is deleted" has_link "$HOST" h34
is "$(ip -n "$R" route show)" "" "no route is left inside"
check "the namespace itself is still up" test -e "/run/netns/$R"

check "down succeeds" nctl down "$R"
is "$(eventually_same "$before" snap)" "$before" "the host is exactly as before the first up"

# ---- veth -> bridge on a live link: applied or refused, never ignored -----------
ip -n "$HOST" link add br34 address 02:00:00:00:34:01 type bridge
ip -n "$HOST" link set br34 up
printf '%s\n' '[Link]
Kind=veth
Name=eth0
HostName=h34v
Address=10.34.8.2/24
' | conf vb
check "up of a veth namespace succeeds" nctl up "${P}vb"
printf '%s\n' '[Link]
Kind=bridge
Name=eth0
HostName=h34v
Bridge=br34
Address=10.34.8.2/24
' | conf vb
out=$(nctl up "${P}vb" 2>/dev/null) && rc=0 || rc=$?
echo "# rc=$rc $out" >&2
if [ "$rc" -eq 0 ]; then
	like "$(ip -n "$HOST" -o link show h34v 2>&1)" " master br34 " \
		"Kind=veth -> Kind=bridge accepted on a live link: the host end is now a port of br34"
else
	ok "Kind=veth -> Kind=bridge on a live link is refused (exit $rc)"
fi
check "down succeeds" nctl down "${P}vb"
ip -n "$HOST" link del br34

# ---- a default link name does not depend on other [Link]s ----------------------
# Removing an unrelated [Link] must not rename, re-create or break a link
# whose Name= is derived (its ifindex stays, up succeeds).
fake_nic nic1
# The LAN end stays in the host: no IPv6 on it, so that no link-local
# address or route appears when nic1 first gets a carrier.
hostx sysctl -qw net.ipv6.conf.nic1-lan.disable_ipv6=1
before=$(snap)
printf '%s\n' '[Link]
Kind=physical
Device=nic1
' '[Link]
Kind=veth
HostName=h34d
Address=10.34.9.2/24
' | conf d
check "up of physical + veth with a default Name= succeeds" nctl up "${P}d"
veth_in=$(ip -n "${P}d" -o link show | awk -F': ' '$2 !~ /^(lo|nic1)(@|$)/ {sub(/@.*/, "", $2); print $1 ":" $2}')
echo "# the veth inside is $veth_in" >&2
printf '%s\n' '[Link]
Kind=veth
HostName=h34d
Address=10.34.9.2/24
' | conf d
out=$(nctl up "${P}d" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "up after removing the physical [Link] succeeds (the veth's default name is stable)"
echo "# $out" >&2
is "$(ip -n "${P}d" -o link show | awk -F': ' '$2 !~ /^(lo|nic1)(@|$)/ {sub(/@.*/, "", $2); print $1 ":" $2}')" \
	"$veth_in" "the veth inside keeps its name and ifindex"
check "nic1 is back in the host" has_link "$HOST" nic1
check "down succeeds" nctl down "${P}d"
is "$(eventually_same "$before" snap)" "$before" "the host is exactly as before"
done_testing
