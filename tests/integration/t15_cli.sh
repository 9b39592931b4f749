#!/usr/bin/env bash
# t15: the command line: help, version, usage errors, config directory
# selection, drop-in order and exit codes.
#
#   +---------------- $HOST (throwaway "host") ----------------+
#   |  veth host ends of the namespaces below                    |
#   +-----------------------------------------------------------+
#   $P drop:   eth0 10.81.0.2/24 (main file)
#              + eth1 10.81.1.2/24 mtu 1300 (drop-in 10-addlink.conf)
#              drop-ins 20-, 30-, 9- set Description/Loopback/Sysctl
#   $P drop2:  the same drop-ins with the later values swapped
#   $P envns:  found only through NETNSCTL_CONFIG_DIR or --config-dir
#
# Proves: --help/-h and COMMAND --help print usage and exit 0; --version
# prints the version; unknown commands and options, missing or extra
# operands exit 2 with a "Try ... --help" hint; NETNSCTL_CONFIG_DIR and
# --config-dir both select the config directory, and --config-dir wins;
# NAME.conf.d/*.conf drop-ins apply after the main file in lexical (byte)
# order, so later files override single values, an empty assignment clears
# a list, and a drop-in can add a link; exit codes are 0 (success),
# 1 (operation failed) and 2 (usage or config error), and with several
# names the worst status wins.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t15.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT
chmod 0755 "$T"

