# shellcheck shell=bash
# Shared by tests/systemd/t*.sh: the TAP helpers of tests/integration/lib.sh,
# the box of box.sh, and installing the build under test into a box.
#
#   $NETNSCTL            the binary under test (default build/netnsctl)
#   $NETNSCTL_GENERATOR  default: netnsctl-generator next to $NETNSCTL
#
# sd_boot copies them, with units/netns@.service, to where `make install`
# puts them (the unit and generator directories come from pkg-config, as in
# the Makefile) and boots a box; sd_cleanup (trapped on EXIT) stops it.
SD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lib.sh
source "$SD_DIR/../integration/lib.sh"
# shellcheck source=box.sh
source "$SD_DIR/box.sh"

NETNSCTL_GENERATOR=${NETNSCTL_GENERATOR:-$(dirname "$NETNSCTL")/netnsctl-generator}
SD_UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
SD_GENDIR=$(pkg-config --variable=systemdsystemgeneratordir systemd 2>/dev/null ||
	echo /lib/systemd/system-generators)
# The box is the machine's / underneath: stage through real paths, since
# copying a directory over a symlink such as /lib -> usr/lib fails.
SD_UNITDIR=$(realpath -m "$SD_UNITDIR")
SD_GENDIR=$(realpath -m "$SD_GENDIR")
SD_STAGE=""

sd_cleanup() {
	box_stop
	[ -n "$SD_STAGE" ] && rm -rf "$SD_STAGE"
	SD_STAGE=""
}

# sd_boot [SBINDIR]: install netnsctl into SBINDIR (default /usr/local/sbin,
# the Makefile's default) inside a fresh box and boot it. Copies of netnsctl
# the machine may have elsewhere are hidden, so the one under test runs.
sd_boot() {
	local sbindir
	sbindir=$(realpath -m "${1:-/usr/local/sbin}")
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
	if [ ! -x "$NETNSCTL" ] || [ ! -x "$NETNSCTL_GENERATOR" ]; then
		not_ok "binaries under test exist ($NETNSCTL, $NETNSCTL_GENERATOR)"
		done_testing
		exit 1
	fi
	SD_STAGE=$(mktemp -d "/tmp/nsbox-$$-stage.XXXXXX")
	chmod 0755 "$SD_STAGE"
	install -Dm0755 "$NETNSCTL" "$SD_STAGE$sbindir/netnsctl"
	install -Dm0755 "$NETNSCTL_GENERATOR" "$SD_STAGE$SD_GENDIR/netnsctl-generator"
	# The box has its own /tmp, so nothing may be referenced under the
	# checkout (a clone can live in /tmp): ship what tests use.
	install -Dm0644 "$ROOT/completion/netnsctl.bash" \
		"$SD_STAGE/usr/share/bash-completion/completions/netnsctl"
	local u
	for u in "$ROOT"/units/*.service "$ROOT"/units/*.socket; do
		[ -f "$u" ] || continue
		install -Dm0644 "$u" "$SD_STAGE$SD_UNITDIR/$(basename "$u")"
	done
	install -dm0755 "$SD_STAGE/etc/netnsctl" "$SD_STAGE/etc/netns"
	# shellcheck disable=SC2034 # read by box.sh
	BOX_REMOVE="/usr/sbin/netnsctl /usr/local/sbin/netnsctl /etc/netnsctl /etc/netns"
	box_stage "$SD_STAGE"
	trap sd_cleanup EXIT
	trap 'exit 130' INT TERM # so that the EXIT trap runs
	if ! box_start; then
		not_ok "a box with systemd as PID 1 boots"
		done_testing
		exit 1
	fi
}

# bput PATH [MODE] <<EOF: write a file inside the box.
bput() { box install -Dm"${2:-0644}" /dev/stdin "$1"; }
# bconf NAME <<EOF: /etc/netnsctl/NAME.conf inside the box.
bconf() { bput "/etc/netnsctl/$1.conf"; }

# wait_until CMD...: poll CMD (inside the box) for up to 30 s. This waits
# for an asynchronous job to finish; it asserts nothing about timing.
wait_until() {
	for _ in $(seq 300); do
		box "$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ask ADDR PORT [NETNS]: one line from a TCP server, from the box's host
# namespace or from /run/netns/NETNS inside the box.
ask() {
	local pre=()
	[ -n "${3:-}" ] && pre=(nsenter --net="/run/netns/$3")
	box "${pre[@]}" socat -T3 - "TCP:$1:$2,connect-timeout=3" </dev/null 2>/dev/null | head -n 1 || true
}

# identify UNIT: the namespace name of the unit's main process ('' if none).
identify() {
	local pid
	pid=$(box systemctl show -P MainPID "$1")
	[ "${pid:-0}" != 0 ] || return 0
	box ip netns identify "$pid" 2>/dev/null || true
}

# journal_dump: the box's journal and failed units, as TAP comments.
journal_dump() {
	box systemctl --failed --no-legend 2>&1 | sed 's/^/# failed: /' || true
	box journalctl -b --no-pager -n "${1:-60}" 2>&1 | sed 's/^/# /' || true
}
