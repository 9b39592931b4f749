#!/usr/bin/env bash
# t12: a bad config applies nothing.
#
#   +---------------- $HOST (throwaway "host") ----------------+
#   |  taken0 <-> taken0-lan   (fake NIC whose name a config     |
#   |                           tries to use as a veth host end) |
#   |  (no namespace, state record or link may appear)          |
#   +-----------------------------------------------------------+
#
# Proves: configs with errors -- an unknown key with a near miss, invalid
# addresses, a missing Kind=, an out-of-range MTU, an unknown section, a
# Kind=physical whose Device= does not exist, a host end name already taken,
# a bad drop-in in NAME.conf.d/ -- make `up` exit 2 with a FILE:LINE:
# message, and leave the host snapshot exactly as it was (no namespace, no
# state record, no link). A config the kernel rejects half-way (a route via
# an unreachable gateway) exits 1 and is rolled back completely. `check`
# exits 0 on good configs and 2 on bad ones, by NAME and by FILE, and with
# no operand checks every config in the directory.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t12.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT

try() {
	echo "# + $*" >&2
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
nx() { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
# ere_quote STRING: STRING with regex metacharacters escaped.
ere_quote() { sed -E 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

fake_nic taken0
before=$(snapshot)

# bad_case NAME STATUS LINE REGEX: `up NAME` must exit STATUS, print
# "netnsctl: <file>:LINE: ..." matching REGEX, and change nothing.
# <file> is $CFG/$P NAME.conf unless FILE is set.
bad_case() {
	local short=$1 want=$2 line=$3 re=$4 ns="$P$1"
	local file=${FILE:-$CFG/$ns.conf}
	try nx up "$ns"
	is "$RC" "$want" "$short: up exits $want"
	like "$ERR" "^netnsctl: $(ere_quote "$file"):$line: " "$short: message starts with FILE:LINE: ($(basename "$file"):$line)"
	like "$ERR" "$re" "$short: message says what is wrong"
	is "$(grep -c . <<<"$ERR")" 1 "$short: exactly one error line"
	check "$short: no namespace was created" test ! -e "/run/netns/$ns"
	check "$short: no state record was written" test ! -e "/run/netnsctl/$ns.state"
	is "$(snapshot)" "$before" "$short: host snapshot unchanged"
}

# ---- parse and validation errors ---------------------------------------------------
conf typo <<'CONF'
[Namespace]
Description=typo in a key

[Link]
Kind=veth
Adress=10.0.0.2/24
CONF
bad_case typo 2 6 "unknown key 'Adress' in \[Link\] \(did you mean 'Address'\?\)"

conf badaddr <<'CONF'
[Link]
Kind=veth
Address=10.0.0.300/24
CONF
bad_case badaddr 2 3 "invalid Address '10\.0\.0\.300/24'"

conf noprefix <<'CONF'
[Link]
Kind=veth
Address=10.0.0.1
CONF
bad_case noprefix 2 3 "invalid Address '10\.0\.0\.1'.*PREFIX"

conf bigprefix <<'CONF'
[Link]
Kind=veth
HostAddress=2001:db8::1/129
CONF
bad_case bigprefix 2 3 "invalid HostAddress '2001:db8::1/129'"

# The error is in the second [Link]; the first one, which is fine, must not
# be applied either.
conf nokind <<'CONF'
[Link]
Kind=veth
Address=10.0.0.2/24

[Link]
Name=eth1
Address=10.0.1.2/24
CONF
bad_case nokind 2 5 "\[Link\] needs Kind="

conf mtu <<'CONF'
[Link]
Kind=veth
MTU=67
CONF
bad_case mtu 2 3 "MTU=67 out of range"

conf section <<'CONF'
[Namespace]
[Lnik]
Kind=veth
CONF
bad_case section 2 2 "unknown section \[Lnik\] \(did you mean \[Link\]\?\)"

# ---- errors only the live host can reveal (still config errors) --------------------
conf nonic <<'CONF'
[Link]
Kind=veth
Address=10.0.0.2/24

[Link]
Kind=physical
Device=nosuchnic0
Address=10.0.9.2/24
CONF
bad_case nonic 2 7 "nosuchnic0.*(does not exist|not found|no such)"

conf taken <<'CONF'
[Link]
Kind=veth
HostName=taken0
Address=10.0.0.2/24
CONF
bad_case taken 2 3 "taken0.*already in use"

# ---- a bad drop-in -------------------------------------------------------------------
conf dropin <<'CONF'
[Link]
Kind=veth
Address=10.0.0.2/24
CONF
mkdir "$CFG/${P}dropin.conf.d"
printf '[Link]\nKind=veth\nName=eth1\nAddress=10.0.1.2/24\n' >"$CFG/${P}dropin.conf.d/10-good.conf"
printf '# line 1\n[Namespace]\nIPv6=perhaps\n' >"$CFG/${P}dropin.conf.d/20-bad.conf"
FILE="$CFG/${P}dropin.conf.d/20-bad.conf" bad_case dropin 2 3 "invalid boolean 'perhaps' for IPv6="
# A file in the drop-in dir that does not end in .conf is ignored.
mv "$CFG/${P}dropin.conf.d/20-bad.conf" "$CFG/${P}dropin.conf.d/20-bad.conf.disabled"
try nx check "${P}dropin"
is "$RC" 0 "dropin: with the bad drop-in renamed away from *.conf, check passes"

# ---- the kernel refuses half-way: exit 1 and a full rollback ------------------------
conf unreach <<'CONF'
[Link]
Kind=veth
Address=10.0.0.2/24
HostAddress=10.0.0.1/24

[Link]
Kind=veth
Address=10.0.1.2/24

[Route]
Destination=192.0.2.0/24
Gateway=10.9.9.9
CONF
try nx up "${P}unreach"
is "$RC" 1 "unreach: a route the kernel rejects makes up exit 1"
like "$ERR" "^netnsctl: $(ere_quote "$CFG/${P}unreach.conf"):10: .*192\.0\.2\.0/24" \
	"unreach: the message points at the [Route] and names it"
like "$ERR" "kernel: " "unreach: the message carries the kernel's own text"
check "unreach: the namespace was rolled back" test ! -e "/run/netns/${P}unreach"
check "unreach: no state record is left" test ! -e "/run/netnsctl/${P}unreach.state"
is "$(snapshot)" "$before" "unreach: host snapshot unchanged (both veth ends removed)"

# ---- check ---------------------------------------------------------------------------
conf good <<'CONF'
[Namespace]
Description=fine

[Link]
Kind=veth
Address=10.0.0.2/24
Gateway=10.0.0.1

[Route]
Destination=198.51.100.0/24
Gateway=10.0.0.1
CONF
try nx check "${P}good"
is "$RC" 0 "check NAME of a good config exits 0"
is "$OUT" "${P}good: ok (1 link, 1 route)" "check NAME reports it ok with its counts"
try nx check "${P}typo"
is "$RC" 2 "check NAME of a bad config exits 2"
like "$ERR" "${P}typo\.conf:6: unknown key 'Adress'.*did you mean 'Address'" "check NAME shows FILE:LINE: and the hint"
try nx check "$CFG/${P}good.conf"
is "$RC" 0 "check FILE of a good config exits 0"
try nx check "$CFG/${P}mtu.conf"
is "$RC" 2 "check FILE of a bad config exits 2"
like "$ERR" "${P}mtu\.conf:3: MTU=67" "check FILE shows FILE:LINE:"
try nx check "${P}good" "${P}typo"
is "$RC" 2 "check of a good and a bad config exits 2"
like "$OUT" "${P}good: ok" "and still reports the good one"
try nx check "${P}nosuchconfig"
is "$RC" 2 "check of a name without a config exits 2"
like "$ERR" "no configuration for '${P}nosuchconfig'" "and says there is no configuration"

# check with no operand: every *.conf in the directory.
ALL="$T/all"
mkdir -m 0755 "$ALL"
printf '[Link]\nKind=veth\nAddress=10.0.0.2/24\n' >"$ALL/${P}one.conf"
printf '[Namespace]\nDescription=two\n' >"$ALL/${P}two.conf"
printf 'not a config at all\n' >"$ALL/README"
try nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$ALL" check
is "$RC" 0 "check with no operand, all configs good: exit 0"
is "$(sort <<<"$OUT")" "$(printf '%s\n' "${P}one: ok (1 link, 0 routes)" "${P}two: ok (0 links, 0 routes)")" \
	"check with no operand checks every *.conf, and only those"
printf '[Link]\nKind=veth\nAdress=10.0.0.2/24\n' >"$ALL/${P}three.conf"
try nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$ALL" check
is "$RC" 2 "check with no operand and one bad config: exit 2"
like "$ERR" "${P}three\.conf:3: unknown key 'Adress'" "the bad one is reported with FILE:LINE:"
is "$(grep -c ': ok ' <<<"$OUT")" 2 "the good ones are still checked"
EMPTY="$T/empty"
mkdir -m 0755 "$EMPTY"
try nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$EMPTY" check
is "$RC" 0 "check with no operand in an empty directory exits 0"
is "$(snapshot)" "$before" "check never changes the host"

done_testing
