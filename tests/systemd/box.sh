# shellcheck shell=bash
# box.sh: boot a real systemd as PID 1 in a disposable "box", so the tests in
# this directory can run `systemctl start` against the units and the
# generator exactly as a machine would, without touching the machine.
#
#   +---------------------------- the machine (never modified) --------------------+
#   |  cgroup2 $CGROOT/netnsctl-box/$BOX: the box's whole cgroup tree (killable)    |
#   |  +-- box: own pid, mount, net, uts, ipc and cgroup namespaces -------------+ |
#   |  |  /           overlayfs: the machine's / read-only below, tmpfs on top     | |
#   |  |  /run /tmp   fresh tmpfs; /dev: tmpfs with a few nodes; /sys read-only   | |
#   |  |  /proc/sys   read-only, except /proc/sys/net (per network namespace)     | |
#   |  |  PID 1       /lib/systemd/systemd --system, target netnsctl-box.target    | |
#   |  |  network     only lo: tests add veths, /run/netns/*, configs in here     | |
#   |  +-------------------------------------------------------------------------+ |
#   +------------------------------------------------------------------------------+
#
# Everything the box writes lands in the tmpfs upper layer and disappears with
# its mount namespace. Read-only /sys means no udev, hence no .device units.
#
# Use from a test (which sources this file):
#   box_stage DIR        copy DIR over the box's / before boot (binaries, units)
#   BOX_REMOVE="P..."    absolute paths to hide in the box before staging
#   box_start            boot and wait until systemd reports running/degraded
#   box CMD...           run CMD inside the box (all of PID 1's namespaces)
#   box_stop             power off; cgroup.kill if that hangs; remove the rest
# The caller traps EXIT to call box_stop (it is safe to call twice).
# BOX_KEEP_LOGS=1 keeps the console and boot logs for a look afterwards.
# By hand: bash tests/systemd/box.sh shell   (boot, interactive shell, stop)
set -euo pipefail

BOX_LIB=$(readlink -f "${BASH_SOURCE[0]}")
BOX=${BOX:-nsbox-$$}
BOX_TIMEOUT=${BOX_TIMEOUT:-60}
BOX_STAGE=${BOX_STAGE:-}
BOX_REMOVE=${BOX_REMOVE:-}
BOX_DIR=${BOX_DIR:-}

box_log() { echo "# box[$BOX]: $*" >&2; }

box_cgroot() {
	# Pure cgroup2 machines mount it at /sys/fs/cgroup; hybrid ones (such as
	# a machine whose init is not systemd) under /sys/fs/cgroup/unified.
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
	elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo /sys/fs/cgroup/unified
	else
		return 1
	fi
}

