#!/usr/bin/env bash
# CNI plugin mode against the spec (issue 11), driven the way a runtime
# drives a plugin: environment set per call, network config on stdin, the
# result on stdout checked against the spec's schema (t40_cni_lib.sh).
#
#   $HOST (throwaway "host": the runtime runs the plugin here)
#   +----------------------------------------------------------------------+
#   |  nic0 ==veth== nic0-lan     nic0 plays a physical NIC               |
#   |  ve-cni-c1-eth0 10.41.1.1/24 (veth host end, made by the plugin)    |
#   +-----------|----------------------------------------------------------+
#   $P"c1" (the container's namespace, made by the "runtime", not by us)
#   |  eth0  (was nic0)  192.168.41.5/24, default via 192.168.41.1        |
#   |  mgmt0 10.41.1.2/24, route 10.41.128.0/17 via 10.41.1.1            |
#   +----------------------------------------------------------------------+
#   $P"c3": an "earlier plugin" made eth0 there; we chain net1 after it.
#
# Proves: VERSION; ADD applies and returns a schema-valid result whose
# names, MACs and addresses are the kernel's; CHECK passes, then fails
# naming the JSON path once something is removed; DEL restores the host
# exactly, twice in a row, without CNI_NETNS, and after the namespace is
# gone; errors are the spec's error object with the spec's codes and name
# the JSON path; a failed ADD leaves nothing behind; CNI_ARGS IP/MAC;
# prevResult chaining; 0.4.0 results; GC and STATUS (1.1.0).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/t40_cni_lib.sh"

cni_setup
for t in jq python3; do
	command -v "$t" >/dev/null || { not_ok "$t is missing (tools/install-deps.sh)"; done_testing; exit 1; }
done
C1=/run/netns/${P}c1
ip netns add "${P}c1"
fake_nic nic0
# What the kernel does to nic0-lan the first time its peer comes up (a
# link-local address, the ff00::/8 route) is not ours to undo: no
# link-local address, and one up/down of nic0 before the baseline.
ip -n "$HOST" link set nic0-lan addrgenmode none
ip -n "$HOST" link set nic0 up
for _ in $(seq 50); do ip -n "$HOST" -6 route show table all | grep -q "ff00::/8 dev nic0-lan" && break; sleep 0.1; done
ip -n "$HOST" link set nic0 down
# snap: the harness snapshot without the qdisc, which the kernel resets when
# a device changes namespace (noqueue -> noop).
snap() { snapshot | sed -E 's/ qdisc [a-z_]+//'; }
BEFORE=$(snap)

CONF1='{"cniVersion":"1.0.0","name":"lan41","type":"netnsctl",
 "links":[{"kind":"physical","device":"nic0","address":["192.168.41.5/24"],"gateway":["192.168.41.1"]},
          {"kind":"veth","name":"mgmt0","address":"10.41.1.2/24","hostAddress":"10.41.1.1/24"}],
 "routes":[{"destination":"10.41.128.0/17","gateway":"10.41.1.1"}],
 "dns":{"nameservers":["192.168.41.1"],"search":["lan"]}}'

# ---- VERSION ------------------------------------------------------------------
cni VERSION "" "" "" <<<'{"cniVersion":"1.0.0"}'
is "$RC" 0 "VERSION: exit 0"
check "VERSION: matches the spec's shape and lists 1.0.0" spec_check version 1.0.0
is "$(jget '.supportedVersions | join(" ")')" "0.3.0 0.3.1 0.4.0 1.0.0 1.1.0" "VERSION: supported versions"
cni VERSION "" "" "" </dev/null
is "$RC/$(jget .cniVersion)" "0/1.0.0" "VERSION: empty stdin is answered too"

# ---- ADD ----------------------------------------------------------------------
cni ADD c1 "$C1" eth0 <<<"$CONF1"
is "$RC" 0 "ADD: exit 0"
RESULT=$OUT
check "ADD: the result matches the spec's schema" spec_check result 1.0.0
is "$(jget '[.interfaces[] | .name + "@" + (.sandbox // "host")] | join(" ")')" \
	"eth0@$C1 ve-cni-c1-eth0@host mgmt0@$C1" "ADD: interfaces: eth0, then the veth's host end and inside end"
