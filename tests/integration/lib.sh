# shellcheck shell=bash
# Shared by the integration tests. Each test builds its own world:
#
#   +------------------- host namespace of the machine (never touched) ----+
#   |  /run/netns/$HOST  "host" namespace: netnsctl runs here via nsenter  |
#   |       veth pairs in it stand in for physical NICs and LAN peers      |
#   |  /run/netns/$P-NAME   namespaces netnsctl creates for the test        |
#   +-----------------------------------------------------------------------+
#
# Everything global carries the prefix $P (nct-PID-), so parallel runs do not
# collide, and leftovers of a crashed run (whose PID is gone) are removed at
# the start of the next one. A trap tears the world down on any exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NETNSCTL=${NETNSCTL:-$ROOT/build/netnsctl}
NETNSCTL_FAULT=${NETNSCTL_FAULT:-$ROOT/build/fault/netnsctl}
P="nct-$$-"
HOST="${P}H"
CFG=""
_tap_n=0 _tap_fail=0

# ---- TAP -------------------------------------------------------------------
ok()     { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n - $*"; }
skip()   { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }
# check DESC CMD...: ok if CMD succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# check_fails DESC CMD...: ok if CMD fails.
check_fails() {
	local desc=$1; shift
	if "$@"; then not_ok "$desc"; else ok "$desc"; fi
}
# is ACTUAL EXPECTED DESC
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi
}
# like ACTUAL REGEX DESC
like() {
	if [[ "$1" =~ $2 ]]; then ok "$3"; else not_ok "$3"; echo "#   got:      '$1'"; echo "#   expected match of: '$2'"; fi
}
done_testing() { echo "1..$_tap_n"; }

# ---- commands ----------------------------------------------------------------
# Print each command before running it, as the style guide asks.
run() { echo "# + $*" >&2; "$@"; }
# Run a command inside the test's host namespace (same mount namespace, so
# /run/netns bind mounts made there are visible everywhere).
hostx() { echo "# + [host] $*" >&2; nsenter --net="/run/netns/$HOST" "$@"; }
# netnsctl as the host would run it.
nctl() { echo "# + netnsctl $*" >&2; nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
nctl_fault() { nsenter --net="/run/netns/$HOST" "$NETNSCTL_FAULT" --config-dir "$CFG" "$@"; }
# Run a command inside a namespace netnsctl made (short name without $P).
inns() { local n=$1; shift; echo "# + [$P$n] $*" >&2; nsenter --net="/run/netns/$P$n" "$@"; }

# conf NAME <<EOF ... EOF: write $CFG/$P$NAME.conf from stdin.
conf() { cat >"$CFG/$P$1.conf"; }

# ---- world -------------------------------------------------------------------
# Remove what crashed runs left: prefixed namespaces, state and /etc/netns
# entries whose owning PID no longer exists.
sweep_stale() {
	local f name pid
	for f in /run/netns/nct-* /run/netnsctl/nct-*.state /etc/netns/nct-*; do
		[ -e "$f" ] || continue
		name=$(basename "$f"); name=${name%.state}
		pid=${name#nct-}; pid=${pid%%-*}
		[ -d "/proc/$pid" ] && continue
		# Whatever it is (a namespace, or a file or directory a hostile-input
		# test put there), it goes, and a failure here never stops the test.
		case "$f" in
		/run/netns/*) ip netns del "$name" 2>/dev/null || umount -l "$f" 2>/dev/null || true;;
		esac
		rm -rf "$f" 2>/dev/null || true
	done
}

teardown_world() {
	local f name
	set +e
	for f in /run/netns/"$P"*; do
		[ -e "$f" ] || continue
		name=$(basename "$f")
		[ "$name" = "$HOST" ] && continue
		ip netns del "$name" 2>/dev/null
	done
	ip netns del "$HOST" 2>/dev/null
	rm -f /run/netnsctl/"$P"*.state
	rm -rf /etc/netns/"$P"*
	[ -n "$CFG" ] && rm -rf "$CFG"
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
	return 0
}

# setup_world: the test's host namespace with loopback up, and a config dir.
setup_world() {
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
	[ -x "$NETNSCTL" ] || { not_ok "netnsctl binary missing at $NETNSCTL"; done_testing; exit 1; }
	sweep_stale
	trap teardown_world EXIT
	ip netns add "$HOST"
	ip -n "$HOST" link set lo up
	CFG=$(mktemp -d /tmp/nct-cfg.XXXXXX)
	chmod 0755 "$CFG"
}

# fake_nic NAME [PEER]: a veth pair in the host namespace; NAME plays the
# physical NIC, PEER (default NAME-lan) stays behind as its LAN side.
fake_nic() {
	local nic=$1 peer=${2:-$1-lan}
	ip -n "$HOST" link add "$nic" type veth peer name "$peer"
	ip -n "$HOST" link set "$peer" up
}

# snapshot: everything on the host side a test must leave as it found it.
snapshot() {
	{
		# Fields the kernel changes by itself (bridge timers, DAD state,
		# carrier) are left out: they are not ours to restore.
		echo "== links"; ip -n "$HOST" -d -o link show | sed -E 's/^[0-9]+: //; s/link-netnsid [0-9]+//;
			s/ (hello_timer|tcn_timer|topology_change_timer|gc_timer) +[0-9.]+//g;
			s/,?(NO-CARRIER|LOWER_UP|M-DOWN)//g; s/state [A-Z]+ //; s/qdisc [a-z_]+ //' | sort
		echo "== addrs"; ip -n "$HOST" -o addr show | sed -E 's/^[0-9]+: //; s/valid_lft.*//; s/ tentative//' | sort
		echo "== routes"; ip -n "$HOST" route show table all | sort
		echo "== routes6"; ip -n "$HOST" -6 route show table all | sed -E 's/ linkdown//' | sort
		echo "== netns"; ls /run/netns | grep "^$P" | grep -v "^$HOST\$" || true
		echo "== state"; ls /run/netnsctl 2>/dev/null | grep "^$P" || true
		echo "== etc"; ls /etc/netns 2>/dev/null | grep "^$P" || true
	}
}

# show_diff A B: the difference between two snapshots, as TAP comments.
show_diff() { diff <(echo "$1") <(echo "$2") | sed 's/^/#   /' | cut -c1-240 | head -n 40 || true; }

# fault_ops REPORT: the number of operations the fault build reported
# (NETNSCTL_FAULT_REPORT=1) in the stderr file REPORT.
fault_ops() { sed -n 's/^netnsctl-fault: \([0-9]*\) operations$/\1/p' "$1" | tail -n1; }

# nic_line [DEV]: name, MTU and MAC of the fake NIC DEV (default nic0) on
# the host, the identity a test checks it came home with.
nic_line() { ip -n "$HOST" -o link show "${1:-nic0}" 2>/dev/null | sed -E 's/^[0-9]+: ([^:]*):.*( mtu [0-9]+ ).*(link\/ether [0-9a-f:]+ ).*/\1\2\3/'; }

# eventually_same BEFORE [FN]: FN's output (default: snapshot) once it
# equals BEFORE, or as it is after about 5 s. The kernel destroys a deleted
# namespace's devices asynchronously, so a macvlan may hold its parent
# promiscuous, or a veth host end linger, a moment longer.
eventually_same() {
	local fn=${2:-snapshot} now
	for _ in $(seq 50); do
		now=$("$fn")
		[ "$now" = "$1" ] && break
		sleep 0.1
	done
	echo "$now"
}
