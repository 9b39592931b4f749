#!/usr/bin/env bash
# t10: up / up / down / down / up of a namespace with one veth link.
#
#   +---------------- $HOST (throwaway "host") ----------------+
#   |  ve-<derived>  10.77.0.1/24  (HostAddress=)               |
#   +-------|---------------------------------------------------+
#           | veth
#   +-------|------ $P web (made by netnsctl) ------------------+
#   |  eth0  10.77.0.2/24  (Address=)          lo up            |
#   +-----------------------------------------------------------+
#
# Proves: `up` makes an iproute2-style named namespace (/run/netns/NAME,
# `ip netns list`), writes /run/netnsctl/NAME.state, brings lo up and builds
# a working veth pair; a second `up` prints "unchanged" and leaves every
# dump (inside and on the host) identical; `down` removes the namespace, the
# state record and the host veth end, leaving the host as it was; `down` of
# an absent namespace exits 0; and `up` works again afterwards.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t10.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT

NS="${P}web"
STATE="/run/netnsctl/$NS.state"

# try CMD...: run CMD, keep its status in RC, its stdout in OUT, stderr in ERR.
try() {
	echo "# + $*" >&2
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
# nx ARGS: netnsctl as the host runs it (like nctl, but without the echo, so
# that try captures only netnsctl's own output).
nx() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }

# dump_ns NETNS: links, addresses and routes of a namespace, minus what the
# kernel changes on its own after a link comes up (carrier flags, IPv6
# link-local addresses and their routes), so that two dumps differ only if
# somebody changed something. Interface indexes are kept: a link that was
# deleted and re-created shows up as a difference.
dump_ns() {
	python3 - "$(ip -n "$1" -d -j link show)" "$(ip -n "$1" -j addr show)" \
		"$(ip -n "$1" -4 -j route show table all)" "$(ip -n "$1" -6 -j route show table all)" <<'PY'
import json, sys
links, addrs, r4, r6 = (json.loads(a) for a in sys.argv[1:])
out = []
for l in links:
    flags = sorted(set(l["flags"]) - {"LOWER_UP", "NO-CARRIER", "M-DOWN"})
    kind = l.get("linkinfo", {}).get("info_kind")
    out.append(f'link {l["ifindex"]} {l["ifname"]} {flags} mtu={l["mtu"]} mac={l.get("address")} '
               f'alias={l.get("ifalias")} kind={kind} peer={l.get("link_index", l.get("link"))}')
for a in addrs:
    for i in a.get("addr_info", []):
        if i["family"] == "inet6" and i.get("scope") == "link":
            continue
        out.append(f'addr {a["ifname"]} {i["family"]} {i["local"]}/{i["prefixlen"]}')
for r in r4 + r6:
    dst = r.get("dst", "")
    if dst.startswith("fe80") or dst.startswith("ff00"):
        continue
    r.pop("flags", None)
    out.append("route " + json.dumps(r, sort_keys=True))
print("\n".join(sorted(out)))
PY
}

conf web <<'CONF'
# t10: one veth link, addresses on both ends
[Namespace]
Description=t10 lifecycle

[Link]
Kind=veth
Address=10.77.0.2/24
HostAddress=10.77.0.1/24
CONF

before=$(snapshot)

# ---- first up ------------------------------------------------------------------
try nx up "$NS"
is "$RC" 0 "up exits 0"
is "$OUT" "$NS: created" "up reports 'created'"
check "namespace file /run/netns/$NS exists" test -e "/run/netns/$NS"
check "/run/netns/$NS is a bind mount of a network namespace" \
	bash -c "[ \"\$(stat -f -c %T /run/netns/$NS)\" = nsfs ]"
check "'ip netns list' shows it" bash -c "ip netns list | awk '{print \$1}' | grep -qx -- '$NS'"
check "state record $STATE exists" test -s "$STATE"
like "$(grep '^netns ' "$STATE" || true)" "^netns $NS( |$)" "state record names the namespace"
hostend=$(awk '$1 == "hostlink" {print $2}' "$STATE")
like "$hostend" '^ve-[A-Za-z0-9._-]{1,12}$' "state record names the host veth end ($hostend)"

