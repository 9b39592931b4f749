#!/usr/bin/env bash
# t82: the human output of `list` and `status`: aligned columns, colour only
# on a terminal and never with NO_COLOR or TERM=dumb, and the content
# checked against iproute2 and /proc.
#
#   +---------------- $HOST (throwaway "host") -------------------------+
#   |  $P"nl" (LAN side)         $P"v" 10.82.0.1/24                       |
#   +-----|------------------------|-------------------------------------+
#         | veth (fake NIC)        | veth
#   +-----|----------- $P web -----|-------------------------------------+
#   |  lan0 192.0.2.82/24 2001:db8:82::2/64   eth0 10.82.0.2/24          |
#   |  default via 192.0.2.1, 198.51.100.0/24 via 10.82.0.1 metric 50     |
#   |  Join=t82-a.service t82-b.service; `sleep` running inside          |
#   +--------------------------------------------------------------------+
#   $P live: `ip netns add` (unmanaged)   $P idle: configured, never up
#   $P broken: a config with an error
#
# A terminal is provided by script(1), which runs the command on a pty.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t82.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT

nx1() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
# list and status read every entry of /run/netns, and today one that is not
# (yet) a namespace makes them fail: other tests running at the same time
# create such entries for a moment (ip netns add makes the file before the
# mount). Retry a few times; the check "one entry that is not a namespace"
# below reports the bug itself, without any race.
nx() {
	local out rc
	for _ in 1 2 3 4 5; do
		rc=0
		out=$(nx1 "$@" 2>"$T/nx.err") || rc=$?
		grep -q "is not a network namespace" "$T/nx.err" || break
		sleep 0.2
	done
	cat "$T/nx.err" >&2
	[ -z "$out" ] || printf '%s\n' "$out"
	return "$rc"
}
# on_tty ENV... -- ARGS: netnsctl ARGS on a pseudo-terminal, with ENV.
on_tty() {
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	env "${env[@]}" script -qec "nsenter --net=/run/netns/$HOST $NETNSCTL --config-dir $CFG $*" /dev/null | tr -d '\r'
}
ESC=$'\033'
diag() { sed 's/^/#   /'; }
uncolor() { sed "s/${ESC}\[[0-9;]*m//g"; }

# aligned TEXT: every block (a header line in capitals and the rows up to
# the next blank line) has its columns where the header has them: a left
# column's cell starts there, a right-aligned one (MTU, LINKS, METRIC, PID)
# ends where its header ends. Prints what is off, nothing when all is well.
aligned() {
	python3 - "$1" <<'PY'
import re, sys
right = {"MTU", "LINKS", "METRIC", "PID"}
lines = sys.argv[1].split("\n")
bad = []
i = 0
while i < len(lines):
    h = lines[i]
    if not re.fullmatch(r" *[A-Z]+( ?[A-Z]+)*( {2,}[A-Z]+( [A-Z]+)*)+", h):
        i += 1
        continue
    cols = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[A-Z]+( [A-Z]+)*", h)]
    i += 1
    while i < len(lines) and lines[i].strip() and not lines[i].startswith("  ("):
        row = lines[i]
        for k, (s, e, name) in enumerate(cols):
            if name in right:
                if not row[max(s, 0):e].strip():
                    continue  # an empty cell (a continuation line)
                if e > len(row) or row[e - 1] == " " or (e < len(row) and row[e] != " "):
                    bad.append("%r: column %s does not end at %d" % (row, name, e))
            elif s < len(row) and row[s] != " ":
                if s > 0 and row[s - 1] != " ":
                    bad.append("%r: column %s does not start at %d" % (row, name, s))
        i += 1
print("\n".join(bad))
PY
}

fake_nic "${P}n" "${P}nl"
conf web <<EOF
[Namespace]
Description=web on its own NIC
[Link]
Kind=physical
Device=${P}n
Name=lan0
Address=192.0.2.82/24 2001:db8:82::2/64
Gateway=192.0.2.1
[Link]
Kind=veth
HostName=${P}v
Address=10.82.0.2/24
HostAddress=10.82.0.1/24
[Route]
Destination=198.51.100.0/24
Gateway=10.82.0.1
Metric=50
[Service]
Join=t82-a.service t82-b
EOF
conf idle <<<'[Link]
Kind=veth'
conf broken <<<'[Link]
Kind=physical'
run nx up "${P}web" >/dev/null
run ip netns add "${P}live"
# nsenter execs sleep in place, so $! is the pid of sleep itself.
nsenter --net="/run/netns/${P}web" sleep 600 &
SLEEP=$!
for _ in $(seq 100); do grep -q '^sleep' "/proc/$SLEEP/comm" 2>/dev/null && break; sleep 0.05; done