is "$(jget '.interfaces[0].mac')" "$(live_mac "${P}c1" eth0)" "ADD: eth0's MAC is the kernel's"
is "$(jget '.interfaces[1].mac')" "$(live_mac "$HOST" ve-cni-c1-eth0)" "ADD: the host end's MAC is the kernel's"
is "$(jget '[.ips[] | "\(.address) \(.interface) \(.gateway // "-")"] | join(", ")')" \
	"192.168.41.5/24 0 192.168.41.1, 10.41.1.2/24 2 -" "ADD: ips point at the sandbox interfaces"
is "$(jget '[.routes[] | "\(.dst) \(.gw)"] | join(", ")')" "0.0.0.0/0 192.168.41.1, 10.41.128.0/17 10.41.1.1" "ADD: routes"
is "$(jget '.dns | "\(.nameservers | join(" ")) / \(.search | join(" "))"')" "192.168.41.1 / lan" "ADD: dns"
is "$(live_addrs "${P}c1" eth0)" "192.168.41.5/24" "ADD: nic0 is eth0 inside with its address"
is "$(live_addrs "${P}c1" mgmt0)" "10.41.1.2/24" "ADD: mgmt0 inside"
like "$(ip -n "${P}c1" route show default)" "via 192\.168\.41\.1 dev eth0" "ADD: default route inside"
like "$(ip -n "${P}c1" route show 10.41.128.0/17)" "via 10\.41\.1\.1 dev mgmt0" "ADD: extra route inside"
check_fails "ADD: nic0 left the host" quiet ip -n "$HOST" link show nic0
check "ADD: the host reaches the container over the veth" quiet hostx ping -q -c1 -W2 10.41.1.2
check "ADD: no /etc/netns files for an attachment (the runtime writes resolv.conf)" test ! -e /etc/netns/cni-c1-eth0

# ---- CHECK --------------------------------------------------------------------
CONF1P=$(jq -c --argjson r "$RESULT" '. + {prevResult: $r}' <<<"$CONF1")
cni CHECK c1 "$C1" eth0 <<<"$CONF1P"
is "$RC/$OUT" "0/" "CHECK: exit 0, no output, when everything is in place"
run ip -n "${P}c1" addr del 10.41.1.2/24 dev mgmt0
cni CHECK c1 "$C1" eth0 <<<"$CONF1P"
is "$RC/$(jget .code)" "1/101" "CHECK: a missing address fails with code 101"
like "$(jget .msg)" "^links\[1\]\.address: address 10\.41\.1\.2/24 is missing on 'mgmt0'" "CHECK: names the JSON path"
check "CHECK: the error matches the spec's schema" spec_check error 1.0.0
cni ADD c1 "$C1" eth0 <<<"$CONF1"
is "$RC/$(live_addrs "${P}c1" mgmt0)" "0/10.41.1.2/24" "ADD again reconciles (the address is back)"
cni CHECK c1 "$C1" eth0 <<<"$CONF1P"
is "$RC" 0 "CHECK passes again"
cni CHECK c2 "$C1" eth0 <<<"$CONF1P"
is "$RC/$(jget .code)" "1/101" "CHECK of an attachment that was never added fails"

# ---- DEL ----------------------------------------------------------------------
cni DEL c1 "$C1" eth0 <<<"$CONF1P"
is "$RC/$OUT" "0/" "DEL: exit 0, no output"
is "$(snap)" "$BEFORE" "DEL: the host is as before (nic0 back under its name, host end gone)"
is "$(ip -n "${P}c1" -o link show | grep -cv ': lo:')" 0 "DEL: nothing of ours left in the container namespace"
is "$(find "$STATE" -type f ! -name lock | wc -l)" 0 "DEL: no state or attachment record left"
cni DEL c1 "$C1" eth0 <<<"$CONF1P"
is "$RC/$OUT" "0/" "DEL twice: still exit 0"
cni DEL c1 "" eth0 <<<"$CONF1"
is "$RC" 0 "DEL without CNI_NETNS: exit 0"
cni DEL c1 "$C1" eth0 <<<'{"cniVersion":"1.0.0","name":"lan41","type":"netnsctl","links":[{"kind":"bogus"}]}'
is "$RC" 0 "DEL does not validate what it does not need"

# DEL after the runtime deleted the namespace (no physical NIC here: the
# kernel would hand that to the machine's root namespace).
CONF2='{"cniVersion":"1.0.0","name":"lan41","type":"netnsctl","links":[{"kind":"veth","address":"10.41.2.2/24","hostAddress":"10.41.2.1/24"}]}'
ip netns add "${P}c2"
cni ADD c2 "/run/netns/${P}c2" eth0 <<<"$CONF2"
is "$RC" 0 "ADD c2"
run ip netns del "${P}c2"
cni DEL c2 "/run/netns/${P}c2" eth0 <<<"$CONF2"
is "$RC" 0 "DEL after the namespace is gone: exit 0"
check_fails "DEL after the namespace is gone: host end removed" quiet ip -n "$HOST" link show ve-cni-c2-eth0
is "$(find "$STATE" -type f ! -name lock | wc -l)" 0 "DEL after the namespace is gone: records removed"

# ---- errors -------------------------------------------------------------------
# adds_error DESC CODE MSG-REGEX CONFIG [CONTAINERID NETNS IFNAME ARGS]
adds_error() {
	local desc=$1 code=$2 re=$3 conf=$4
	cni ADD "${5-c1}" "${6-$C1}" "${7-eth0}" "${8-}" <<<"$conf"
	is "$RC/$(jget .code 2>/dev/null)" "1/$code" "$desc: exit 1, code $code"
	like "$(jget .msg 2>/dev/null)" "$re" "$desc: message"
	check "$desc: the spec's error object" spec_check error 1.0.0
}
adds_error "bad JSON" 6 "^network config: line [0-9]+, column" '{"cniVersion":"1.0.0",'
adds_error "unknown key" 2 "^links\[0\]\.adress: unknown key \(did you mean 'address'\?\)" \
	'{"cniVersion":"1.0.0","name":"n","type":"netnsctl","links":[{"kind":"veth","adress":"10.0.0.1/24"}]}'
adds_error "bad value" 7 "^links\[0\]\.address\[1\]: invalid address '10\.0\.0\.2/33'" \
	'{"cniVersion":"1.0.0","name":"n","type":"netnsctl","links":[{"kind":"veth","address":["10.0.0.1/24","10.0.0.2/33"]}]}'
adds_error "missing key" 7 "^links\[0\]\.kind: kind=physical needs device=" \
	'{"cniVersion":"1.0.0","name":"n","type":"netnsctl","links":[{"kind":"physical"}]}'
adds_error "unsupported version" 1 "cniVersion: '0\.2\.0' is not supported" '{"cniVersion":"0.2.0","name":"n","type":"netnsctl"}'
adds_error "missing CNI_IFNAME" 4 "CNI_IFNAME is not set" "$CONF2" c1 "$C1" ""
adds_error "unknown CNI_ARGS" 4 "CNI_ARGS: unknown key 'K8S_POD_NAME'" "$CONF2" c1 "$C1" eth0 "K8S_POD_NAME=x"
adds_error "no such namespace" 3 "CNI_NETNS /run/netns/${P}nope" "$CONF2" c1 "/run/netns/${P}nope"
adds_error "no such device" 7 "^links\[0\]\.device: .*'nope0' does not exist" \
	'{"cniVersion":"1.0.0","name":"n","type":"netnsctl","links":[{"kind":"physical","device":"nope0"}]}'
# The kernel refuses the second link after nic0 moved in: all undone.
adds_error "kernel refusal" 100 "^links\[1\]: .*creating macvlan 'mv1' on 'lo'" \
	'{"cniVersion":"1.0.0","name":"n","type":"netnsctl","links":[{"kind":"physical","device":"nic0"},{"kind":"macvlan","name":"mv1","device":"lo"}]}'
is "$(snap)" "$BEFORE" "failed ADDs: the host is as before (nic0 returned)"
is "$(find "$STATE" -type f ! -name lock | wc -l)" 0 "failed ADDs: no records"
RC=0; OUT=$(echo '{}' | nsenter --net="/run/netns/$HOST" env -u CNI_COMMAND "$PLUGIN" 2>/dev/null) || RC=$?
is "$RC/$(jget .code)" "1/4" "netnsctl-cni without CNI_COMMAND: code 4"

# ---- CNI_ARGS: static IP and MAC (as podman sends them) ------------------------
ip netns add "${P}c4"
CONF4='{"cniVersion":"1.0.0","name":"lan41","type":"netnsctl","links":[{"kind":"veth","address":["10.41.4.5/24","fd41::5/64"],"hostAddress":"10.41.4.1/24"}]}'
cni ADD c4 "/run/netns/${P}c4" eth0 "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.41.4.9;MAC=02:00:00:41:04:09" <<<"$CONF4"
is "$RC" 0 "CNI_ARGS: ADD"
is "$(live_addrs "${P}c4" eth0 | tr '\n' ' ')" "10.41.4.9/24 fd41::5/64 " "CNI_ARGS: IP= replaces the IPv4 address, keeping its prefix"
is "$(live_mac "${P}c4" eth0)" "02:00:00:41:04:09" "CNI_ARGS: MAC="
is "$(jget '.interfaces[1].mac') $(jget '.ips[0].address')" "02:00:00:41:04:09 fd41::5/64" "CNI_ARGS: the result says so"
cni DEL c4 "/run/netns/${P}c4" eth0 <<<"$CONF4"
is "$RC" 0 "CNI_ARGS: DEL"

# ---- chaining -----------------------------------------------------------------
ip netns add "${P}c3"
C3=/run/netns/${P}c3
run ip -n "$HOST" link add pv3 type veth peer name eth0 netns "${P}c3"
run ip -n "${P}c3" addr add 10.41.3.2/24 dev eth0
run ip -n "${P}c3" link set eth0 up
PREV='{"cniVersion":"1.0.0","interfaces":[{"name":"pv3"},{"name":"eth0","sandbox":"'"$C3"'"}],"ips":[{"address":"10.41.3.2/24","interface":1}],"dns":{"nameservers":["10.41.3.1"]}}'
CONF3='{"cniVersion":"1.0.0","name":"lan41","type":"netnsctl","links":[{"kind":"veth","name":"net1","address":"10.41.5.2/24","hostAddress":"10.41.5.1/24"}],"prevResult":'"$PREV"'}'
cni ADD c3 "$C3" net1 <<<"$CONF3"
is "$RC" 0 "chained ADD"
check "chained ADD: schema" spec_check result 1.0.0
is "$(jget '[.interfaces[].name] | join(" ")')" "pv3 eth0 ve-cni-c3-net1 net1" "chained ADD: prevResult's interfaces first, ours appended"
is "$(jget '[.ips[] | "\(.address)@\(.interface)"] | join(" ")')" "10.41.3.2/24@1 10.41.5.2/24@3" "chained ADD: ips kept, ours indexed after them"
is "$(jget '.dns.nameservers | join(" ")')" "10.41.3.1" "chained ADD: prevResult's dns passes through"
CONF3P=$(jq -c --argjson r "$OUT" '.prevResult = $r' <<<"$CONF3")
cni CHECK c3 "$C3" net1 <<<"$CONF3P"
is "$RC" 0 "chained CHECK passes"
run ip -n "${P}c3" link del eth0
cni CHECK c3 "$C3" net1 <<<"$CONF3P"
like "$RC $(jget .msg)" "^1 prevResult\.interfaces\[1\]: 'eth0' is missing" "chained CHECK: an earlier plugin's interface missing"
cni DEL c3 "$C3" net1 <<<"$CONF3P"
is "$RC" 0 "chained DEL"

# ---- older and newer versions -------------------------------------------------
V04=$(jq -c '.cniVersion = "0.4.0"' <<<"$CONF2")
ip netns add "${P}c5"
cni ADD c5 "/run/netns/${P}c5" eth0 <<<"$V04"
is "$RC" 0 "0.4.0: ADD"
check "0.4.0: the result has that version's shape (ips carry version)" spec_check result 0.4.0
cni CHECK c5 "/run/netns/${P}c5" eth0 <<<"$(jq -c '.cniVersion = "0.3.1"' <<<"$CONF2")"
is "$RC/$(jget .code)" "1/1" "0.3.1: CHECK is refused with code 1"
cni DEL c5 "/run/netns/${P}c5" eth0 <<<"$V04"

GCNET='{"cniVersion":"1.1.0","name":"gc41","type":"netnsctl","links":[{"kind":"veth","address":"10.41.6.2/24"}]}'
for id in g1 g2; do
	ip netns add "${P}$id"
	cni ADD "$id" "/run/netns/${P}$id" eth0 <<<"$GCNET"
	is "$RC" 0 "1.1.0: ADD $id"
done
ip netns add "${P}o1"
cni ADD o1 "/run/netns/${P}o1" eth0 <<<"$(jq -c '.name = "other41"' <<<"$GCNET")"
is "$RC" 0 "1.1.0: ADD o1 in another network"
cni STATUS "" "" "" <<<"$GCNET"
is "$RC/$OUT" "0/" "STATUS: ready"
cni GC "" "" "" <<<"$(jq -c '. + {"cni.dev/valid-attachments":[{"containerID":"g1","ifname":"eth0"}]}' <<<"$GCNET")"
is "$RC" 0 "GC: exit 0"
check "GC: the listed attachment stays" quiet ip -n "$HOST" link show ve-cni-g1-eth0
check_fails "GC: the unlisted one is taken down" quiet ip -n "$HOST" link show ve-cni-g2-eth0
check "GC: another network's attachment stays" quiet ip -n "$HOST" link show ve-cni-o1-eth0
check "GC: its records are gone" test ! -e "$STATE/cni-g2-eth0.state" -a ! -e "$STATE/cni/cni-g2-eth0"
cni DEL g1 "/run/netns/${P}g1" eth0 <<<"$GCNET"
cni DEL o1 "/run/netns/${P}o1" eth0 <<<"$GCNET"
for n in c3 c4 c5 g1 g2 o1; do ip netns del "$P$n"; done
is "$(snap)" "$BEFORE" "the host is as it was at the start"
done_testing