# ---- inside: runs as PID 1 of the new pid namespace, ends by exec'ing systemd.
box_inside() {
	local r=$BOX_DIR/root outer _ n spec

	# /proc is still the machine's here, so /proc/self names our outer PID,
	# which becomes systemd's PID: the parent enters the box through it.
	read -r outer _ </proc/self/stat
	echo "$outer" >"$BOX_DIR/pid.new" && mv "$BOX_DIR/pid.new" "$BOX_DIR/pid"

	mount -t tmpfs -o mode=0755 nsbox-rw "$BOX_DIR/rw"
	mkdir "$BOX_DIR/rw/upper" "$BOX_DIR/rw/work"
	mount -t overlay nsbox-root \
		-o "lowerdir=/,upperdir=$BOX_DIR/rw/upper,workdir=$BOX_DIR/rw/work" "$r"

	mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
	# Kernel-wide knobs stay read-only; /proc/sys/net follows the reader's
	# network namespace, so the box may write it.
	mount --bind "$r/proc/sys" "$r/proc/sys"
	mount --bind "$r/proc/sys/net" "$r/proc/sys/net"
	mount -o remount,bind,ro "$r/proc/sys"
	if [ -e "$r/proc/sysrq-trigger" ]; then
		mount --bind "$r/proc/sysrq-trigger" "$r/proc/sysrq-trigger"
		mount -o remount,bind,ro "$r/proc/sysrq-trigger"
	fi
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$r/sys/fs/cgroup"

	mount -t tmpfs -o mode=0755,nosuid nsbox-dev "$r/dev"
	for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r n maj min <<<"$spec"
		mknod -m 0666 "$r/dev/$n" c "$maj" "$min"
	done
	mkdir -p "$r/dev/pts" "$r/dev/shm" "$r/dev/net"
	[ -e /dev/net/tun ] && mknod -m 0666 "$r/dev/net/tun" c 10 200
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts"
	mount -t tmpfs -o mode=1777,nosuid,nodev nsbox-shm "$r/dev/shm"
	ln -s pts/ptmx "$r/dev/ptmx"
	ln -s /proc/self/fd "$r/dev/fd"
	for n in stdin:0 stdout:1 stderr:2; do ln -s "/proc/self/fd/${n#*:}" "$r/dev/${n%:*}"; done
	touch "$r/dev/console"
	mount --bind "$BOX_DIR/console.log" "$r/dev/console"

	mount -t tmpfs -o mode=0755,nosuid,nodev nsbox-run "$r/run"
	mount -t tmpfs -o mode=1777,nosuid,nodev nsbox-tmp "$r/tmp"

	box_prepare_etc "$r"
	# Whiteouts in the upper layer: the machine's copies stay untouched.
	for n in $BOX_REMOVE; do rm -rf "${r:?}$n"; done
	[ -n "$BOX_STAGE" ] && cp -a "$BOX_STAGE/." "$r/"

	cd "$r"
	mkdir -p .box-old
	pivot_root . .box-old
	cd /
	umount -l /.box-old
	rmdir /.box-old
	mount --make-rshared / # as on a booted machine; only in our mount namespace
	hostname "$BOX"

	export container=netnsctl-box
	# Capabilities no test needs and that reach beyond the box's namespaces.
	exec setpriv --bounding-set -sys_module,-sys_rawio,-sys_time,-syslog,-sys_boot,-mac_admin,-mac_override,-wake_alarm,-block_suspend \
		/lib/systemd/systemd --system --unit=netnsctl-box.target </dev/null
}

# The boot target and the units a throwaway box must not start. All of
# this is written to the overlay's upper layer.
box_prepare_etc() {
	local e=$1/etc/systemd/system u
	cat >"$e/netnsctl-box.target" <<-'EOF'
	[Unit]
	Description=netnsctl test box
	Requires=basic.target
	After=basic.target
	AllowIsolate=yes
	EOF
	# timers pull apt/man-db jobs; sysctl would try kernel-wide knobs;
	# getty has no terminal here; the rest belongs to the machine.
	for u in timers.target getty.target console-getty.service systemd-sysctl.service \
		systemd-pstore.service systemd-timesyncd.service apparmor.service \
		postgresql.service e2scrub_reap.service remote-fs.target; do
		ln -sf /dev/null "$e/$u"
	done
	echo "$BOX" >"$1/etc/hostname"
}

# ---- outside -----------------------------------------------------------------

box_pid() { cat "$BOX_DIR/pid" 2>/dev/null || true; }

box_populated() { [ -d "$BOX_CG" ] && grep -q '^populated 1' "$BOX_CG/cgroup.events"; }

