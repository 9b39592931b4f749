#!/usr/bin/env bash
# t11: interoperability with iproute2's `ip netns`, both ways.
#
#   +---------------- $HOST (throwaway "host") ----------------+
#   |  ve-<derived> 10.78.0.1/24                                |
#   +-------|---------------------------------------------------+
#           | veth
#   +-------|----- $P mine (netnsctl up) --+   +-- $P theirs (ip netns add) --+
#   |  eth0 10.78.0.2/24, lo              |   |  veth marker0/marker1, lo     |
#   +-------------------------------------+   +-------------------------------+
#
# Proves: a namespace made by netnsctl is seen and entered by `ip netns list`
# and `ip netns exec` (used here read-only, as an oracle); one made by
# `ip netns add` shows up in `netnsctl list` and `list --json` as unmanaged;
# `netnsctl down` refuses it (exit 1, a message that says why and names
# --force) and leaves it; `netnsctl up` of its name is refused and leaves it
# alone; `down --force` removes it. A netnsctl namespace deleted behind its
# back with `ip netns del` comes back with a plain `up`.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t11.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT

MINE="${P}mine"
THEIRS="${P}theirs"

try() {
	echo "# + $*" >&2
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
nx() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
in_ip_netns_list() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }
# json_get JSON NAME FIELD: FIELD of the entry NAME in a `list --json` array.
json_get() {
	python3 -c 'import json,sys
v = [x for x in json.loads(sys.argv[1]) if x["name"] == sys.argv[2]]
print(json.dumps(v[0][sys.argv[3]]) if len(v) == 1 else "missing")' "$1" "$2" "$3"
}

# ---- netnsctl -> iproute2 ----------------------------------------------------------
conf mine <<'CONF'
[Link]
Kind=veth
Address=10.78.0.2/24
HostAddress=10.78.0.1/24
CONF
try nx up "$MINE"
is "$RC" 0 "netnsctl up of $MINE"
check "'ip netns list' shows the netnsctl namespace" in_ip_netns_list "$MINE"
like "$(findmnt -n -o PROPAGATION /run/netns)" "shared" "/run/netns is a shared mount, as iproute2 makes it"
exec_links=$(run ip netns exec "$MINE" ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
is "$exec_links" "eth0 lo " "'ip netns exec $MINE ip link' sees exactly lo and eth0"
like "$(run ip netns exec "$MINE" ip -o addr show dev eth0)" "inet 10\.78\.0\.2/24" \
	"'ip netns exec' sees the configured address"
is "$(run ip netns exec "$MINE" ip netns identify)" "$MINE" \
	"'ip netns identify' inside it names it (the /run/netns file is that namespace)"

# ---- iproute2 -> netnsctl ----------------------------------------------------------
run ip netns add "$THEIRS"
run ip -n "$THEIRS" link add marker0 type veth peer name marker1
theirs_dump() { ip -n "$THEIRS" -o link show | sed -E 's/^[0-9]+: //' | sort; }
theirs_before=$(theirs_dump)
host_before=$(snapshot)

try nx list
is "$RC" 0 "netnsctl list exits 0"
like "$(grep -E "^${THEIRS}[[:space:]]" <<<"$OUT" || true)" "^${THEIRS}[[:space:]]+unmanaged[[:space:]]+up" \
	"netnsctl list shows the ip-netns namespace as unmanaged and up"
like "$(grep -E "^${MINE}[[:space:]]" <<<"$OUT" || true)" "^${MINE}[[:space:]]+managed[[:space:]]+up" \
	"netnsctl list shows its own namespace as managed and up"
try nx list --json
is "$RC" 0 "netnsctl list --json exits 0"
is "$(json_get "$OUT" "$THEIRS" managed)" "false" "list --json: managed=false for the ip-netns namespace"
is "$(json_get "$OUT" "$THEIRS" configured)" "false" "list --json: configured=false for it"
is "$(json_get "$OUT" "$THEIRS" state)" '"up"' "list --json: state=up for it"
is "$(json_get "$OUT" "$THEIRS" links)" "2" "list --json: counts its two links besides lo (marker0/1)"
is "$(json_get "$OUT" "$MINE" managed)" "true" "list --json: managed=true for the netnsctl namespace"

# down without --force: refused, nothing touched.
try nx down "$THEIRS"
is "$RC" 1 "netnsctl down of an unmanaged namespace exits 1"
like "$ERR" "not managed by netnsctl" "the refusal says the namespace is not managed"
like "$ERR" "--force" "the refusal names --force"
check "the unmanaged namespace still exists" test -e "/run/netns/$THEIRS"
check "ip netns list still shows it" in_ip_netns_list "$THEIRS"
is "$(theirs_dump)" "$theirs_before" "its links are untouched"
check "no state record was written for it" test ! -e "/run/netnsctl/$THEIRS.state"

# up of a name that exists unmanaged: refused, even with a valid config.
conf theirs <<'CONF'
[Link]
Kind=veth
Address=10.78.1.2/24
CONF
try nx up "$THEIRS"
is "$RC" 1 "netnsctl up of a name held by an unmanaged namespace exits 1"
like "$ERR" "not managed by netnsctl" "the refusal says why"
check "the unmanaged namespace still exists" test -e "/run/netns/$THEIRS"
is "$(theirs_dump)" "$theirs_before" "its links are untouched (no eth0 added)"
check "no state record was written for it" test ! -e "/run/netnsctl/$THEIRS.state"
is "$(snapshot)" "$host_before" "the host is untouched (no veth end left behind)"
rm -f "$CFG/$THEIRS.conf"

# down --force removes it.
try nx down --force "$THEIRS"
is "$RC" 0 "netnsctl down --force of the unmanaged namespace exits 0"
check "it is gone from /run/netns" test ! -e "/run/netns/$THEIRS"
check_fails "ip netns list no longer shows it" in_ip_netns_list "$THEIRS"
try nx list --json
is "$(json_get "$OUT" "$THEIRS" name)" "missing" "netnsctl list --json no longer lists it"

# ---- deleted behind netnsctl's back ------------------------------------------------
run ip netns del "$MINE"
check "ip netns del removed the netnsctl namespace" test ! -e "/run/netns/$MINE"
try nx up "$MINE"
is "$RC" 0 "netnsctl up after 'ip netns del' exits 0"
is "$OUT" "$MINE: created" "and re-creates the namespace"
like "$(inns mine ip -o addr show dev eth0)" "inet 10\.78\.0\.2/24" "eth0 is back inside"
try nx down "$MINE"
is "$RC" 0 "netnsctl down of it exits 0"
check "no state record is left" test ! -e "/run/netnsctl/$MINE.state"
check "no veth end is left on the host" bash -c "[ -z \"\$(ip -n '$HOST' -o link show type veth)\" ]"

done_testing
