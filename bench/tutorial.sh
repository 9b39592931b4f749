#!/usr/bin/env bash
# The work of `netnsctl up`/`down` for a one-veth namespace, done the way
# tutorials do it: a shell script of `ip` commands. bench/run.sh times it
# against netnsctl and the raw-netlink floor.
#
#   tutorial.sh [--style exec|ipn|inplace] [--nat] up|down NS HOSTIF NSADDR/P HOSTADDR/P GW
#
#   host namespace                         NS
#   HOSTIF HOSTADDR/P  <---- veth ---->  eth0 NSADDR/P, lo up,
#                                         default via GW (= HOSTADDR)
#
# Styles:
#   exec     the classic tutorial: create the pair on the host, move the peer
#            in with `ip link set ... netns`, configure the inside through
#            `ip netns exec NS ip ...` (default);
#   ipn      the same steps, with `ip -n NS` instead of `ip netns exec`;
#   inplace  `ip -n`, and the peer created directly inside
#            (`peer name eth0 netns NS`), which is what netnsctl does: the
#            best an `ip` script can do.
# --nat adds what tutorials add for outbound NAT: `sysctl -w
# net.ipv4.ip_forward=1` and a masquerade rule for the namespace's address,
# here one `nft -f` batch making a table of its own (cheaper than the usual
# three `nft add` or `iptables -t nat` commands); `down` deletes that table.
# `down` deletes the host end first (the peer goes with it; leaving it to the
# kernel's asynchronous namespace cleanup would keep HOSTIF busy for a while),
# then the namespace.
set -euo pipefail

style="exec"
if [ "${1:-}" = --style ]; then
	style=$2
	shift 2
fi
nat=0
if [ "${1:-}" = --nat ]; then
	nat=1
	shift
fi
[ $# -ge 3 ] || { echo "usage: $0 [--style exec|ipn|inplace] up|down NS HOSTIF [NSADDR HOSTADDR GW]" >&2; exit 2; }
action=$1 ns=$2 hostif=$3

# inside CMD...: an `ip` command run inside NS, in the chosen style.
inside() {
	if [ "$style" = exec ]; then
		ip netns exec "$ns" ip "$@"
	else
		ip -n "$ns" "$@"
	fi
}

case "$action" in
up)
	nsaddr=$4 hostaddr=$5 gw=$6
	ip netns add "$ns"
	if [ "$style" = inplace ]; then
		ip link add "$hostif" type veth peer name eth0 netns "$ns"
	else
		ip link add "$hostif" type veth peer name eth0
		ip link set eth0 netns "$ns"
	fi
	ip addr add "$hostaddr" dev "$hostif"
	ip link set "$hostif" up
	inside link set lo up
	inside addr add "$nsaddr" dev eth0
	inside link set eth0 up
	inside route add default via "$gw"
	if [ "$nat" = 1 ]; then
		sysctl -qw net.ipv4.ip_forward=1
		nft -f - <<-EOF
			table ip nat_$hostif {
				chain post {
					type nat hook postrouting priority srcnat; policy accept;
					ip saddr ${nsaddr%/*} oifname != "$hostif" masquerade
				}
			}
		EOF
	fi
	;;
down)
	[ "$nat" = 1 ] && nft delete table ip "nat_$hostif"
	ip link del "$hostif"
	ip netns del "$ns"
	;;
*)
	echo "$0: unknown action '$action'" >&2
	exit 2
	;;
esac