# The PID in a name such as nsbox-1234, nsbox-1234.XXXX or nsbox-1234-stage.
box_owner() { local n=${1#nsbox-}; echo "${n%%[!0-9]*}"; }

# Kill and remove boxes of earlier runs whose owning shell is gone (killed
# before its trap could run), then their directories under /tmp.
box_sweep_stale() {
	local d pid
	for d in "$BOX_CGPARENT"/nsbox-* /tmp/nsbox-*; do
		[ -d "$d" ] && [ "$d" != "$BOX_CG" ] || continue
		pid=$(box_owner "$(basename "$d")")
		[ -n "$pid" ] && [ ! -d "/proc/$pid" ] || continue
		case "$d" in
		/tmp/*) rm -rf "$d" ;;
		*)
			echo 1 >"$d/cgroup.kill" 2>/dev/null || true
			for _ in $(seq 100); do grep -q '^populated 1' "$d/cgroup.events" || break; sleep 0.05; done
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
			;;
		esac
	done
}

box_stage() { BOX_STAGE=$(readlink -f "$1"); }

box_start() {
	local pid="" st="" starter
	[ "$(id -u)" = 0 ] || { echo "box: needs root" >&2; return 1; }
	[ -x /lib/systemd/systemd ] || { echo "box: /lib/systemd/systemd missing" >&2; return 1; }
	BOX_CGPARENT=$(box_cgroot)/netnsctl-box || { echo "box: no cgroup2 hierarchy" >&2; return 1; }
	BOX_CG=$BOX_CGPARENT/$BOX
	box_sweep_stale
	# Another box's box_stop may remove the shared parent at any moment.
	for _ in 1 2 3 4 5; do mkdir -p "$BOX_CG" 2>/dev/null && break; done
	[ -d "$BOX_CG" ] || { echo "box: cannot create $BOX_CG" >&2; return 1; }
	BOX_DIR=$(mktemp -d "/tmp/$BOX.XXXXXX")
	mkdir "$BOX_DIR/root" "$BOX_DIR/rw"
	: >"$BOX_DIR/console.log"
	# Join the box's cgroup first, so the new cgroup namespace is rooted there.
	setsid bash -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' _ "$BOX_CG" \
		env BOX="$BOX" BOX_DIR="$BOX_DIR" BOX_STAGE="$BOX_STAGE" BOX_REMOVE="$BOX_REMOVE" \
		unshare --pid --fork --mount --propagation private --uts --ipc --net --cgroup \
		bash "$BOX_LIB" --inside >"$BOX_DIR/inside.log" 2>&1 </dev/null &
	starter=$!
	for _ in $(seq $((BOX_TIMEOUT * 20))); do
		pid=$(box_pid)
		if [ -n "$pid" ]; then
			st=$(nsenter -t "$pid" -a systemctl is-system-running 2>/dev/null || true)
			case "$st" in running | degraded) break ;; esac
		fi
		if ! kill -0 "$starter" 2>/dev/null; then
			cat "$BOX_DIR/inside.log" >&2
			box_log "died while booting"
			return 1
		fi
		sleep 0.05
	done
	case "$st" in
	running | degraded) box_log "booted (pid $pid, $st)" ;;
	*) box_log "not ready: '$st'"; return 1 ;;
	esac
}

# box CMD...: run CMD inside, with a clean environment.
box() {
	local pid
	pid=$(box_pid)
	[ -n "$pid" ] || { echo "box: not running" >&2; return 1; }
	echo "# + [box] $*" >&2
	nsenter -t "$pid" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
		LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

box_stop() {
	local pid
	[ -n "$BOX_DIR" ] || return 0
	set +e
	pid=$(box_pid)
	# SIGRTMIN+4 asks systemd for a clean poweroff; with PID namespaces that
	# ends the box when PID 1 exits.
	[ -n "$pid" ] && box_populated && kill -s SIGRTMIN+4 "$pid" 2>/dev/null
	for _ in $(seq 200); do box_populated || break; sleep 0.05; done
	if box_populated; then
		box_log "poweroff timed out, killing the cgroup"
		echo 1 >"$BOX_CG/cgroup.kill"
		for _ in $(seq 100); do box_populated || break; sleep 0.05; done
	fi
	# Nothing is left alive, so the mount namespace (and its tmpfs) is gone.
	find "$BOX_CG" -depth -type d -exec rmdir {} + 2>/dev/null
	rmdir "$BOX_CGPARENT" 2>/dev/null
	if [ "${BOX_KEEP_LOGS:-0}" = 1 ]; then
		box_log "logs kept in $BOX_DIR"
	else
		rm -rf "$BOX_DIR"
	fi
	BOX_DIR=""
	set -e
	return 0
}

# Run directly (not sourced): the inner half, or an interactive box.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	--inside) box_inside ;;
	shell)
		trap box_stop EXIT
		box_start && box bash -i || true
		;;
	*) sed -n '2,30p' "$0" >&2; exit 2 ;;
	esac
fi
