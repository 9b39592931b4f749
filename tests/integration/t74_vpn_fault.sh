#!/usr/bin/env bash
# Issue 7 with issue 3's fault injection: fail the k-th kernel operation of
# `up` for a WireGuard (wireguard-go) and a TUN link, for every k, and check
# that nothing is left: no namespace, no state, no link in the host, no
# wireguard-go process and no UAPI socket.
#
#   $HOST (test host)                          $P"vf"
#   wireguard-go nwgXXXXXXXX --TUN moved-->     wg0 10.66.0.2/24, default dev wg0
#   ntunXXXXXXXX (persistent) --moved------>    tun0 10.77.0.1/24
#
# Operations counted by the fault build include the start of wireguard-go
# ("wireguard-go"), the UAPI configuration ("uapi") and TUN creation ("tun").
source "$(dirname "$0")/lib.sh"

command -v wireguard-go >/dev/null && command -v wg >/dev/null ||
	{ echo "1..0 # SKIP needs wireguard-go and wg (wireguard-tools)"; exit 0; }
[ -x "$NETNSCTL_FAULT" ] || { setup_world; not_ok "fault build missing at $NETNSCTL_FAULT (make fault)"; done_testing; exit 1; }
setup_world
NS="${P}vf"
# wireguard-go processes (not zombies) started for host-side name $1
wg_procs() {
	local p
	for p in /proc/[0-9]*; do
		[ "$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" = "wireguard-go $1 " ] || continue
		grep -q ') Z ' "$p/stat" 2>/dev/null || echo "${p#/proc/}"
	done
}
settled() {
	for _ in $(seq 50); do
		[ -z "$(wg_procs "$TMP")" ] && [ ! -e "/var/run/wireguard/$TMP.sock" ] && [ "$(snapshot)" = "$baseline" ] && return 0
		sleep 0.1
	done
	return 1
}

(umask 077; wg genkey >"$CFG/client.key"; wg genkey >"$CFG/peer.key")
conf vf <<CONF
[Link]
Kind=wireguard
Name=wg0
Address=10.66.0.2/24
PrivateKeyFile=$CFG/client.key
Implementation=userspace

[WireGuardPeer]
PublicKey=$(wg pubkey <"$CFG/peer.key")
Endpoint=192.0.2.99:51820
AllowedIPs=0.0.0.0/0

[Link]
Kind=tun
Name=tun0
Address=10.77.0.1/24
CONF
baseline=$(snapshot)

NETNSCTL_FAULT_REPORT=1 nctl_fault up "$NS" >/dev/null 2>"$CFG/report" && rc=0 || rc=$?
is "$rc" 0 "up with the fault build and no fault succeeds"
K=$(fault_ops "$CFG/report")
like "${K:-none}" "^[0-9]+$" "the fault build reports its operation count ($K)"
TMP=$(awk '$1 == "process" { print $6 }' "/run/netnsctl/$NS.state")
like "$TMP" "^nwg[0-9a-f]{8}$" "the host-side name of the wireguard-go device ($TMP)"
check "down of the clean run succeeds" nctl down "$NS"
check "the host is back to the baseline" settled

for k in $(seq 1 "${K:-0}"); do
	NETNSCTL_FAULT_AT=$k nctl_fault up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
	err=$(grep -v '^# + ' "$CFG/err" | head -n3 || true)
	why=""
	[ "$rc" -ne 0 ] || why="$why up succeeded;"
	[[ "$err" == *"injected fault at operation $k "* ]] || why="$why fault not reported;"
	settled || why="$why left:$(wg_procs "$TMP" | tr '\n' ' ')$( [ -e "/var/run/wireguard/$TMP.sock" ] && echo " socket")$( [ "$(snapshot)" = "$baseline" ] || echo " host differs");"
	[ ! -e "/run/netns/$NS" ] || why="$why namespace left;"
	[ ! -e "/run/netnsctl/$NS.state" ] || why="$why state record left;"
	if [ -z "$why" ]; then
		ok "up, fault at op $k/$K: fails and leaves nothing"
	else
		not_ok "up, fault at op $k/$K:$why"
		echo "#   $err"
		nctl down "$NS" >/dev/null 2>&1 || nctl down --force "$NS" >/dev/null 2>&1 || true
		for p in $(wg_procs "$TMP"); do kill "$p"; done
	fi
done
done_testing