# ---- list ----------------------------------------------------------------------------
list=$(nx list)
diag <<<"$list"
like "$(head -n 1 <<<"$list")" "^NAME +MANAGED +STATE +LINKS +JOINS$" "list: a header line"
is "$(aligned "$list")" "" "list: every column is aligned with its header"
like "$(grep "^${P}web " <<<"$list")" "^${P}web +managed +up +2 +t82-a\.service,t82-b\.service$" \
	"list: the managed namespace, up, 2 links, its joined units"
like "$(grep "^${P}live " <<<"$list")" "^${P}live +unmanaged +up +0 +-$" "list: the ip-netns namespace, unmanaged"
like "$(grep "^${P}idle " <<<"$list")" "^${P}idle +- +down +0 +-$" "list: the configured one that is not up"
like "$(grep "^${P}broken " <<<"$list")" "^${P}broken +- +down +0 +\(config error\)$" "list: the broken config"
check_fails "list: no escape sequences when stdout is not a terminal" grep -q "$ESC" <<<"$list"
check_fails "list: no trailing blanks" grep -q ' $' <<<"$list"

tty=$(on_tty NO_COLOR= TERM=xterm -- list)
like "$tty" "${ESC}\[32mup${ESC}\[0m" "list on a terminal: 'up' in green"
like "$tty" "${ESC}\[1mNAME${ESC}\[0m" "list on a terminal: a bold header"
# Other tests add and remove namespaces meanwhile (and the name column is as
# wide as the longest name): compare this test's rows, blanks squeezed.
ours() { grep -E "^(NAME|$P)" | tr -s ' '; }
is "$(uncolor <<<"$tty" | ours)" "$(ours <<<"$list")" "list on a terminal: the same text once the colour is removed"
check_fails "list with NO_COLOR=1 on a terminal: no colour" grep -q "$ESC" <<<"$(on_tty NO_COLOR=1 TERM=xterm -- list)"
check_fails "list with TERM=dumb on a terminal: no colour" grep -q "$ESC" <<<"$(on_tty NO_COLOR= TERM=dumb -- list)"

# ---- status NAME ------------------------------------------------------------------------
status=$(nx status "${P}web")
diag <<<"$status"
is "$(head -n 1 <<<"$status")" "${P}web: up, managed" "status: name, state and managed on the first line"
like "$status" $'\n  web on its own NIC\n' "status: the description"
is "$(aligned "$status")" "" "status: every table is aligned with its header"
check_fails "status: no escape sequences when stdout is not a terminal" grep -q "$ESC" <<<"$status"
check_fails "status: no trailing blanks" grep -q ' $' <<<"$status"
like "$status" $'\n  LINK +KIND +STATE +MTU +MAC +ADDRESSES +HOST\n' "status: a link table"

# Each link against iproute2: state, MTU, MAC, and every address that is not
# link-local, one per line under ADDRESSES.
for dev in lo lan0 eth0; do
	j=$(ip -n "${P}web" -j addr show dev "$dev")
	mtu=$(jq -r '.[0].mtu' <<<"$j")
	mac=$(jq -r '.[0].address' <<<"$j")
	[ "$dev" = lo ] && mac=-
	row=$(grep -E "^  $dev " <<<"$status" || true)
	like "$row" "^  $dev +[a-z]+ +up +$mtu +$mac( |$)" "status: $dev is up with MTU $mtu and MAC $mac, as ip says"
	for a in $(jq -r '.[0].addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"' <<<"$j"); do
		check "status: $dev shows $a" grep -qE "^  ($dev +.* +)?[ ]*$a( |$)|^ +$a( |$)" <<<"$status"
	done
	for a in $(jq -r '.[0].addr_info[] | select(.scope == "link") | .local' <<<"$j"); do
		check_fails "status: $dev's link-local $a is left to --json" grep -qF "$a" <<<"$status"
	done
done
like "$(grep -E '^  lan0 ' <<<"$status")" " physical .* from ${P}n$" "status: lan0 is physical and came from ${P}n"
like "$(grep -E '^  eth0 ' <<<"$status")" " veth .* ${P}v$" "status: eth0 is a veth with host end ${P}v"

# Routes: those netnsctl made, as ip shows them with proto static.
like "$status" $'\n  ROUTE +VIA +DEV +METRIC +FROM\n' "status: a route table"
like "$(grep -E '^  default ' <<<"$status")" "^  default +192\.0\.2\.1 +lan0 +0 +netnsctl$" "status: the default route"
like "$(grep -E '^  198\.51' <<<"$status")" "^  198\.51\.100\.0/24 +10\.82\.0\.1 +eth0 +50 +netnsctl$" \
	"status: the [Route], with its metric"
is "$(ip -n "${P}web" -4 route show proto static | wc -l)" 2 "(ip agrees: two static IPv4 routes)"
check_fails "status: kernel prefix routes are left out" grep -qE '^  192\.0\.2\.0/24 ' <<<"$status"

