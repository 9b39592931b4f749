#!/usr/bin/env bash
# The seed tutorial ("Network Isolation of Services with Systemd"), replayed
# with netnsctl inside throwaway namespaces. Run by `make demo`; needs root.
#
# Topology (each [box] is a network namespace; "==" is a veth pair):
#
#   before up:  [host] enp3s1f0 ================= lan0 192.168.0.1/24 [lan]
#                      (plays the physical NIC)
#
#   after up:   [webserver] enp3s1f0 192.168.0.80/24 == lan0 192.168.0.1/24 [lan]
#               [webserver] mgmt0 10.99.0.2/30 ======= ve-webserver 10.99.0.1/30 [host]
#               socat servers on :8080 in [webserver] ("OK") and in [host] ("Foo")
#
#   after down: as before up; enp3s1f0 back in [host] under its own name.
#
# netnsctl runs "as the host" with `nsenter --net=/run/netns/$HOSTNS`, reads
# its config from a temporary directory and keeps its state record and lock
# in a temporary directory too. Every global name carries the prefix
# ndemo-PID-; a trap removes everything on any exit.
#
# Environment: NETNSCTL (default: build/netnsctl of this checkout).
# Exit status: 0 if every step showed what it claims, 1 otherwise.
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NETNSCTL=${NETNSCTL:-$ROOT/build/netnsctl}
P="ndemo-$$-"
HOSTNS="${P}host"
LANNS="${P}lan"
NS="${P}webserver"
NIC=enp3s1f0
NIC_MAC=""
TMP=""
PIDS=()
STEP=0

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B="" G="" R="" D="" N=""
fi

# ---- narration -----------------------------------------------------------------
step() { STEP=$((STEP + 1)); printf '\n%s== %d. %s%s\n' "$B" "$STEP" "$1" "$N"; }
# shows TEXT: the one-line claim of the step, checked right after.
shows() { printf '%s   what this shows: %s%s\n' "$D" "$1" "$N"; }
pass() { printf '%s   ok%s\n' "$G" "$N"; }
fail() {
	printf '%s   FAILED: %s%s\n' "$R" "$1" "$N" >&2
	printf '%sdemo: step %d did not show what it claims; cleaning up%s\n' "$R" "$STEP" "$N" >&2
	exit 1
}
# Print a command the way a reader would type it, run it, and show its
# output indented. Returns the command's status.
say() { printf '   %s$%s %s\n' "$B" "$N" "$*"; }
indent() { [ -z "$1" ] || printf '%s\n' "$1" | sed 's/^/     /'; }
run() {
	local o rc=0
	say "$*"
	o=$("$@" 2>&1) || rc=$?
	indent "$o"
	return $rc
}
# in_ns LABEL NSNAME CMD...: the same, inside a namespace.
in_ns() {
	local label=$1 ns=$2 o rc=0
	shift 2
	say "[$label] $*"
	o=$(nsenter --net="/run/netns/$ns" "$@" 2>&1) || rc=$?
	indent "$o"
	return $rc
}
H() { in_ns host "$HOSTNS" "$@"; }
W() { in_ns "$NS" "$NS" "$@"; }
# netnsctl as the host would run it.
nctl() {
	local o rc=0
	say "[host] netnsctl $*"
	o=$(nsenter --net="/run/netns/$HOSTNS" "$NETNSCTL" --config-dir "$TMP/etc" "$@" 2>&1) || rc=$?
	indent "$o"
	return $rc
}
# Same, output captured rather than shown (for checks on it).
nctl_out() { nsenter --net="/run/netns/$HOSTNS" "$NETNSCTL" --config-dir "$TMP/etc" "$@"; }

# fetch WHERE ADDR: one HTTP-ish request with socat, 3 s at most; prints
# the reply body's last line. WHERE is H, L or W.
fetch() {
	local where=$1 addr=$2 ns
	case $where in H) ns=$HOSTNS;; L) ns=$LANNS;; W) ns=$NS;; esac
	nsenter --net="/run/netns/$ns" socat -t 3 -T 3 - "TCP:$addr:8080,connect-timeout=3" \
		</dev/null 2>/dev/null | tail -n 1 | tr -d '\r'
}
# expect_reply WHERE ADDR WANT: fetch, show, and compare.
expect_reply() {
	local label got
	case $1 in H) label=host;; L) label=lan;; W) label=$NS;; esac
	say "[$label] socat - TCP:$2:8080   # like: curl http://$2:8080"
	got=$(fetch "$1" "$2" || true)
	printf '     %s\n' "${got:-(no reply)}"
	[ "$got" = "$3" ] || fail "expected the reply '$3' from $2:8080, got '${got:-nothing}'"
}
expect_no_reply() {
	local label got
	case $1 in H) label=host;; L) label=lan;; W) label=$NS;; esac
	say "[$label] socat - TCP:$2:8080,connect-timeout=3"
	got=$(fetch "$1" "$2" || true)
	printf '     %s\n' "${got:-(no reply: timed out)}"
	[ -z "$got" ] || fail "expected no reply from $2:8080, got '$got'"
}

