#!/usr/bin/env bash
# Differential test (issue 11): netnsctl's CNI mode against Debian's
# reference plugins (containernetworking-plugins, /usr/lib/cni), given the
# same intent, compared by the state they leave in the container namespace
# and on the host. Where we differ on purpose, the test says so and
# docs/CNI.md explains why.
#
#   $HOST (throwaway "host": both plugins run here)
#   +------------------------------------------------------------------------+
#   |  hdA ==veth== hdA-lan   "NIC" for host-device       (MTU 1400)         |
#   |  hdB ==veth== hdB-lan   "NIC" for netnsctl physical (MTU 1400)         |
#   |  par0 ==veth== par0-lan macvlan parent for both                        |
#   +------------------------------------------------------------------------+
#   $P"ra": reference plugin's container     $P"ou": netnsctl's container
#     eth0 (was hdA) 192.168.42.5/24           eth0 (was hdB) 192.168.42.5/24
#     net1 macvlan of par0 192.168.43.5/24     net1 macvlan of par0 192.168.43.6/24
#
# The reference plugins get their addresses from the static IPAM plugin;
# netnsctl from its own keys. Compared: links (name, kind, macvlan mode,
# MTU, up), global addresses, routes (without the protocol field), and
# after DEL the device back on the host (name, MTU, up) and the container
# namespace left empty.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/t40_cni_lib.sh"

cni_setup
for t in jq python3 /usr/lib/cni/host-device /usr/lib/cni/macvlan /usr/lib/cni/static; do
	command -v "$t" >/dev/null || {
		skip "differential tests" "$t missing (apt-get install containernetworking-plugins jq python3)"
		done_testing
		exit 0
	}
done
for n in ra ou; do ip netns add "$P$n"; done
for n in hdA hdB; do
	fake_nic "$n"
	ip -n "$HOST" link set "$n" mtu 1400
done
fake_nic par0
ip -n "$HOST" link set par0 up

# refcni PLUGIN CMD CONTAINERID NETNS IFNAME <CONFIG: a reference plugin,
# called like cni() calls ours. Sets OUT and RC.
refcni() {
	local plugin=$1 cmd=$2 id=$3 ns=$4 ifn=$5
	echo "# + CNI_COMMAND=$cmd CNI_CONTAINERID=$id CNI_NETNS=$ns CNI_IFNAME=$ifn /usr/lib/cni/$plugin" >&2
	RC=0
	OUT=$(nsenter --net="/run/netns/$HOST" env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_NETNS="$ns" \
		CNI_IFNAME="$ifn" CNI_PATH=/usr/lib/cni "/usr/lib/cni/$plugin" 2>"$CNI_TMP/stderr") || RC=$?
}

# norm NETNS: the container namespace as compared. Kernel-chosen values
# (MACs, ifindexes) and the route protocol are left out.
norm() {
	ip -n "$1" -j -d link show | jq -r '.[] | select(.ifname != "lo") |
		"link \(.ifname) kind=\(.linkinfo.info_kind // "device") mode=\(.linkinfo.info_data.mode // "-") mtu=\(.mtu) up=\(.flags | index("UP") != null)"' | sort
	ip -n "$1" -j addr show scope global | jq -r '.[] | .ifname as $i | .addr_info[] | select(.local) | "addr \($i) \(.local)/\(.prefixlen)"' | sort
	ip -n "$1" route show | sed -E 's/ proto [a-z]+//; s/ linkdown//; s/ +$//; s/^/route /' | sort
}
# host_dev NAME: a returned device as compared (its name is the lookup).
host_dev() { ip -n "$HOST" -j link show "$1" | jq -r '.[0] | "mtu=\(.mtu) up=\(.flags | index("UP") != null)"'; }

# ---- physical NIC: host-device vs Kind=physical ---------------------------------
REF_HD='{"cniVersion":"1.0.0","name":"hd42","type":"host-device","device":"hdA",
 "ipam":{"type":"static","addresses":[{"address":"192.168.42.5/24","gateway":"192.168.42.1"}],"routes":[{"dst":"0.0.0.0/0"}]}}'
OUR_HD='{"cniVersion":"1.0.0","name":"hd42","type":"netnsctl",
 "links":[{"kind":"physical","device":"hdB","address":["192.168.42.5/24"],"gateway":["192.168.42.1"]}]}'