like "$(inns web ip -o link show lo)" "<[^>]*[,<]UP[,>]" "loopback is up inside"
like "$(inns web ip -o addr show dev lo)" "inet 127\.0\.0\.1/8" "loopback has 127.0.0.1 inside"
like "$(inns web ip -o addr show dev eth0)" "inet 10\.77\.0\.2/24" "eth0 inside has Address="
like "$(inns web ip -o -d link show eth0)" "veth" "eth0 inside is a veth"
like "$(inns web ip -o link show eth0)" "<[^>]*[,<]UP[,>]" "eth0 inside is up"
like "$(hostx ip -o addr show dev "$hostend")" "inet 10\.77\.0\.1/24" "host end has HostAddress="
like "$(hostx ip -o link show "$hostend")" "<[^>]*[,<]UP[,>]" "host end is up"

# The two ends really are one pair: each one's peer index is the other's index.
# (ip -j, not /sys: nsenter --net does not remount sysfs.)
link_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get(sys.argv[1]))' "$1"; }
in_idx=$(inns web ip -j link show eth0 | link_field ifindex)
in_peer=$(inns web ip -j link show eth0 | link_field link_index)
host_idx=$(hostx ip -j link show "$hostend" | link_field ifindex)
host_peer=$(hostx ip -j link show "$hostend" | link_field link_index)
is "$in_peer" "$host_idx" "eth0's peer is the host end"
is "$host_peer" "$in_idx" "the host end's peer is eth0"

# Traffic crosses the pair: a TCP connection from inside to the host end.
hostx timeout 20 socat -u TCP-LISTEN:7710,bind=10.77.0.1,reuseaddr CREATE:"$T/got" &
listener=$!
echo hello-t10 | inns web timeout 20 socat -u - TCP:10.77.0.1:7710,retry=100,interval=0.1 || true
wait "$listener" || true
is "$(cat "$T/got" 2>/dev/null)" "hello-t10" "TCP from inside reaches the host end"

# ---- second up: nothing changes --------------------------------------------------
ns_before=$(dump_ns "$NS")
host_before=$(dump_ns "$HOST")
cp "$STATE" "$T/state.before"
try nx up "$NS"
is "$RC" 0 "second up exits 0"
is "$OUT" "$NS: unchanged" "second up reports 'unchanged'"
is "$ERR" "" "second up prints nothing on stderr"
is "$(dump_ns "$NS")" "$ns_before" "second up leaves links, addresses and routes inside unchanged"
is "$(dump_ns "$HOST")" "$host_before" "second up leaves the host's links, addresses and routes unchanged"
check "second up leaves the state record unchanged" cmp -s "$STATE" "$T/state.before"

# ---- down ------------------------------------------------------------------------
try nx down "$NS"
is "$RC" 0 "down exits 0"
check "namespace file is gone" test ! -e "/run/netns/$NS"
check "'ip netns list' no longer shows it" bash -c "! ip netns list | awk '{print \$1}' | grep -qx -- '$NS'"
check "state record is gone" test ! -e "$STATE"
check_fails "host veth end is gone" hostx ip link show "$hostend"
is "$(snapshot)" "$before" "host snapshot after down equals the one before up"

# ---- down of an absent namespace --------------------------------------------------
try nx down "$NS"
is "$RC" 0 "down of an absent namespace exits 0"
try nx down "${P}never-configured"
is "$RC" 0 "down of a name that was never configured or created exits 0"
is "$(snapshot)" "$before" "down of absent namespaces changes nothing"

# ---- up again ----------------------------------------------------------------------
try nx up "$NS"
is "$RC" 0 "up after down exits 0"
is "$OUT" "$NS: created" "up after down reports 'created'"
like "$(inns web ip -o addr show dev eth0)" "inet 10\.77\.0\.2/24" "eth0 is back with its address"
hostend2=$(awk '$1 == "hostlink" {print $2}' "$STATE")
like "$(hostx ip -o addr show dev "$hostend2")" "inet 10\.77\.0\.1/24" "host end is back with its address"
like "$(inns web ip -o link show lo)" "<[^>]*[,<]UP[,>]" "loopback is up again"
try nx down "$NS"
is "$RC" 0 "final down exits 0"
is "$(snapshot)" "$before" "host snapshot after the second down equals the one before"

done_testing
