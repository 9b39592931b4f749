#!/usr/bin/env bash
# netnsctl ps (issue 5): lists exactly the processes whose network namespace
# is NAME, with pid, user, command and systemd unit; --json parses.
#
#   $HOST (throwaway "host")                 $P"ps"
#   socat :5201 (outside, must not show)     socat :5200 (root)      <- listed
#   100 python children (outside)            socat :5202 (nobody)    <- listed
#                                            python + 100 children   <- listed
#
# Oracles: $! of commands started through `netnsctl exec` (which keeps its
# PID), ss inside the namespace, /proc/PID/cgroup read by the test itself,
# python3's json module.
source "$(dirname "$0")/lib.sh"

xnctl() { echo "# + netnsctl $*" >&2; exec nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
status() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
wait_for() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { inns "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q LISTEN; }
# A parent with N children that all exit when the parent dies (they block
# reading a pipe whose write end only the parent holds).
FAMILY='import os, sys, time
r, w = os.pipe()
for _ in range(int(sys.argv[1])):
    if os.fork() == 0:
        os.close(w); os.read(r, 1); os._exit(0)
os.close(r); print("ready", flush=True); time.sleep(1000)'
# unit_of PID: the unit the way ps should find it, from the test's own read.
unit_of() {
	local path
	path=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
	[ -n "$path" ] || path=$(sed -n 's/^[0-9]*:name=systemd://p' "/proc/$1/cgroup")
	tr '/' '\n' <<<"$path" | { grep -E '\.(service|scope)$' || true; } | tail -n1
}
pids_of() { python3 -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin)))'; }

setup_world
S=${P}ps
T=$(mktemp -d /tmp/nct-ps.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT
conf ps <<'CONF'
[Link]
Kind=veth
Address=10.52.0.2/24
HostAddress=10.52.0.1/24
CONF
check "up" nctl up "$S"

is "$(nctl ps "$S" | tail -n +2)" "" "an empty namespace lists no process"
is "$(nctl ps --json "$S")" "[]" "and --json gives an empty array"

(xnctl exec "$S" socat TCP-LISTEN:5200,bind=127.0.0.1,reuseaddr,fork /dev/null) &
in_pid=$!
(xnctl exec "$S" --user nobody socat TCP-LISTEN:5202,bind=127.0.0.1,reuseaddr,fork /dev/null) &
nobody_pid=$!
(exec nsenter --net="/run/netns/$HOST" socat TCP-LISTEN:5201,bind=127.0.0.1,reuseaddr,fork /dev/null) &
out_pid=$!
check "socat listens inside" wait_for listening ps 5200
check "socat as nobody listens inside" wait_for listening ps 5202

out=$(nctl ps "$S")
echo "$out" | sed 's/^/#   /'
like "$(echo "$out" | head -n1)" "^PID +USER +UNIT +COMMAND" "the header names the columns"
line=$(echo "$out" | awk -v p="$in_pid" '$1 == p')
like "$line" "^$in_pid +root .*socat TCP-LISTEN:5200,bind=127\.0\.0\.1" "ps lists the socat started inside, as root, with its command line"
like "$(echo "$out" | awk -v p="$nobody_pid" '$1 == p')" "^$nobody_pid +nobody .*socat TCP-LISTEN:5202" "and the one running as nobody"
is "$(echo "$out" | awk -v p="$out_pid" '$1 == p')" "" "the socat started outside is not listed"
is "$(echo "$out" | awk -v p="$$" '$1 == p')" "" "nor the test itself"
is "$(echo "$out" | tail -n +2 | wc -l)" 2 "exactly the two processes inside are listed"

json=$(nctl ps --json "$S")
check "--json parses" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$json"
is "$(pids_of <<<"$json" | tr ' ' '\n' | sort -n | xargs)" "$(printf '%s\n' "$in_pid" "$nobody_pid" | sort -n | xargs)" \
	"--json lists the same two pids"
want_unit=$(unit_of "$in_pid")
got=$(python3 -c '
import json, sys
p = [x for x in json.loads(sys.argv[1]) if x["pid"] == int(sys.argv[2])][0]
print(p["user"], p["uid"], p["command"].split()[0], p["unit"] if p["unit"] is not None else "null")' "$json" "$in_pid")
is "$got" "root 0 socat ${want_unit:-null}" "--json: user, uid, command and unit of the socat inside"
is "$(nctl ps --json=pretty "$S" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 "--json=pretty parses too"

# Many processes: every one inside is found, none outside.
printf '%s\n' "$FAMILY" >"$T/family.py"
(xnctl exec "$S" python3 "$T/family.py" 100 >"$T/inside") &
fam_pid=$!
(exec nsenter --net="/run/netns/$HOST" python3 "$T/family.py" 100 >"$T/outside") &
out_fam_pid=$!
check "100 children started inside" wait_for grep -q ready "$T/inside"
check "100 children started outside" wait_for grep -q ready "$T/outside"
json=$(nctl ps --json "$S")
want=$( (echo "$in_pid"; echo "$nobody_pid"; echo "$fam_pid"; ps -o pid= --ppid "$fam_pid") | xargs -n1 | sort -n | xargs)
is "$(pids_of <<<"$json" | tr ' ' '\n' | sort -n | xargs)" "$want" "ps finds exactly the 103 processes inside among the 100 outside"
is "$(wc -w <<<"$want")" 103 "(and there were 103 of them)"
kill "$fam_pid" "$out_fam_pid" 2>/dev/null || true

# ---- errors ---------------------------------------------------------------------
is "$(status nctl ps ../x)" 2 "an invalid name is refused with exit 2"
is "$(status nctl ps "${P}absent")" 1 "a namespace that does not exist: exit 1"
is "$(status nctl ps)" 2 "no name: usage error"

kill "$in_pid" "$nobody_pid" "$out_pid" 2>/dev/null || true
check "down" nctl down "$S"
done_testing