try() {
	echo "# + $*" >&2
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
nx() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
# raw ARGS: netnsctl in the host namespace with no --config-dir at all.
raw() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" "$@"; }
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# ---- help and version ------------------------------------------------------------------
for opt in --help -h; do
	try raw "$opt"
	is "$RC" 0 "$opt exits 0"
	like "$OUT" "^Usage: netnsctl " "$opt prints usage on stdout"
	is "$ERR" "" "$opt prints nothing on stderr"
done
for cmd in up down list status check; do
	like "$OUT" $'\n'"  $cmd " "--help lists the '$cmd' command"
done
like "$OUT" "--config-dir" "--help documents --config-dir"
like "$OUT" "NETNSCTL_CONFIG_DIR" "--help documents NETNSCTL_CONFIG_DIR"
like "$OUT" "0 success, 1 operation failed, 2 usage or config error" "--help documents the exit codes"
for cmd in up down list status check; do
	try raw "$cmd" --help
	is "$RC" 0 "$cmd --help exits 0"
	like "$OUT" "^Usage: netnsctl $cmd" "$cmd --help prints the usage of $cmd"
	is "$ERR" "" "$cmd --help prints nothing on stderr"
done
try raw up --help "${P}never"
check "up --help with a name only prints help" test ! -e "/run/netns/${P}never"
try raw --version
is "$RC" 0 "--version exits 0"
like "$OUT" "^netnsctl [0-9]+\.[0-9]+\.[0-9]+" "--version prints 'netnsctl X.Y.Z'"

# ---- usage errors: exit 2, nothing on stdout, a hint -------------------------------------
usage_error() {
	local desc=$1 re=$2; shift 2
	try "$@"
	is "$RC" 2 "$desc: exit 2"
	like "$ERR" "$re" "$desc: says what is wrong"
	like "$ERR" "Try 'netnsctl .*--help'" "$desc: points at --help"
}
usage_error "unknown command" "unknown command 'frobnicate'" raw frobnicate
usage_error "unknown global option" "unknown option '--frobnicate'" raw --frobnicate list
usage_error "unknown option of list" "unknown option '--frobnicate'" raw list --frobnicate
usage_error "--force is not an option of up" "unknown option '--force'" nx up --force "${P}x"
usage_error "--json is not an option of up" "unknown option '--json" nx up --json "${P}x"
usage_error "--json takes only pretty or short" "--json takes" nx list --json=yaml
usage_error "up without a name" "missing namespace name" nx up
usage_error "down without a name" "missing namespace name" nx down
usage_error "status with two names" "too many arguments" nx status a b
usage_error "list with an operand" "unexpected argument" nx list extra
try raw
is "$RC" 2 "no command at all: exit 2"
like "$ERR" "Usage: netnsctl" "no command at all: usage on stderr"
try raw --config-dir
is "$RC" 2 "--config-dir without its argument: exit 2"

# ---- config directory: NETNSCTL_CONFIG_DIR and --config-dir ------------------------------
ENVDIR="$T/envdir" OTHER="$T/other" EMPTY="$T/empty"
mkdir -m 0755 "$ENVDIR" "$OTHER" "$EMPTY"
printf '[Namespace]\nDescription=from envdir\n' >"$ENVDIR/${P}envns.conf"
printf '[Namespace]\nDescription=from other\n' >"$OTHER/${P}envns.conf"
try env NETNSCTL_CONFIG_DIR="$ENVDIR" nsenter --net="/run/netns/$HOST" "$NETNSCTL" check "${P}envns"
is "$RC" 0 "NETNSCTL_CONFIG_DIR: check finds the config there"
try env NETNSCTL_CONFIG_DIR="$EMPTY" nsenter --net="/run/netns/$HOST" "$NETNSCTL" check "${P}envns"
is "$RC" 2 "NETNSCTL_CONFIG_DIR pointing elsewhere: the config is not found (exit 2)"
like "$ERR" "$EMPTY/${P}envns\.conf" "and the message names the path it looked for"
try env NETNSCTL_CONFIG_DIR="$ENVDIR" nsenter --net="/run/netns/$HOST" "$NETNSCTL" up "${P}envns"
is "$RC" 0 "NETNSCTL_CONFIG_DIR: up works"
check "the namespace exists" test -e "/run/netns/${P}envns"
try env NETNSCTL_CONFIG_DIR="$ENVDIR" nsenter --net="/run/netns/$HOST" "$NETNSCTL" status --json "${P}envns"
is "$(json_field "$OUT" description)" "from envdir" "NETNSCTL_CONFIG_DIR: status reads the description from there"
try env NETNSCTL_CONFIG_DIR="$ENVDIR" nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$OTHER" status --json "${P}envns"
is "$(json_field "$OUT" description)" "from other" "--config-dir wins over NETNSCTL_CONFIG_DIR"
try env NETNSCTL_CONFIG_DIR="$EMPTY" nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$ENVDIR" check "${P}envns"
is "$RC" 0 "--config-dir finds the config when the environment points elsewhere"
try env NETNSCTL_CONFIG_DIR="$ENVDIR" nsenter --net="/run/netns/$HOST" "$NETNSCTL" down "${P}envns"
is "$RC" 0 "down through NETNSCTL_CONFIG_DIR"
check "the namespace is gone" test ! -e "/run/netns/${P}envns"

# ---- drop-ins in lexical order ---------------------------------------------------------
# write_dropins NAME LATE_LO LATE_SYSCTL: the main file, then drop-ins
# created out of order. Lexical order is 10- < 20- < 30- < 9-.
write_dropins() {
	local d="$CFG/$P$1.conf.d"
	printf '[Namespace]\nDescription=main\n\n[Link]\nKind=veth\nAddress=%s.0.2/24\n' "$4" >"$CFG/$P$1.conf"
	mkdir -m 0755 "$d"
	printf '[Namespace]\nDescription=from 9\n' >"$d/9-last.conf"
	printf '[Namespace]\nDescription=from 30\nLoopback=%s\nSysctl=%s\n' "$2" "$3" >"$d/30-late.conf"
	printf '[Link]\nKind=veth\nName=eth1\nAddress=%s.1.2/24\nMTU=1300\n' "$4" >"$d/10-addlink.conf"
	printf '[Namespace]\nDescription=from 20\nLoopback=%s\nSysctl=%s\n' \
		"$([ "$2" = yes ] && echo no || echo yes)" \
		"$([ -z "$3" ] && echo net.ipv4.ip_forward=1)" >"$d/20-early.conf"
	printf '[Namespace]\nDescription=not a drop-in\n' >"$d/99-ignored.conf~"
}
write_dropins drop yes "" 10.81
write_dropins drop2 no "net.ipv4.ip_forward=1" 10.82

try nx up "${P}drop"
is "$RC" 0 "up with drop-ins"
like "$(inns drop ip -o addr show dev eth0)" "inet 10\.81\.0\.2/24" "the main file's link is there"
like "$(inns drop ip -o addr show dev eth1)" "inet 10\.81\.1\.2/24" "drop-in 10 added a link with its address"
like "$(inns drop ip -o link show eth1)" "mtu 1300" "drop-in 10's MTU applies to its link"
try nx status --json "${P}drop"
is "$(json_field "$OUT" description)" "from 9" "Description comes from 9-last.conf, lexically last (not numerically)"
like "$(inns drop ip -o link show lo)" "<[^>]*[,<]UP[,>]" "Loopback=yes of 30- overrides Loopback=no of 20-"
is "$(inns drop cat /proc/sys/net/ipv4/ip_forward)" "0" "an empty Sysctl= in 30- clears the Sysctl= list of 20-"
check "99-ignored.conf~ (not *.conf) was ignored, though it sorts after 9-last.conf" \
	test "$(json_field "$OUT" description)" != "not a drop-in"

try nx up "${P}drop2"
is "$RC" 0 "up with the swapped drop-ins"
like "$(inns drop2 ip -o link show lo)" "^1: lo: <LOOPBACK>" "Loopback=no of 30- overrides Loopback=yes of 20-"
is "$(inns drop2 cat /proc/sys/net/ipv4/ip_forward)" "1" "Sysctl= of 30- applies after the empty Sysctl= of 20-"
try nx check "${P}drop2"
is "$OUT" "${P}drop2: ok (2 links, 0 routes)" "check counts the link a drop-in adds"

# ---- exit codes --------------------------------------------------------------------------
printf '[Link]\nKind=veth\nAdress=10.0.0.1/24\n' >"$CFG/${P}bad.conf"
printf '[Namespace]\n' >"$CFG/${P}ok.conf"
run ip netns add "${P}foreign"
try nx check "${P}ok"
is "$RC" 0 "exit 0: check of a good config"
try nx check "${P}bad"
is "$RC" 2 "exit 2: check of a bad config"
try nx down "${P}foreign"
is "$RC" 1 "exit 1: down of an unmanaged namespace (operation refused)"
try nx status "${P}nosuch"
is "$RC" 1 "exit 1: status of a name that is neither configured nor live"
like "$ERR" "no namespace or config named '${P}nosuch'" "and says so"

try nx up "${P}ok" "${P}bad"
is "$RC" 2 "up GOOD BAD: the worst status (2) wins"
like "$OUT" "${P}ok: created" "up GOOD BAD: the good one is still applied"
check "up GOOD BAD: the good namespace exists" test -e "/run/netns/${P}ok"
check "up GOOD BAD: the bad one does not" test ! -e "/run/netns/${P}bad"
try nx down "${P}ok" "${P}foreign"
is "$RC" 1 "down GOOD UNMANAGED: exit 1"
check "down GOOD UNMANAGED: the good one is down" test ! -e "/run/netns/${P}ok"
check "down GOOD UNMANAGED: the unmanaged one is left" test -e "/run/netns/${P}foreign"
try nx up "${P}ok" "../x"
is "$RC" 2 "up GOOD ../x: exit 2"
check "up GOOD ../x: names are checked before anything is applied" test ! -e "/run/netns/${P}ok"

try nx down "${P}drop" "${P}drop2"
is "$RC" 0 "down of both drop-in namespaces"
done_testing
