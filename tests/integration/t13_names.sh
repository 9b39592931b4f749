#!/usr/bin/env bash
# t13: hostile namespace names and unsafe config files are refused.
#
#   $T/cfg/                      decoy: x.conf   <- what "../x" would reach
#   $T/cfg/inner/   (--config-dir) decoy: a/b.conf <- what "a/b" would reach
#   /run/netns/, /run/netnsctl/  must gain nothing
#   +---------------- $HOST (throwaway "host") ----------------+
#   |  (no namespace, state record or link may appear)          |
#   +-----------------------------------------------------------+
#
# Proves: `../x`, `a/b`, `.`, `..`, the empty string, 65 characters, names
# with a newline, tab, escape or space, and non-ASCII names are refused
# with exit 2 by up, down, down --force, status and check, even when a
# decoy config sits where a traversal would land, and nothing is created
# or deleted. Exactly 64 characters is accepted. A config file that is a
# symlink to elsewhere, is group/world-writable, or is not owned by root,
# a world-writable drop-in and a world-writable config directory are all
# refused as root (exit 2, the message says why) and nothing is applied.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t13.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT
chmod 0755 "$T"

try() {
	echo "# + $(printf '%q ' "$@")" >&2
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
# nxd DIR ARGS: netnsctl as the host runs it, with config dir DIR.
nxd() { local d=$1; shift; nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$d" "$@"; }
nx() { nxd "$CFG" "$@"; }

# Decoys: valid configs placed where a name that escapes the config dir
# would find them.
mkdir -p "$T/cfg/inner/${P}a"
chmod 0755 "$T/cfg" "$T/cfg/inner" "$T/cfg/inner/${P}a"
DIR="$T/cfg/inner"
printf '[Namespace]\nDescription=decoy\n' >"$T/cfg/${P}x.conf"
printf '[Namespace]\nDescription=decoy\n' >"$DIR/${P}a/b.conf"
# "", "." and ".." would make DIR/.conf, DIR/..conf and DIR/...conf.
for f in .conf ..conf ...conf; do printf '[Namespace]\nDescription=decoy\n' >"$DIR/$f"; done

long65="${P}$(printf 'x%.0s' $(seq 1 $((65 - ${#P}))))"
long64="${long65:1}"
hostile=(
	"../${P}x"
	"${P}a/b"
	"."
	".."
	""
	"$long65"
	"${P}nl"$'\n'"x"
	"${P}tab"$'\t'"x"
	"${P}esc"$'\e'"[31mx"
	"${P}sp ace"
	"${P}caf"$'\xc3\xa9'
)
# Paths a traversal would create or remove.
victims=("/run/${P}x" "/run/${P}x.state" "/run/netns/${P}a" "/run/netnsctl/${P}a")

before=$(snapshot)
for n in "${hostile[@]}"; do
	shown=$(printf '%q' "$n")
	for cmd in "up" "down" "down --force" "status" "status --json" "check"; do
		# shellcheck disable=SC2086 # $cmd is a command plus option on purpose
		try nxd "$DIR" $cmd "$n"
		is "$RC" 2 "$cmd $shown: exit 2"
		[ "$cmd" = up ] && up_err=$ERR
		if [ "$cmd" = up ] || [ "$cmd" = check ] || [ "$cmd" = status ]; then
			if [[ "$OUT$ERR" == *decoy* ]]; then not_ok "$cmd $shown: the decoy was read"; fi
		fi
	done
	like "$up_err" "invalid namespace name" "$shown: up says the name is invalid"
	for v in "${victims[@]}"; do
		[ -e "$v" ] && not_ok "$shown: $v was created"
	done
	check "$shown: the config dir's parent still holds its decoy" test -f "$T/cfg/${P}x.conf"
	check "$shown: /run/netns is still there" test -d /run/netns
	check "$shown: /run/netnsctl is still there" test -d /run/netnsctl
	is "$(snapshot)" "$before" "$shown: host snapshot unchanged"
done

# [Namespace] Name= with a hostile value is refused in the file itself.
printf '[Namespace]\nName=../%sx\n' "$P" >"$CFG/${P}named.conf"
try nx check "${P}named"
is "$RC" 2 "Name=../x in a config: check exits 2"
like "$ERR" "${P}named\.conf:2: invalid namespace name" "Name=../x: FILE:LINE: and why"
try nx up "${P}named"
is "$RC" 2 "Name=../x in a config: up exits 2"
check "Name=../x: nothing created" test ! -e "/run/netns/${P}named" -a ! -e "/run/${P}x"

# Exactly 64 characters is a valid name.
printf '[Namespace]\nDescription=64 characters\n' >"$CFG/$long64.conf"
try nx up "$long64"
is "$RC" 0 "a 64-character name comes up (${#long64} characters)"
check "it exists in /run/netns" test -e "/run/netns/$long64"
try nx down "$long64"
is "$RC" 0 "and goes down"
check "and is gone" test ! -e "/run/netns/$long64"
is "$(snapshot)" "$before" "host snapshot unchanged after the 64-character name"

# ---- unsafe config files (we are root) ------------------------------------------------
# refused NAME REGEX DESC [DIR]: up NAME exits 2, the message matches REGEX,
# nothing is applied.
refused() {
	local name=$1 re=$2 desc=$3 dir=${4:-$CFG}
	try nxd "$dir" up "$name"
	is "$RC" 2 "$desc: up exits 2"
	like "$ERR" "$re" "$desc: the message says why"
	check "$desc: no namespace" test ! -e "/run/netns/$name"
	check "$desc: no state record" test ! -e "/run/netnsctl/$name.state"
	is "$(snapshot)" "$before" "$desc: host snapshot unchanged"
	# If it was wrongly applied, take it down so the next case starts clean.
	[ -e "/run/netnsctl/$name.state" ] && nxd "$dir" down "$name" >/dev/null 2>&1
	try nxd "$dir" check "$name"
	is "$RC" 2 "$desc: check exits 2 too"
}

ELSE="$T/elsewhere"
mkdir -m 0755 "$ELSE"
printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$ELSE/real.conf"
chmod 0644 "$ELSE/real.conf"
ln -s "$ELSE/real.conf" "$CFG/${P}sym.conf"
refused "${P}sym" "symbolic link|symlink" "config file symlinked from elsewhere"

printf '[Link]\nKind=veth\n' >"$ELSE/ww.conf"
chmod 0666 "$ELSE/ww.conf"
ln -s "$ELSE/ww.conf" "$CFG/${P}symww.conf"
refused "${P}symww" "symbolic link|symlink|writable" "symlink to a world-writable file"

printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$CFG/${P}ww.conf"
chmod 0666 "$CFG/${P}ww.conf"
refused "${P}ww" "writable by group or others" "world-writable config file"

printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$CFG/${P}gw.conf"
chmod 0664 "$CFG/${P}gw.conf"
refused "${P}gw" "writable by group or others" "group-writable config file"

printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$CFG/${P}owner.conf"
chown 65534 "$CFG/${P}owner.conf"
refused "${P}owner" "not owned by root" "config file owned by another user"

printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$CFG/${P}dropww.conf"
mkdir -m 0755 "$CFG/${P}dropww.conf.d"
printf '[Namespace]\nDescription=drop-in\n' >"$CFG/${P}dropww.conf.d/10-x.conf"
chmod 0666 "$CFG/${P}dropww.conf.d/10-x.conf"
refused "${P}dropww" "10-x\.conf.*writable by group or others" "world-writable drop-in"

WW="$T/wwdir"
mkdir -m 0777 "$WW"
chmod 0777 "$WW" # whatever the umask
printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$WW/${P}wwdir.conf"
refused "${P}wwdir" "writable by group or others" "world-writable config directory" "$WW"

done_testing
