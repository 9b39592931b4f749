#!/usr/bin/env bash
# t14: `list --json` and `status --json` parse and match the kernel.
#
#   +---------------- $HOST (throwaway "host") ----------------+
#   |  ve-<j1>  10.79.0.1/24            ve-<j1>-1 (no address)  |
#   +-----|-------------------------------------|--------------+
#         | veth                                | veth
#   +-----|------------ $P j1 (netnsctl up) ----|--------------+
#   |  eth0 10.79.0.2/24 fd79::2/64 mtu 1400   inner1 10.79.1.2/24
#   |  default via 10.79.0.1, 198.51.100.0/24 via 10.79.0.1     |
#   +-----------------------------------------------------------+
#   $P j2: configured (Join=web-app), never brought up
#   $P j3: made by `ip netns add`: veth vA 10.80.0.1/24 <-> vB, a host route
#          and an unreachable route
#
# Proves: `list --json`, `status --json NAME` and `status --json` (all)
# are valid JSON to python3's json module and to jq, carry the documented
# fields with the documented types (name, managed, configured, state, links,
# joins, interfaces[*].name/kind/state/mtu/addresses,
# routes[*].destination/gateway/device), and that the values equal what
# `ip -j` reports for the same namespace. Strings with quotes, backslashes,
# tabs and UTF-8 survive the round trip.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t14.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT

try() {
	echo "# + $*" >&2
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
nx() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
# py EXPR JSON [ARGS]: evaluate a python expression over parsed JSON `j`;
# prints the result as JSON, or "ERROR: ..." if anything is off.
py() {
	python3 -c 'import json, sys
try:
    j = json.loads(sys.argv[2]); a = sys.argv[3:]
    print(json.dumps(eval(sys.argv[1]), sort_keys=True))
except Exception as ex:
    print("ERROR: %r" % ex)' "$@"
}

# jqok FILTER: jq parses stdin and FILTER holds.
jqok() { jq -e "$1" >/dev/null; }

# oracle NETNS: interfaces and routes as iproute2 sees them, normalised.
oracle() {
	python3 - "$(ip -n "$1" -d -j addr show)" "$(ip -n "$1" -4 -j route show table main)" \
		"$(ip -n "$1" -6 -j route show table main)" <<'PY'
import json, sys
addrs, r4, r6 = (json.loads(a) for a in sys.argv[1:])
ifs = []
for l in addrs:
    kind = "loopback" if "LOOPBACK" in l["flags"] else l.get("linkinfo", {}).get("info_kind", "device")
    ifs.append({"name": l["ifname"], "kind": kind, "state": "up" if "UP" in l["flags"] else "down",
                "mtu": l["mtu"],
                "addresses": sorted(f'{a["local"]}/{a["prefixlen"]}' for a in l.get("addr_info", []))})
routes = []
for fam, rs in (("ipv4", r4), ("ipv6", r6)):
    for r in rs:
        if r.get("type", "unicast") != "unicast":
            continue
        d = r["dst"]
        if d != "default" and "/" not in d:
            d += "/32" if fam == "ipv4" else "/128"
        routes.append([fam, d, r.get("gateway"), r.get("dev")])
print(json.dumps({"interfaces": sorted(ifs, key=lambda i: i["name"]), "routes": sorted(routes, key=str)}, sort_keys=True))
PY
}
# ours JSON [stable]: the same normalised view of one `status --json`
# object. With "stable", IPv6 link-local addresses and routes, which the
# kernel adds on its own a moment after a link comes up, are left out, so
# that two outputs taken at different times can be compared.
ours() {
	python3 -c 'import json, sys
s = json.loads(sys.argv[1]); stable = sys.argv[2:] == ["stable"]
ll = lambda a: stable and a.startswith("fe80")
ifs = [{"name": i["name"], "kind": i["kind"], "state": i["state"], "mtu": i["mtu"],
        "addresses": sorted(a for a in i["addresses"] if not ll(a))} for i in s["interfaces"]]
routes = [[r["family"], r["destination"], r["gateway"], r["device"]] for r in s["routes"] if not ll(r["destination"])]
print(json.dumps({"interfaces": sorted(ifs, key=lambda i: i["name"]), "routes": sorted(routes, key=str)}, sort_keys=True))' "$@"
}
# compare_live NAME DESC: status --json NAME against the oracle. The kernel
# adds IPv6 link-local addresses on its own once a link has carrier, so the
# oracle is read before and after; only a pair that agrees is used.
compare_live() {
	local name=$1 desc=$2 o1 o2 s tries=0
	while :; do
		o1=$(oracle "$name")
		s=$(nx status --json "$name")
		o2=$(oracle "$name")
		[ "$o1" = "$o2" ] && break
		tries=$((tries + 1))
		[ $tries -ge 50 ] && break
		sleep 0.1
	done
	is "$(ours "$s")" "$o1" "$desc"
}

DESC='say "hi" \ back	tab caf'$'\xc3\xa9'
conf j1 <<CONF
[Namespace]
Description=$DESC

[Link]
Kind=veth
Address=10.79.0.2/24
Address=fd79::2/64
Gateway=10.79.0.1
HostAddress=10.79.0.1/24
MTU=1400

[Link]
Kind=veth
Name=inner1
Address=10.79.1.2/24

[Route]
Destination=198.51.100.0/24
Gateway=10.79.0.1
CONF
conf j2 <<'CONF'
[Namespace]
Description=never up
[Service]
Join=web-app
CONF
try nx up "${P}j1"
is "$RC" 0 "up ${P}j1"
run ip netns add "${P}j3"
run ip -n "${P}j3" link add vA type veth peer name vB
run ip -n "${P}j3" addr add 10.80.0.1/24 dev vA
run ip -n "${P}j3" link set vA up
run ip -n "${P}j3" route add 10.80.5.5 dev vA
run ip -n "${P}j3" route add unreachable 10.81.0.0/16

# ---- list --json ----------------------------------------------------------------------
try nx list --json
is "$RC" 0 "list --json exits 0"
is "$(grep -F -- "$P" <<<"$ERR" || true)" "" "list --json reports no error about this test's namespaces"
check "list --json is valid JSON to jq" jqok 'type == "array"' <<<"$OUT"
is "$(py 'type(j).__name__' "$OUT")" '"list"' "list --json parses with python3 as an array"
is "$(py '[x["name"] for x in j if x["name"].startswith(a[0])]' "$OUT" "$P")" \
	"$(py 'sorted(j)' "$(printf '["%s","%s","%s","%s"]' "$HOST" "${P}j1" "${P}j2" "${P}j3")")" \
	"list --json lists exactly the test's namespaces and configs, sorted"
is "$(py 'sorted({k for x in j for k in ("name","managed","configured","state","links","joins") if k not in x})' "$OUT")" "[]" \
	"every entry has name, managed, configured, state, links, joins"
is "$(py 'sorted({type(x["name"]).__name__ + type(x["managed"]).__name__ + type(x["configured"]).__name__ + type(x["state"]).__name__ + type(x["links"]).__name__ + type(x["joins"]).__name__ for x in j})' "$OUT")" \
	'["strboolboolstrintlist"]' "field types: string, bool, bool, string, int, array"
entry() { py '[[x["managed"], x["configured"], x["state"], x["links"], x["joins"]] for x in j if x["name"] == a[0]]' "$OUT" "$1"; }
is "$(entry "${P}j1")" '[[true, true, "up", 2, []]]' "j1: managed, configured, up, 2 links, no joins"
is "$(entry "${P}j2")" '[[false, true, "down", 0, ["web-app.service"]]]' "j2: configured, down, joins web-app.service"
is "$(entry "${P}j3")" '[[false, false, "up", 2, []]]' "j3 (ip netns add): unmanaged, unconfigured, up, 2 links"
is "$(entry "$HOST")" '[[false, false, "up", 2, []]]' "the test's host namespace: unmanaged, up, 2 links (j1's host ends)"
# Other tests run at the same time: compare only this test's entries.
try nx list --json=pretty
is "$(py '[x for x in j if x["name"].startswith(a[0])]' "$OUT" "$P")" \
	"$(py '[x for x in j if x["name"].startswith(a[0])]' "$(nx list --json)" "$P")" \
	"list --json=pretty parses to the same value"

# ---- status --json NAME ------------------------------------------------------------------
try nx status --json "${P}j1"
is "$RC" 0 "status --json j1 exits 0"
S1=$OUT
check "status --json j1 is valid JSON to jq" jqok 'type == "object"' <<<"$S1"
is "$(py '[j["name"], j["managed"], j["configured"], j["state"], j["links"], j["joins"]]' "$S1")" \
	"[\"${P}j1\", true, true, \"up\", 2, []]" "status --json j1: the common fields"
is "$(py 'j["description"]' "$S1")" "$(py 'a[0]' '0' "$DESC")" "description with quotes, backslash, tab and UTF-8 round-trips"
is "$(py 'sorted({k for i in j["interfaces"] for k in ("name","kind","state","mtu","addresses") if k not in i})' "$S1")" "[]" \
	"every interface has name, kind, state, mtu, addresses"
is "$(py 'sorted({type(i["mtu"]).__name__ + type(i["addresses"]).__name__ for i in j["interfaces"]})' "$S1")" '["intlist"]' \
	"mtu is a number, addresses an array"
is "$(py 'sorted({k for r in j["routes"] for k in ("destination","gateway","device") if k not in r})' "$S1")" "[]" \
	"every route has destination, gateway, device"
is "$(py '[[i["kind"], i["mtu"]] for i in j["interfaces"] if i["name"] == "eth0"]' "$S1")" '[["veth", 1400]]' \
	"eth0 is a veth with the configured MTU"
is "$(py '[sorted(a for a in i["addresses"] if not a.startswith("fe80")) for i in j["interfaces"] if i["name"] == "eth0"]' "$S1")" \
	'[["10.79.0.2/24", "fd79::2/64"]]' "eth0 carries the configured addresses"
is "$(py '[[r["destination"], r["gateway"], r["device"]] for r in j["routes"] if r["gateway"]]' "$S1")" \
	'[["default", "10.79.0.1", "eth0"], ["198.51.100.0/24", "10.79.0.1", "eth0"]]' \
	"the gateway routes: default and [Route], both via 10.79.0.1 on eth0"
compare_live "${P}j1" "status --json j1: interfaces and routes equal ip -j's view"
try nx status --json=pretty "${P}j1"
is "$(ours "$OUT" stable)" "$(ours "$S1" stable)" "status --json=pretty parses to the same value"

try nx status --json "${P}j2"
is "$RC" 0 "status --json of a configured, down namespace exits 0"
is "$(py '[j["state"], j["managed"], j["configured"], j["joins"], j["interfaces"], j["routes"], j["description"]]' "$OUT")" \
	'["down", false, true, ["web-app.service"], [], [], "never up"]' "status --json j2: down, no interfaces or routes"

try nx status --json "${P}j3"
is "$RC" 0 "status --json of an ip-netns namespace exits 0"
is "$(py '[j["managed"], j["configured"], j["state"]]' "$OUT")" '[false, false, "up"]' "status --json j3: unmanaged, up"
compare_live "${P}j3" "status --json j3: interfaces and routes equal ip -j's view (unreachable route left out)"
is "$(py '[r["destination"] for r in j["routes"] if r["device"] == "vA" and r["destination"].startswith("10.80.5")]' "$OUT")" \
	'["10.80.5.5/32"]' "a host route is shown with its /32"

try nx status --json "${P}nosuch"
is "$RC" 1 "status --json of an unknown name exits 1"
is "$OUT" "" "and prints no JSON"

# ---- status --json (all) ---------------------------------------------------------------
try nx status --json
is "$RC" 0 "status --json (all) exits 0"
is "$(grep -F -- "$P" <<<"$ERR" || true)" "" "status --json (all) reports no error about this test's namespaces"
check "status --json (all) is valid JSON to jq" jqok 'type == "array"' <<<"$OUT"
ALL=$OUT
is "$(py 'sorted(x["name"] for x in j if x["name"].startswith(a[0]))' "$ALL" "$P")" \
	"$(py 'sorted(j)' "$(printf '["%s","%s","%s","%s"]' "$HOST" "${P}j1" "${P}j2" "${P}j3")")" \
	"status --json (all) covers every namespace and config of the test"
is "$(py 'sorted({k for x in j for k in ("name","managed","configured","state","links","joins","interfaces","routes") if k not in x})' "$ALL")" "[]" \
	"every entry of status --json (all) has the full set of fields"
is "$(ours "$(py '[x for x in j if x["name"] == a[0]][0]' "$ALL" "${P}j1")" stable)" "$(ours "$S1" stable)" \
	"the j1 entry of status --json (all) equals status --json j1"
is "$(py '[[x["state"], x["joins"]] for x in j if x["name"] == a[0]]' "$ALL" "${P}j2")" '[["down", ["web-app.service"]]]' \
	"the j2 entry of status --json (all) shows it down, with its join"

try nx down "${P}j1"
is "$RC" 0 "down j1"
done_testing
