#!/usr/bin/env bash
# shellcheck shell=bash
# Shared by the CNI tests (t41-t43), on top of lib.sh: run the plugin the
# way a container runtime does, and check its documents against the CNI
# spec with an independent checker (python3).
#
# Run directly (as tests/run.sh does), it tests that checker: documents the
# spec allows must pass and documents it forbids must fail, so that a lax
# oracle cannot make t41 pass.
#
# The plugin keeps its state records in a private directory
# (NETNSCTL_STATE_DIR=$CNI_TMP/state), so that attachment records named
# cni-CONTAINERID-IFNAME never mix with another run's.

CNI_TMP=""
STATE=""
PLUGIN=""
# OUT and RC are set by cni() and read by the tests that source this file.
# shellcheck disable=SC2034
OUT="" RC=0

# cni_setup: setup_world plus the temp dir, the plugin under its CNI name
# (netnsctl-cni, a symlink to the binary under test) and the cleanup trap.
cni_setup() {
	setup_world
	CNI_TMP=$(mktemp -d /tmp/nct-cni.XXXXXX)
	STATE=$CNI_TMP/state
	mkdir -p "$STATE" "$CNI_TMP/bin"
	ln -s "$NETNSCTL" "$CNI_TMP/bin/netnsctl-cni"
	PLUGIN=$CNI_TMP/bin/netnsctl-cni
	trap cni_teardown EXIT
}

cni_teardown() {
	set +e
	[ -n "${CNI_EXTRA_CLEANUP:-}" ] && $CNI_EXTRA_CLEANUP
	[ -n "$CNI_TMP" ] && rm -rf "$CNI_TMP"
	teardown_world
}

# cni CMD CONTAINERID NETNS IFNAME [CNI_ARGS] <CONFIG: one plugin call from
# the test's host namespace. Sets OUT (stdout) and RC (exit status); stderr
# goes to $CNI_TMP/stderr. An empty value stands for an unset variable.
cni() {
	local cmd=$1 id=$2 ns=$3 ifn=$4 args=${5:-}
	echo "# + CNI_COMMAND=$cmd CNI_CONTAINERID=$id CNI_NETNS=$ns CNI_IFNAME=$ifn${args:+ CNI_ARGS=\"$args\"} netnsctl-cni" >&2
	RC=0
	# shellcheck disable=SC2034
	OUT=$(nsenter --net="/run/netns/$HOST" env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_NETNS="$ns" \
		CNI_IFNAME="$ifn" CNI_ARGS="$args" CNI_PATH=/usr/lib/cni NETNSCTL_STATE_DIR="$STATE" \
		"$PLUGIN" 2>"$CNI_TMP/stderr") || RC=$?
}

# jget FILTER: a jq query on $OUT.
jget() { jq -r "$1" <<<"$OUT"; }

