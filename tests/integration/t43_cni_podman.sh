#!/usr/bin/env bash
# A real CNI client (issue 11): Debian's podman 4.3 with its CNI backend runs
# containers on networks whose only plugin is netnsctl.
#
#   $HOST (throwaway "host": podman, conmon and runc run here, so every host
#   |      end the plugin makes is made here, never on the machine)
#   |  pnic0 ==veth== pnic0-lan 10.43.1.1/24     pnic0 plays a physical NIC
#   |  ve-cni-... 10.43.0.1/24 (veth host end, made by the plugin)
#   +--- container (namespace made by podman, /run/netns/netns-...)
#        nct43veth: eth0 10.43.0.5/24 (or --ip / --mac-address from podman)
#        nct43phys: eth0 = pnic0, 10.43.1.5/24, busybox httpd on :8080
#
# Everything podman keeps goes to a private directory: CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF point there (vfs storage, runc, cgroupfs, no
# systemd or journald), containers get a private cgroup parent, and the
# image is imported from a tar of busybox built here: no registry, /etc
# untouched. The plugin is the binary under test, linked into the CNI
# plugin directory. Its records go to the real state directory
# (/run/netnsctl): podman runs DEL from `podman container cleanup`, started
# by conmon with an environment of its own, so NETNSCTL_STATE_DIR would not
# reach it. Container IDs are random, names carry nct43-PID-, and cleanup
# removes the containers, which runs DEL.
#
# Proves: ADD on `podman run` (the container sees the link and address,
# podman reads the result), DEL on container removal (host end gone, the
# NIC back on the host under its name, no records left), the static IP and
# MAC podman passes in CNI_ARGS, and reachability from the host namespace.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/t40_cni_lib.sh"