# Joined units. Without systemd as PID 1 their state cannot be known: the
# table still lists them and says why the state is missing.
like "$status" $'\n  UNIT +STATE +JOINED BY\n' "status: a unit table"
like "$(grep -E '^  t82-a\.service ' <<<"$status")" "Join= \($CFG/${P}web\.conf:19\)$" \
	"status: each joined unit with the config line that joins it"
check "status: t82-b (no suffix) is t82-b.service" grep -qE '^  t82-b\.service ' <<<"$status"
if [ -d /run/systemd/system ]; then
	skip "status without systemd" "this machine runs systemd; t83 covers unit states"
else
	like "$status" $'\n  \\(unit states not shown: systemd is not running\\)' \
		"status: says unit states are not shown because systemd is not running"
fi

# Processes: the sleep started inside, as /proc knows it.
like "$status" $'\n +PID +USER +UNIT +COMMAND\n' "status: a process table"
like "$(grep -E "^ +$SLEEP " <<<"$status" || true)" "^ +$SLEEP +root +.* +sleep 600$" \
	"status: the process inside, with its pid, user and command"

# Link states follow the kernel: an inside link set down, and a veth whose
# host end is down (no carrier).
run ip -n "${P}web" link set lan0 down
run ip -n "$HOST" link set "${P}v" down
status=$(nx status "${P}web")
like "$(grep -E '^  lan0 ' <<<"$status")" "^  lan0 +physical +down " "status: a link set down shows down"
like "$(ip -n "${P}web" -o link show eth0)" "NO-CARRIER.* state DOWN" "(ip: eth0 is up but has no carrier)"
like "$(grep -E '^  eth0 ' <<<"$status")" "^  eth0 +veth +no-carrier " "status: so status says no-carrier"
tty=$(on_tty NO_COLOR= TERM=xterm -- status "${P}web")
like "$tty" "${ESC}\[31mdown${ESC}\[0m" "status on a terminal: a down link in red"
like "$tty" "${ESC}\[33mno-carrier${ESC}\[0m" "status on a terminal: no-carrier in yellow"
is "$(uncolor <<<"$tty")" "$status" "status on a terminal: the same text once the colour is removed"
check_fails "status with NO_COLOR=1 on a terminal: no colour" \
	grep -q "$ESC" <<<"$(on_tty NO_COLOR=1 TERM=xterm -- status "${P}web")"

# An entry of /run/netns that is not a namespace (an empty file, as during
# `ip netns add`) must not make list and status fail for every other one.
# Done in a private mount namespace with its own /run/netns, so that other
# tests running meanwhile never see the bogus entry.
# shellcheck disable=SC2016 # expanded by the inner shell
priv=$(unshare -m --propagation private sh -c '
	mount -t tmpfs t82 /run/netns && touch "/run/netns/$1bogus" "/run/netns/$1real" &&
	mount --bind /proc/self/ns/net "/run/netns/$1real" &&
	"$2" --config-dir "$3" list 2>&1; echo "rc=$?"' t82 "$P" "$NETNSCTL" "$CFG")
diag <<<"$priv"
like "$priv" "rc=0" "list succeeds when another entry of /run/netns is not a namespace"
like "$priv" $'\n'"${P}real +unmanaged +up " "and still shows the namespaces that are"

# ---- other namespaces and errors ------------------------------------------------------
like "$(nx status "${P}live")" "^${P}live: up, unmanaged" "status of an ip-netns namespace: unmanaged"
like "$(nx status "${P}idle")" "^${P}idle: down, configured, not created" "status of a configured one that is down"
like "$(nx status "${P}broken")" "config error: .*${P}broken\.conf:2: Kind=physical needs Device=" \
	"status of a broken config shows the error with file:line"
all=$(nx status)
for n in web live idle broken; do
	check "status without NAME shows ${P}$n" grep -q "^${P}$n: " <<<"$all"
done
rc=0
err=$(nx status "${P}nosuch" 2>&1) || rc=$?
is "$rc" 1 "status of an unknown name: exit 1"
like "$err" "\(see netnsctl list\)$" "and the error ends with a hint"
rc=0
err=$(nx check "${P}broken" 2>&1) || rc=$?
is "$rc" 2 "check of the broken config: exit 2"
like "$err" "Kind=physical needs Device= .*\(see netnsctl\.conf\(5\), section \[Link\]\)$" \
	"its error ends with the hint to netnsctl.conf(5), section [Link]"
check "and that section exists in the manual" grep -q '^# \[Link\] SECTION' "$ROOT/man/netnsctl.conf.5.scd"
kill "$SLEEP" 2>/dev/null || true
wait 2>/dev/null || true
done_testing