# spec_check KIND VERSION: check $OUT against the spec's schema for KIND
# (result, error or version); prints the problems and fails if any.
spec_check() {
	python3 -c "$SPEC_CHECKER" "$1" "$2" <<<"$OUT"
}
SPEC_CHECKER=$(cat <<'PY'
import ipaddress, json, re, sys

kind, ver = sys.argv[1], sys.argv[2]
errs = []
def need(cond, msg):
    if not cond:
        errs.append(msg)
def vtuple(v):
    return tuple(int(x) for x in v.split("."))
def addr(s, what, cidr):
    try:
        if cidr and "/" not in s:
            raise ValueError
        return ipaddress.ip_interface(s) if cidr else ipaddress.ip_address(s)
    except (ValueError, TypeError):
        errs.append(f"{what}: not an {'address/prefix' if cidr else 'address'}: {s!r}")

try:
    doc = json.loads(sys.stdin.read())
except ValueError as e:
    print(f"# not JSON: {e}")
    sys.exit(1)
need(isinstance(doc, dict), "not an object")
need(isinstance(doc.get("cniVersion"), str), "cniVersion missing")
if kind == "error":
    need(set(doc) <= {"cniVersion", "code", "msg", "details"}, f"unknown keys {set(doc)}")
    need(isinstance(doc.get("code"), int) and doc["code"] > 0, "code must be a positive integer")
    need(isinstance(doc.get("msg"), str) and doc["msg"], "msg must be a non-empty string")
elif kind == "version":
    need(isinstance(doc.get("supportedVersions"), list) and ver in doc["supportedVersions"],
         f"supportedVersions must list {ver}")
else:
    need(doc.get("cniVersion") == ver, f"cniVersion {doc.get('cniVersion')} != {ver}")
    need(set(doc) <= {"cniVersion", "interfaces", "ips", "routes", "dns"}, f"unknown keys {set(doc)}")
    ifs = doc.get("interfaces", [])
    need(isinstance(ifs, list), "interfaces must be a list")
    for i, itf in enumerate(ifs):
        need(isinstance(itf.get("name"), str) and itf["name"], f"interfaces[{i}].name")
        need(set(itf) <= {"name", "mac", "sandbox", "mtu", "socketPath", "pciID"}, f"interfaces[{i}] keys {set(itf)}")
        if "mac" in itf:
            need(re.fullmatch(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}", itf["mac"] or ""), f"interfaces[{i}].mac {itf['mac']!r}")
        if "sandbox" in itf:
            need(isinstance(itf["sandbox"], str) and itf["sandbox"].startswith("/"), f"interfaces[{i}].sandbox")
    for i, ip in enumerate(doc.get("ips", [])):
        need(set(ip) <= {"address", "gateway", "interface", "version"}, f"ips[{i}] keys {set(ip)}")
        a = addr(ip.get("address"), f"ips[{i}].address", True)
        if a and "gateway" in ip:
            g = addr(ip["gateway"], f"ips[{i}].gateway", False)
            need(not g or g.version == a.version, f"ips[{i}].gateway family")
        if "interface" in ip:
            n = ip["interface"]
            need(isinstance(n, int) and 0 <= n < len(ifs), f"ips[{i}].interface {n} out of range")
            need(isinstance(n, int) and 0 <= n < len(ifs) and "sandbox" in ifs[n], f"ips[{i}] must point at a sandbox interface")
        if vtuple(ver) < (1, 0, 0):
            need(a and ip.get("version") == str(a.version), f"ips[{i}].version required before 1.0.0")
        else:
            need("version" not in ip, f"ips[{i}].version is gone in 1.0.0")
    for i, rt in enumerate(doc.get("routes", [])):
        need(set(rt) <= {"dst", "gw", "mtu", "advmss", "priority", "table", "scope"}, f"routes[{i}] keys {set(rt)}")
        d = addr(rt.get("dst"), f"routes[{i}].dst", True)
        if d and "gw" in rt:
            g = addr(rt["gw"], f"routes[{i}].gw", False)
            need(not g or g.version == d.version, f"routes[{i}].gw family")
    dns = doc.get("dns", {})
    need(isinstance(dns, dict) and set(dns) <= {"nameservers", "domain", "search", "options"}, "dns keys")
    for n in dns.get("nameservers", []):
        addr(n, "dns.nameservers", False)
    need(all(isinstance(s, str) for s in dns.get("search", [])), "dns.search must be strings")
for e in errs:
    print("# schema: " + e)
sys.exit(1 if errs else 0)
PY
)

# quiet CMD...: CMD without its output (for check's commands).
quiet() { "$@" >/dev/null 2>&1; }

# live_mac NETNS IFNAME: the MAC the kernel reports.
live_mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
# live_addrs NETNS IFNAME: global addresses as ADDR/PREFIX, sorted.
live_addrs() { ip -n "$1" -j addr show dev "$2" scope global | jq -r '.[0].addr_info[] | select(.local) | "\(.local)/\(.prefixlen)"' | sort; }

# ---- self-test of the schema checker ------------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	source "$(dirname "$0")/lib.sh"
	# accepts KIND VERSION DESC JSON / rejects KIND VERSION DESC JSON
	accepts() { OUT=$4; check "checker accepts: $3" spec_check "$1" "$2"; }
	rejects() { OUT=$4; check_fails "checker rejects: $3" spec_check "$1" "$2"; }
	ok_res='{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"02:00:00:00:00:01","sandbox":"/run/netns/x"}],"ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}],"routes":[{"dst":"0.0.0.0/0","gw":"10.0.0.1"}],"dns":{"nameservers":["10.0.0.1"],"search":["lan"]}}'
	accepts result 1.0.0 "a full 1.0.0 result" "$ok_res"
	accepts result 1.0.0 "a result with no interfaces" '{"cniVersion":"1.0.0","interfaces":[],"ips":[],"dns":{}}'
	accepts result 0.4.0 "a 0.4.0 result with ips version" '{"cniVersion":"0.4.0","interfaces":[{"name":"e","sandbox":"/x"}],"ips":[{"version":"4","address":"10.0.0.2/24","interface":0}]}'
	rejects result 1.0.0 "a wrong cniVersion" "${ok_res/1.0.0/0.4.0}"
	rejects result 0.4.0 "ips without version before 1.0.0" '{"cniVersion":"0.4.0","ips":[{"address":"10.0.0.2/24"}]}'
	rejects result 1.0.0 "ips version in 1.0.0" '{"cniVersion":"1.0.0","ips":[{"version":"4","address":"10.0.0.2/24"}]}'
	rejects result 1.0.0 "an address without prefix" '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2"}]}'
	rejects result 1.0.0 "an interface index out of range" '{"cniVersion":"1.0.0","interfaces":[{"name":"e","sandbox":"/x"}],"ips":[{"address":"10.0.0.2/24","interface":1}]}'
	rejects result 1.0.0 "ips pointing at a host interface" '{"cniVersion":"1.0.0","interfaces":[{"name":"e"}],"ips":[{"address":"10.0.0.2/24","interface":0}]}'
	rejects result 1.0.0 "a gateway of the other family" '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24","gateway":"fe80::1"}]}'
	rejects result 1.0.0 "a MAC of five bytes" '{"cniVersion":"1.0.0","interfaces":[{"name":"e","mac":"02:00:00:00:00"}]}'
	rejects result 1.0.0 "an unknown top-level key" '{"cniVersion":"1.0.0","extra":1}'
	rejects result 1.0.0 "a route without dst" '{"cniVersion":"1.0.0","routes":[{"gw":"10.0.0.1"}]}'
	rejects result 1.0.0 "not JSON" '{"cniVersion":'
	accepts error 1.0.0 "an error object" '{"cniVersion":"1.0.0","code":7,"msg":"links[0]: bad","details":"x"}'
	rejects error 1.0.0 "an error without code" '{"cniVersion":"1.0.0","msg":"x"}'
	rejects error 1.0.0 "an error with an empty msg" '{"cniVersion":"1.0.0","code":7,"msg":""}'
	accepts version 1.0.0 "a VERSION answer" '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'
	rejects version 1.0.0 "a VERSION answer without 1.0.0" '{"cniVersion":"1.0.0","supportedVersions":["0.4.0"]}'
	done_testing
fi