MAC_A=$(live_mac "$HOST" hdA)
MAC_B=$(live_mac "$HOST" hdB)
refcni host-device ADD r1 "/run/netns/${P}ra" eth0 <<<"$REF_HD"
is "$RC" 0 "host-device: ADD"
check "host-device: its result passes the schema check too" spec_check result 1.0.0
cni ADD o1 "/run/netns/${P}ou" eth0 <<<"$OUR_HD"
is "$RC" 0 "physical: ADD"
check "physical: result schema" spec_check result 1.0.0
echo "# reference:"; norm "${P}ra" | sed 's/^/#   /'
echo "# netnsctl:";  norm "${P}ou" | sed 's/^/#   /'
is "$(norm "${P}ou")" "$(norm "${P}ra")" "physical vs host-device: same links, addresses and routes inside"
like "$(norm "${P}ou")" "link eth0 kind=veth mode=- mtu=1400 up=true" "both: the NIC is eth0 inside, up, MTU kept"
is "$(live_mac "${P}ra" eth0) $(live_mac "${P}ou" eth0)" "$MAC_A $MAC_B" "both: the NIC keeps its MAC"
# Deliberate differences (docs/CNI.md, "Differences from the reference plugins").
like "$(ip -n "${P}ra" -o addr show dev eth0)" "brd 192\.168\.42\.255" "differs: host-device sets the IPv4 broadcast address"
check_fails "differs: netnsctl does not (same as 'ip addr add' without brd)" bash -c "ip -n '${P}ou' -o addr show dev eth0 | grep -q brd"
like "$(ip -n "${P}ou" route show default)" "proto static" "differs: netnsctl's routes carry proto static (its marker)"
is "$(ip -n "${P}ra" -j link show lo | jq -r '.[0].operstate') $(ip -n "${P}ou" -j link show lo | jq -r '.[0].operstate')" \
	"DOWN UNKNOWN" "differs: netnsctl brings lo up (loopback: true is the default)"

refcni host-device DEL r1 "/run/netns/${P}ra" eth0 <<<"$REF_HD"
is "$RC" 0 "host-device: DEL"
cni DEL o1 "/run/netns/${P}ou" eth0 <<<"$OUR_HD"
is "$RC" 0 "physical: DEL"
is "$(host_dev hdB)" "$(host_dev hdA)" "after DEL: both devices back on the host under their names, same MTU and state"
is "$(host_dev hdB)" "mtu=1400 up=false" "after DEL: MTU 1400 and down, as before"
is "$(ip -n "$HOST" -j link show hdA | jq -r '.[0].ifalias // ""')" "hdA" "differs: host-device leaves its alias on the device"
is "$(ip -n "$HOST" -j link show hdB | jq -r '.[0].ifalias // ""')" "" "netnsctl restores the original (empty) alias"
is "$(norm "${P}ou")" "$(norm "${P}ra")" "after DEL: both container namespaces equally empty"

# A MAC and MTU set for the container come back as they were; host-device
# cannot set them at all.
cni ADD o2 "/run/netns/${P}ou" eth0 <<<"$(jq -c '.links[0] += {"macAddress":"02:00:00:42:00:05","mtu":1300}' <<<"$OUR_HD")"
is "$RC $(live_mac "${P}ou" eth0)" "0 02:00:00:42:00:05" "physical with macAddress and mtu: set inside"
cni DEL o2 "/run/netns/${P}ou" eth0 <<<"$OUR_HD"
is "$RC $(live_mac "$HOST" hdB) $(host_dev hdB)" "0 $MAC_B mtu=1400 up=false" "physical: DEL restores the original MAC and MTU"

# ---- macvlan: macvlan plugin vs Kind=macvlan ------------------------------------
REF_MV='{"cniVersion":"1.0.0","name":"mv42","type":"macvlan","master":"par0","mode":"bridge",
 "ipam":{"type":"static","addresses":[{"address":"192.168.43.5/24","gateway":"192.168.43.1"}],"routes":[{"dst":"0.0.0.0/0"}]}}'
OUR_MV='{"cniVersion":"1.0.0","name":"mv42","type":"netnsctl",
 "links":[{"kind":"macvlan","device":"par0","mode":"bridge","address":["192.168.43.6/24"],"gateway":["192.168.43.1"]}]}'
refcni macvlan ADD r3 "/run/netns/${P}ra" net1 <<<"$REF_MV"
is "$RC" 0 "macvlan plugin: ADD"
check "macvlan plugin: its result passes the schema check" spec_check result 1.0.0
cni ADD o3 "/run/netns/${P}ou" net1 <<<"$OUR_MV"
is "$RC" 0 "Kind=macvlan: ADD"
check "Kind=macvlan: result schema" spec_check result 1.0.0
is "$(norm "${P}ou" | sed 's/192\.168\.43\.6/192.168.43.X/')" "$(norm "${P}ra" | sed 's/192\.168\.43\.5/192.168.43.X/')" \
	"macvlan vs macvlan plugin: same links, addresses and routes inside (but for the address)"
like "$(norm "${P}ou")" "link net1 kind=macvlan mode=bridge mtu=1500 up=true" "both: net1 is a macvlan in bridge mode, up"
check "the two macvlans reach each other over par0" quiet nsenter --net="/run/netns/${P}ra" ping -q -c1 -W2 192.168.43.6
refcni macvlan DEL r3 "/run/netns/${P}ra" net1 <<<"$REF_MV"
is "$RC" 0 "macvlan plugin: DEL"
cni DEL o3 "/run/netns/${P}ou" net1 <<<"$OUR_MV"
is "$RC" 0 "Kind=macvlan: DEL"
is "$(norm "${P}ra")" "" "macvlan plugin: DEL leaves the container namespace empty"
# apply_down does not yet delete links it created inside an external
# namespace (they die with a namespace netnsctl deletes, but a runtime's
# outlives the attachment): reported to the lead, left failing until fixed.
is "$(norm "${P}ou")" "" "Kind=macvlan: DEL leaves the container namespace empty, as the macvlan plugin does"
done_testing
