#!/usr/bin/env bash
# t93: guarantee 6 of issue 9, hostile input, beyond what t13 (names,
# symlinked / writable / foreign-owned config files) covers.
#
#   $CFG/              (root, 0755)  hostile configs, one per case
#   $T/...             config dirs with bad owners or modes, symlink targets
#   /run/netns/$P"*"   squatters: a plain file, a directory, a symlink to
#                      the test's host namespace, a bind mount of a UTS ns
#   +------------- $HOST (throwaway "host") ------------+
#   |  nic0 (fake NIC; must never move)                  |
#   +----------------------------------------------------+
#
# Every case runs under `timeout` (a hang is exit 124), and must give a
# clear message, the documented exit status, and apply nothing: the host
# snapshot (links, addresses, routes, /run/netns, /run/netnsctl, /etc/netns)
# is unchanged and no state record appears.
#   Exit 2 (usage or config error: the operator must fix the input):
#     a sparse 1 GB config, the same as a drop-in, 4 MiB + 1 byte, a 1 MB
#     line, a 64 KiB+ logical line built from continuations, NUL bytes,
#     invalid UTF-8 (bad byte, overlong, surrogate, truncated), a FIFO, a
#     directory or a device node where the config should be, a config dir
#     not owned by root, a config dir reached through a symlink whose target
#     is world-writable, a drop-in dir that is a symlink, interface names
#     of 16 bytes or with '/', and a 4 MiB config of [Link] sections (it
#     must be refused or checked quickly, not take minutes under the lock).
#   `list` and the systemd generator must return with a FIFO in the config
#   dir, and the generator must not spend a refused 1 GB config's size in
#   memory (peak RSS under 64 MiB).
#   Exit 1 (an operation failure: the config is fine, the host is not):
#     /run/netns/NAME that is not a network namespace, and a corrupt state
#     record. These are left exactly as they are, even by `down --force`.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t93.XXXXXX)
chmod 0755 "$T"
SQUAT=()
cleanup() {
	local f
	for f in "${SQUAT[@]}"; do
		[ -L "$f" ] || ! mountpoint -q "$f" 2>/dev/null || umount "$f"
		rm -rf "$f"
	done
	rm -rf "$T"
	teardown_world
}
trap cleanup EXIT
TIMEOUT=20

# try ARGS...: netnsctl as the host runs it, bounded; RC, ERR.
try() {
	echo "# + netnsctl $*" >&2
	RC=0
	nsenter --net="/run/netns/$HOST" timeout "$TIMEOUT" "$NETNSCTL" "$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	ERR=$(head -c 600 "$T/err")
}
# gen_in DIR DESC: the systemd generator over config dir DIR returns.
gen_in() {
	local dir=$1 desc=$2
	rm -rf "$T/gen"; mkdir -p "$T/gen"
	RC=0
	NETNSCTL_CONFIG_DIR=$dir timeout 10 /usr/bin/time -f %M -o "$T/gen.rss" "$GEN" "$T/gen" "$T/gen" "$T/gen" >/dev/null 2>&1 || RC=$?
	if [ "$RC" = 124 ] || [ "$RC" -ge 128 ]; then not_ok "$desc: the generator hangs or crashes (rc $RC)"; else ok "$desc: the generator returns (rc $RC)"; fi
}
# refused DESC RC REGEX NAME [DIR]: up and check of NAME (config dir DIR)
# exit RC with a message matching REGEX, and nothing is applied.
refused() {
	local desc=$1 want=$2 re=$3 name=$4 dir=${5:-$CFG}
	local before
	before=$(snapshot)
	try --config-dir "$dir" up "$name"
	if [ "$RC" = 124 ]; then not_ok "$desc: up hangs (killed after ${TIMEOUT}s)"; else is "$RC" "$want" "$desc: up exits $want"; fi
	like "$ERR" "$re" "$desc: up says why"
	check "$desc: no namespace" test ! -e "/run/netns/$name"
	check "$desc: no state record" test ! -e "/run/netnsctl/$name.state"
	is "$(snapshot)" "$before" "$desc: host snapshot unchanged"
	# If it was wrongly applied, take it down so the next case starts clean.
	[ -e "/run/netnsctl/$name.state" ] && hostx "$NETNSCTL" --config-dir "$dir" down "$name" >/dev/null 2>&1
	try --config-dir "$dir" check "$name"
	if [ "$RC" = 124 ]; then not_ok "$desc: check hangs"; else is "$RC" "$want" "$desc: check exits $want too"; fi
}

hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
GOOD='[Link]
Kind=physical
Device=nic0
Address=10.93.0.2/24
'

# ---- size ---------------------------------------------------------------------------
truncate -s 1G "$CFG/${P}huge.conf"
refused "sparse 1 GB config" 2 "huge\.conf: file too large \(1073741824 bytes; the limit is 4194304\)" "${P}huge"

printf '%s' "$GOOD" >"$CFG/${P}hugedrop.conf"
mkdir -m 0755 "$CFG/${P}hugedrop.conf.d"
truncate -s 1G "$CFG/${P}hugedrop.conf.d/50-big.conf"
refused "sparse 1 GB drop-in" 2 "50-big\.conf: file too large" "${P}hugedrop"

# The generator reads every config at boot; one it refuses must not cost
# it the file's size in memory (it scans refused ones for Join=).
GEN=$(dirname "$NETNSCTL")/netnsctl-generator
[ -x "$GEN" ] || not_ok "generator binary missing at $GEN"
mkdir -m 0755 "$T/ghuge"
truncate -s 1G "$T/ghuge/${P}huge.conf"
gen_in "$T/ghuge" "a sparse 1 GB config"
rss=$(tail -n1 "$T/gen.rss" 2>/dev/null || echo 0)
check "a sparse 1 GB config: the generator's peak RSS stays under 64 MiB (it was ${rss} KiB)" test "${rss:-999999999}" -lt 65536