CGPARENT="/nct-$$-pod"
W=""
pod_cleanup() {
	local m d
	[ -n "${W:-}" ] || return 0
	podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^nct43-$$-" | while read -r c; do
		timeout 30 podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	timeout 30 podman rmi -f "localhost/nct43-$$:latest" >/dev/null 2>&1
	# podman unmounts on rm; a killed run may leave mounts under its tree.
	grep -o " $W/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m"; done
	for d in /sys/fs/cgroup/*"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}
CNI_EXTRA_CLEANUP=pod_cleanup

cni_setup
for t in podman runc jq busybox curl; do
	command -v "$t" >/dev/null || {
		skip "podman with the CNI backend" "$t missing (apt-get install podman runc busybox curl jq)"
		done_testing
		exit 0
	}
done
W=$CNI_TMP/podman
mkdir -p "$W"/{net.d,plugins,storage,run,tmp,rootfs/bin,rootfs/www,rootfs/proc,rootfs/sys,rootfs/dev,rootfs/tmp,rootfs/etc}
ln -s "$NETNSCTL" "$W/plugins/netnsctl"

# The root of this machine lacks CAP_SYS_RESOURCE: podman's default nofile
# (1048576) is above the hard limit, and podman caps nproc at 32768.
hn=$(ulimit -Hn); [ "$hn" = unlimited ] && hn=1048576
hu=$(ulimit -Hu); { [ "$hu" = unlimited ] || [ "$hu" -gt 32768 ]; } && hu=32768
cat >"$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$hn:$hn", "nproc=$hu:$hu"]
[network]
network_backend = "cni"
network_config_dir = "$W/net.d"
cni_plugin_dirs = ["$W/plugins"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$W/tmp"
EOF
cat >"$W/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$W/storage"
runroot = "$W/run"
EOF
export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
unset NETNSCTL_STATE_DIR

# pod ARGS...: podman in the test's host namespace, bounded in time.
pod() { echo "# + podman $*" >&2; nsenter --net="/run/netns/$HOST" timeout 120 podman "$@"; }
# prun ARGS...: podman run with the test's cgroup parent and image.
# prun NAME ARGS...: podman run with the test's cgroup parent, a name with
# the test's prefix (for cleanup) and its ID written to $W/cid.NAME (for
# records(); prun often runs in a subshell).
prun() {
	local name=nct43-$$-$1; shift
	pod run --cgroup-parent "$CGPARENT" --name "$name" --cidfile "$W/cid.$name" "$@"
}
IMG=localhost/nct43-$$:latest

# A busybox image (with its libraries, if it is not the static build).
cp "$(command -v busybox)" "$W/rootfs/bin/busybox"
for lib in $(ldd "$(command -v busybox)" 2>/dev/null | grep -o '/[^ ]*'); do
	mkdir -p "$W/rootfs$(dirname "$lib")"
	cp -L "$lib" "$W/rootfs$lib"
done
for a in sh ip cat sleep httpd; do ln -s busybox "$W/rootfs/bin/$a"; done
echo "hello from netnsctl-cni" >"$W/rootfs/www/index.html"
tar -C "$W/rootfs" -c . | pod import -q - "$IMG" >/dev/null
check "image imported from a local tar" pod image exists "$IMG"

cat >"$W/net.d/10-nct43veth.conflist" <<'EOF'
{"cniVersion":"1.0.0","name":"nct43veth","plugins":[{"type":"netnsctl",
 "links":[{"kind":"veth","address":["10.43.0.5/24"],"hostAddress":["10.43.0.1/24"],"gateway":["10.43.0.1"]}]}]}
EOF
cat >"$W/net.d/20-nct43phys.conflist" <<'EOF'
{"cniVersion":"1.0.0","name":"nct43phys","plugins":[{"type":"netnsctl",
 "links":[{"kind":"physical","device":"pnic0","address":["10.43.1.5/24"]}]}]}
EOF
fake_nic pnic0
ip -n "$HOST" addr add 10.43.1.1/24 dev pnic0-lan
# records: the plugin's state and attachment records of this test's
# containers (cni- and the first characters of the container ID).
records() {
	local f id n=0
	for f in "$W"/cid.*; do
		[ -s "$f" ] || continue
		id=$(cat "$f")
		n=$((n + $(find /run/netnsctl -maxdepth 2 -name "cni-${id:0:32}*" 2>/dev/null | wc -l)))
	done
	echo "$n"
}
# settled: podman runs DEL from a cleanup process after the container
# exits; wait (up to 10 s) until no host end and no record of ours is left.
settled() {
	for _ in $(seq 100); do
		[ "$(records)" = 0 ] && ! ip -n "$HOST" -o link show | grep -q 've-cni-' && return 0
		sleep 0.1
	done
	return 1
}

# ---- veth: ADD on run, DEL when the container goes -------------------------------
out=$(prun v1 --rm --network nct43veth "$IMG" ip -o addr show eth0) || true
like "$out" "inet 10\.43\.0\.5/24" "veth: the container sees eth0 with its address"
check "veth: DEL ran on removal (host end and records gone)" settled

settled || true
out=$(prun v2 --rm --network nct43veth --ip 10.43.0.9 --mac-address 02:00:00:43:00:09 "$IMG" ip -o addr show eth0) || true
like "$out" "inet 10\.43\.0\.9/24" "veth: podman's --ip arrives in CNI_ARGS and replaces the address"
settled || true
out=$(prun v3 --rm --network nct43veth --mac-address 02:00:00:43:00:09 "$IMG" ip -o link show eth0) || true
like "$out" "link/ether 02:00:00:43:00:09" "veth: podman's --mac-address arrives in CNI_ARGS"

# ---- physical NIC: a web server reachable from the host --------------------------
settled || true
WEB=nct43-$$-web
prun web -d --network nct43phys "$IMG" httpd -f -p 8080 -h /www >/dev/null || true
check_fails "physical: pnic0 left the host" quiet ip -n "$HOST" link show pnic0
is "$(records)" 2 "physical: a state and an attachment record while the container runs"
is "$(pod inspect -f '{{(index .NetworkSettings.Networks "nct43phys").IPAddress}}' "$WEB")" "10.43.1.5" \
	"physical: podman read the address from the result"
like "$(pod exec "$WEB" ip -o addr show eth0)" "inet 10\.43\.1\.5/24" "physical: the container sees eth0 (was pnic0) with its address"
body=""
for _ in $(seq 50); do
	body=$(hostx curl -s --max-time 2 http://10.43.1.5:8080/ 2>/dev/null) && [ -n "$body" ] && break
	sleep 0.1
done
is "$body" "hello from netnsctl-cni" "physical: the host namespace reaches the container's server over the NIC"
pod rm -f -t 0 "$WEB" >/dev/null || true
check "physical: DEL ran on removal (records gone)" settled
check "physical: after removal pnic0 is back on the host under its name" quiet ip -n "$HOST" link show pnic0
is "$(ip -n "$HOST" -j link show pnic0 | jq -r '.[0].ifalias // ""')" "" "physical: its alias restored"
done_testing