# serve WHERE BODY: a socat server on :8080 in that namespace answering
# "HTTP/1.0 200 OK" with BODY; waits until it listens.
serve() {
	local ns=$1 body=$2 label=$3
	say "[$label] socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'sh reply.sh $body' &"
	nsenter --net="/run/netns/$ns" socat TCP-LISTEN:8080,fork,reuseaddr \
		SYSTEM:"sh $TMP/reply.sh $body" 2>/dev/null &
	PIDS+=($!)
	for _ in $(seq 100); do
		nsenter --net="/run/netns/$ns" ss -Hltn 'sport = :8080' | grep -q . && return 0
		sleep 0.05
	done
	fail "the server in $label never started listening on :8080"
}

# ---- world ---------------------------------------------------------------------
cleanup() {
	local rc=$? pid
	set +e
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	if [ -e "/run/netns/$NS" ] && [ -n "$TMP" ]; then
		nsenter --net="/run/netns/$HOSTNS" "$NETNSCTL" --config-dir "$TMP/etc" down --force -q "$NS" \
			>/dev/null 2>&1
	fi
	for n in "$NS" "$LANNS" "$HOSTNS"; do
		[ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
	if [ $rc -eq 0 ]; then
		printf '\n%sdemo: all %d steps showed what they claim; everything removed.%s\n' "$G" "$STEP" "$N"
	fi
	exit $rc
}

# Namespaces left by a demo that was killed (its PID is gone).
sweep_stale() {
	local f name pid
	for f in /run/netns/ndemo-*; do
		[ -e "$f" ] || continue
		name=$(basename "$f"); pid=${name#ndemo-}; pid=${pid%%-*}
		[ -d "/proc/$pid" ] || ip netns del "$name" 2>/dev/null || true
	done
}

preflight() {
	[ "$(id -u)" = 0 ] || { echo "demo: needs root (it creates network namespaces)" >&2; exit 1; }
	[ -x "$NETNSCTL" ] || { echo "demo: no netnsctl binary at $NETNSCTL (run make first)" >&2; exit 1; }
	local t
	for t in ip nsenter socat iptables jq ss; do
		command -v "$t" >/dev/null || { echo "demo: '$t' is missing (run tools/install-deps.sh)" >&2; exit 1; }
	done
}

setup_world() {
	sweep_stale
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	TMP=$(mktemp -d /tmp/ndemo.XXXXXX)
	chmod 0755 "$TMP"
	mkdir -m 0755 "$TMP/etc" "$TMP/state"
	# State record and lock live here, not in /run/netnsctl.
	export NETNSCTL_STATE_DIR="$TMP/state"
	cat >"$TMP/reply.sh" <<-'EOF'
	#!/bin/sh
	# HTTP-ish reply: read the request head (if any), answer with $1.
	while IFS= read -r l; do [ -n "$(printf %s "$l" | tr -d '\r')" ] || break; done
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n%s\n' "$1"
	EOF

	step "Set the stage: a throwaway host with a 'physical' NIC on a LAN"
	shows "everything below happens in namespaces made for this demo; the machine's own network is untouched"
	run ip netns add "$HOSTNS" || fail "could not create the throwaway host namespace"
	run ip netns add "$LANNS" || fail "could not create the LAN namespace"
	{ run ip -n "$HOSTNS" link set lo up &&
	  run ip -n "$LANNS" link set lo up &&
	  run ip -n "$HOSTNS" link add "$NIC" type veth peer name lan0 netns "$LANNS" &&
	  run ip -n "$LANNS" addr add 192.168.0.1/24 dev lan0 &&
	  run ip -n "$LANNS" link set lan0 up; } || fail "could not build the stand-in NIC and LAN"
	H ip -br link show dev "$NIC" || fail "the stand-in NIC $NIC is not on the host"
	NIC_MAC=$(ip -n "$HOSTNS" -o link show dev "$NIC" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	[ -n "$NIC_MAC" ] || fail "could not read the MAC address of $NIC"
	pass
}

write_config() {
	cat >"$TMP/etc/$NS.conf" <<-EOF
	# The tutorial's webserver namespace: its own NIC, plus a management
	# veth to the host (what the tutorial did with netns@ and attach-* units).
	[Namespace]
	Description=The seed tutorial's webserver

	[Link]
	Kind=physical
	Device=$NIC
	Address=192.168.0.80/24

	[Link]
	Kind=veth
	Name=mgmt0
	HostName=ve-webserver
	Address=10.99.0.2/30
	HostAddress=10.99.0.1/30
	EOF
}

# ---- the demo ------------------------------------------------------------------
demo_up() {
	step "Write the config: one file instead of three units"
	shows "the whole tutorial setup is a short declarative file"
	write_config
	say "cat $NS.conf"
	sed 's/^/     /' "$TMP/etc/$NS.conf"
	pass

	step "Validate it without touching anything"
	shows "check parses and validates, and reports the links it would create"
	nctl check "$NS" || fail "check rejected the config"
	[ ! -e "/run/netns/$NS" ] || fail "check created the namespace"
	pass

	step "Bring it up"
	shows "one command makes the namespace, moves the NIC in, creates the veth, sets addresses"
	nctl up "$NS" || fail "netnsctl up failed"
	[ -e "/run/netns/$NS" ] || fail "/run/netns/$NS does not exist after up"
	pass

	step "The NIC has disappeared from the host"
	shows "like the tutorial's 'Device \"enp3s1f0\" does not exist': the device now lives in the namespace"
	if H ip link show dev "$NIC"; then fail "$NIC is still on the host"; fi
	W ip -br addr show dev "$NIC" || fail "$NIC is not inside $NS"
	nsenter --net="/run/netns/$NS" ip -br addr show dev "$NIC" | grep -q '192.168.0.80/24' ||
		fail "$NIC inside has no 192.168.0.80/24"
	pass

	step "Status, read live from the kernel"
	shows "each link with its addresses and host counterpart; the moved NIC remembers its host name"
	nctl status "$NS" || fail "status failed"
	nctl_out status --json "$NS" | jq -e '.interfaces | map(.name) | index("enp3s1f0") and index("mgmt0")' \
		>/dev/null || fail "status --json does not list enp3s1f0 and mgmt0"
	pass
}

demo_traffic() {
	step "Run a small web server inside the namespace"
	shows "a service started in the namespace listens only there (the tutorial's webserver.service)"
	serve "$NS" OK "$NS"
	if nsenter --net="/run/netns/$HOSTNS" ss -Hltn 'sport = :8080' | grep -q .; then
		fail "port 8080 shows up on the host too"
	fi
	pass

	step "Reach it from the LAN"
	shows "a LAN peer gets the answer on 192.168.0.80 through the moved NIC"
	expect_reply L 192.168.0.80 OK
	shows "and the host reaches it over the management veth"
	expect_reply H 10.99.0.2 OK
	pass

	step "The host can use port 8080 for itself at the same time"
	shows "as in the tutorial (nc -lkp 8080 answering Foo): the namespaces have separate port spaces"
	serve "$HOSTNS" Foo host
	expect_reply H 127.0.0.1 Foo
	expect_reply L 192.168.0.80 OK
	pass

	step "Host firewall rules do not reach the namespace"
	shows "the tutorial's raw-table DROP blocks the host's own :8080, not the namespaced service"
	H iptables -t raw -I PREROUTING -p tcp --dport 8080 -j DROP || fail "iptables failed in the throwaway host"
	expect_no_reply H 127.0.0.1
	expect_reply L 192.168.0.80 OK
	expect_reply H 10.99.0.2 OK
	pass
}

demo_down() {
	step "List namespaces as JSON"
	shows "machine-readable output; this one is managed and up with 2 links"
	say "[host] netnsctl list --json | jq '.[] | select(.name == \"$NS\")'"
	local js
	js=$(nctl_out list --json | jq -c --arg n "$NS" '.[] | select(.name == $n)') ||
		fail "list --json is not valid JSON"
	printf '     %s\n' "$js"
	jq -e '.managed and .state == "up" and .links == 2' <<<"$js" >/dev/null ||
		fail "expected managed=true, state=up, links=2"
	pass

	step "Take it down"
	shows "down removes exactly what up made, and gives the NIC back"
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
	PIDS=()
	nctl down "$NS" || fail "netnsctl down failed"
	[ ! -e "/run/netns/$NS" ] || fail "/run/netns/$NS still exists"
	pass

	step "The NIC is back on the host under its original name"
	shows "the device returns to the namespace it came from, named $NIC again, and left down"
	H ip -br link show dev "$NIC" || fail "$NIC did not come back"
	shows "it is the same device: its MAC is still $NIC_MAC"
	if H ip link show dev ve-webserver; then fail "the veth host end ve-webserver was left behind"; fi
	nsenter --net="/run/netns/$HOSTNS" ip -o link show dev "$NIC" | grep -q 'state DOWN' ||
		fail "$NIC came back, but not down"
	nsenter --net="/run/netns/$HOSTNS" ip -o link show dev "$NIC" | grep -qi "link/ether $NIC_MAC" ||
		fail "$NIC came back with a different MAC than $NIC_MAC: not the same device?"
	local f
	for f in "$TMP/state"/*.state; do
		[ ! -e "$f" ] || fail "a state record was left behind: $f"
	done
	pass
}

main() {
	preflight
	printf '%snetnsctl demo: the seed tutorial, in throwaway namespaces (prefix %s)%s\n' "$B" "$P" "$N"
	printf 'binary: %s\n' "$NETNSCTL"
	setup_world
	demo_up
	demo_traffic
	demo_down
}

main "$@"