{ printf '%s' "$GOOD"; head -c $((4194304 + 1 - ${#GOOD})) /dev/zero | tr '\0' '#'; } >"$CFG/${P}limit.conf"
is "$(stat -c %s "$CFG/${P}limit.conf")" 4194305 "the 4 MiB + 1 config is 4194305 bytes"
refused "config of 4 MiB + 1 byte" 2 "file too large" "${P}limit"

{ printf '[Namespace]\nDescription='; head -c 1048576 /dev/zero | tr '\0' x; printf '\n%s' "$GOOD"; } >"$CFG/${P}line.conf"
refused "a line of 1 MB" 2 "line\.conf:2: line too long \(more than 65536 bytes\)" "${P}line"

{ printf '[Namespace]\n'; for _ in $(seq 1 20); do printf 'Description=%s\\\n' "$(head -c 4000 /dev/zero | tr '\0' y)"; done; printf 'end\n%s' "$GOOD"; } >"$CFG/${P}cont.conf"
refused "20 continuation lines of 4000 bytes" 2 "cont\.conf:2: line too long" "${P}cont"

# A 4 MiB file of [Link] sections: 246,000 links. Whatever the answer, it
# must come quickly: `up` holds the global lock while it validates.
python3 -c "import sys; sys.stdout.write('[Link]\nKind=veth\n' * (4194304 // 17))" >"$CFG/${P}links.conf"
TIMEOUT=10 refused "4 MiB of [Link] sections" 2 "links\.conf:[0-9]+: " "${P}links"
rm -f "$CFG/${P}links.conf"

# ---- bytes -----------------------------------------------------------------------------
printf '[Namespace]\nDescription=a\0b\n%s' "$GOOD" >"$CFG/${P}nul.conf"
refused "NUL byte in a value" 2 "nul\.conf:2: file contains a NUL byte" "${P}nul"
printf '[Namespace]\n\0\0\0\0\n%s' "$GOOD" >"$CFG/${P}nul2.conf"
refused "a line of NUL bytes" 2 "nul2\.conf:2: file contains a NUL byte" "${P}nul2"
i=0
for bad in 'caf\xff' '\xc0\xaf' '\xed\xa0\x80' '\xf8\x88\x80\x80\x80' '\xe2\x82'; do
	i=$((i + 1))
	printf "%s[Namespace]\nDescription=$bad\n" "$GOOD" >"$CFG/${P}utf$i.conf"
	refused "invalid UTF-8 ($bad)" 2 "utf$i\.conf:6: invalid UTF-8" "${P}utf$i"
done
printf '%s[Namespace]\nDescription=caf\xc3\xa9 \xe2\x9c\x93\n' "$GOOD" >"$CFG/${P}utfok.conf"
try --config-dir "$CFG" check "${P}utfok"
is "$RC" 0 "valid UTF-8 in Description= is accepted by check"

# ---- not a regular file ---------------------------------------------------------------------
mkfifo -m 0644 "$CFG/${P}fifo.conf"
# open(2) of a FIFO blocks until a writer comes: 5 s is plenty to tell.
TIMEOUT=5 refused "config that is a FIFO (nobody writes to it)" 2 "fifo\.conf: not a regular file" "${P}fifo"
# Commands that read every config must not hang on it either: list, and
# the systemd generator (which runs at boot).
TIMEOUT=5 try --config-dir "$CFG" list
if [ "$RC" = 124 ] || [ "$RC" -ge 128 ]; then not_ok "list with a FIFO in the config dir: hangs or crashes (rc $RC)"; else ok "list with a FIFO in the config dir returns (rc $RC)"; fi
mkdir -m 0755 "$T/gfifo"
mkfifo -m 0644 "$T/gfifo/${P}fifo.conf"
gen_in "$T/gfifo" "a FIFO in the config dir"
rm -f "$CFG/${P}fifo.conf"
printf '%s' "$GOOD" >"$CFG/${P}fifodrop.conf"
mkdir -m 0755 "$CFG/${P}fifodrop.conf.d"
mkfifo -m 0644 "$CFG/${P}fifodrop.conf.d/50-x.conf"
TIMEOUT=5 refused "drop-in that is a FIFO" 2 "50-x\.conf: not a regular file" "${P}fifodrop"
rm -rf "$CFG/${P}fifodrop.conf" "$CFG/${P}fifodrop.conf.d"
mkdir -m 0755 "$CFG/${P}isdir.conf"
refused "config that is a directory" 2 "isdir\.conf: not a regular file" "${P}isdir"
mknod -m 0644 "$CFG/${P}chr.conf" c 1 5
refused "config that is a device node (/dev/zero's)" 2 "chr\.conf: not a regular file" "${P}chr"

# ---- ownership and symlinks of directories -----------------------------------------------------
mkdir -m 0755 "$T/foreign"
printf '%s' "$GOOD" >"$T/foreign/${P}fd.conf"
chown 65534 "$T/foreign"
refused "config dir not owned by root" 2 "refusing config directory not owned by root" "${P}fd" "$T/foreign"

mkdir -m 0777 "$T/ww"
chmod 0777 "$T/ww"
printf '%s' "$GOOD" >"$T/ww/${P}ln.conf"
ln -s "$T/ww" "$T/link"
refused "config dir that is a symlink to a world-writable dir" 2 "writable by group or others" "${P}ln" "$T/link"

mkdir -m 0755 "$T/sticky"
chmod 1777 "$T/sticky"
printf '%s' "$GOOD" >"$T/sticky/${P}st.conf"
refused "config dir that is world-writable even with the sticky bit" 2 "writable by group or others" "${P}st" "$T/sticky"

# A symlinked drop-in dir is refused like a symlinked config file: whoever
# controls the target, and the directories on the way to it, controls the
# config.
printf '%s' "$GOOD" >"$CFG/${P}dsym.conf"
mkdir -m 0755 "$T/elsewhere.d"
printf '[Link]\nKind=veth\nAddress=10.93.9.2/24\n' >"$T/elsewhere.d/50-extra.conf"
ln -s "$T/elsewhere.d" "$CFG/${P}dsym.conf.d"
refused "drop-in directory that is a symlink" 2 "dsym\.conf\.d.*symbolic link" "${P}dsym"

# ---- interface names ------------------------------------------------------------------------------
for bad in "Name=sixteen-bytes-xy" "Name=a/b" "HostName=sixteen-bytes-xy" "HostName=../x" "Name=a:b"; do
	printf '[Link]\nKind=veth\n%s\n' "$bad" >"$CFG/${P}if.conf"
	refused "interface name $bad" 2 "if\.conf:3: " "${P}if"
done

# ---- /run/netns/NAME that is not a network namespace -----------------------------------------------
# squatter NAME KIND: create /run/netns/NAME as KIND, with a valid config.
squatter() {
	local f=/run/netns/$1
	SQUAT+=("$f")
	case $2 in
	file) echo "not a namespace" >"$f";;
	dir) mkdir "$f";;
	symlink) ln -s "/run/netns/$HOST" "$f";;
	uts) touch "$f"; mount --bind /proc/self/ns/uts "$f";;
	esac
	printf '[Link]\nKind=veth\nHostName=h93\nAddress=10.93.1.2/24\n' >"$CFG/$1.conf"
}
# Each squatter is removed right after its checks: lib.sh's sweep of a
# crashed run cannot remove a directory in /run/netns.
for kind in file symlink uts dir; do
	name=${P}sq$kind
	squatter "$name" "$kind"
	before=$(snapshot) host_links=$(ip -n "$HOST" -o link show | sed -E 's/^[0-9]+: //' | sort)
	ident=$(stat -c '%F %s %i' "/run/netns/$name")
	for cmd in up down "down --force" status; do
		# shellcheck disable=SC2086 # command plus option on purpose
		try --config-dir "$CFG" $cmd "$name"
		if [ "$RC" = 124 ]; then not_ok "/run/netns/NAME is a $kind: $cmd hangs"; continue; fi
		is "$RC" 1 "/run/netns/NAME is a $kind: $cmd exits 1"
		like "$ERR" "/run/netns/$name( exists but is not a network namespace|: it is a symbolic link, not a namespace bind mount)" \
			"/run/netns/NAME is a $kind: $cmd names the file and the problem"
	done
	is "$(stat -c '%F %s %i' "/run/netns/$name")" "$ident" "/run/netns/NAME is a $kind: it is left exactly as it was"
	check "/run/netns/NAME is a $kind: no state record" test ! -e "/run/netnsctl/$name.state"
	is "$(snapshot)" "$before" "/run/netns/NAME is a $kind: host snapshot unchanged"
	is "$(ip -n "$HOST" -o link show | sed -E 's/^[0-9]+: //' | sort)" "$host_links" \
		"/run/netns/NAME is a $kind: no link was made in the host namespace (h93)"
	try --config-dir "$CFG" list --json
	is "$RC" 0 "/run/netns/NAME is a $kind: list --json exits 0"
	check "/run/netns/NAME is a $kind: list --json prints valid JSON" python3 -m json.tool "$T/out"
	case $kind in
	file) is "$(cat "/run/netns/$name")" "not a namespace" "the plain file's content is intact";;
	symlink) check "the host namespace the symlink points at is still there" test -e "/run/netns/$HOST";;
	esac
	# (not through the symlink: that would unmount $HOST)
	[ -L "/run/netns/$name" ] || ! mountpoint -q "/run/netns/$name" || umount "/run/netns/$name"
	rm -rf "/run/netns/$name"
done

# ---- a corrupt state record ---------------------------------------------------------------------
printf '%s' "$GOOD" >"$CFG/${P}corrupt.conf"
mkdir -p /run/netnsctl
printf '# netnsctl state v1: do not edit\nbogus line \xff\n' >"/run/netnsctl/${P}corrupt.state"
before=$(snapshot)
for cmd in up down; do
	try --config-dir "$CFG" $cmd "${P}corrupt"
	is "$RC" 1 "corrupt state record: $cmd exits 1"
	like "$ERR" "${P}corrupt\.state:2: corrupt state record" "corrupt state record: $cmd names the file and line"
done
is "$(snapshot)" "$before" "corrupt state record: nothing applied (nic0 not moved)"
check "corrupt state record: the record is left for a human to look at" test -s "/run/netnsctl/${P}corrupt.state"
rm -f "/run/netnsctl/${P}corrupt.state"
check "nic0 never moved" ip -n "$HOST" link show nic0
done_testing
