#!/usr/bin/env bash
# t92: guarantee 3 of issue 9, concurrency. Every `up` and `down` takes the
# global lock (/run/netnsctl/lock, flock), so racing commands serialise.
#
#   $HOST (throwaway "host")
#   +------------------------------------------------+
#   | nic0 (fake NIC) ---------- moved into ---------------> $P"s" lan0 10.92.0.2/24
#   | h92s 10.92.1.1/24 ========= veth ================> $P"s" eth1 10.92.1.2/24
#   | h92-1 .. h92-8  ========= veth ==================> $P"p1" .. $P"p8" eth0 10.92.1N.2/24
#   +------------------------------------------------+      (each with [DNS])
#
# Proves:
#  A. Two `up` of the same name at once, 5 times: both succeed, exactly one
#     says "created", the namespace equals the one a lone up makes.
#  B. `up` racing `down`, 10 times, from down and from up: both succeed and
#     the end state is whole, never a mix: either the full namespace
#     (record complete, same dump as a lone up) or nothing at all (host
#     snapshot equals the baseline, nic0 home).
#  C. 8 parallel `up` of different names, then 8 parallel `down`: all
#     succeed, each namespace is complete, and nothing is left afterwards.
#     Two processes bringing up the same 4 names in opposite order do not
#     deadlock.
#  D. Readers (`list --json`, `status --json`) running throughout never
#     fail, crash or print invalid JSON, whatever state they catch.
#  E. While someone holds the lock: with NETNSCTL_LOCK_TIMEOUT=0 `up`
#     fails at once with a clear "busy" message (exit 1) and applies
#     nothing; with the default timeout it waits and succeeds once the lock
#     is released. `down` behaves the same.
# No error other than "busy" is ever printed, and nothing is left behind.
source "$(dirname "$0")/lib.sh"

NS=${P}s
LOCK=/run/netnsctl/lock

hsnap() {
	snapshot | sed -E 's/ tentative( |$)/\1/'
	echo "== files"
	find /etc/netns /run/netnsctl /run/netns -maxdepth 2 -path "*/$P*" ! -name "$HOST" 2>/dev/null | sort
} 2>/dev/null
# nsdump NAME: the namespace without what differs between two correct
# runs (ifindexes, random MACs, link-local addresses).
nsdump() {
	{
		ip -n "$1" -d -o link show
		ip -n "$1" -o addr show | sed -E 's/valid_lft.*//'
		ip -n "$1" route show table all
		for f in /etc/netns/"$1"/*; do [ -e "$f" ] && { echo "-- $f"; cat "$f"; }; done
	} 2>/dev/null | grep -vE 'fe80::[0-9a-f]*:|anycast fe80::' |
		sed -E 's/,?(NO-CARRIER|LOWER_UP|M-DOWN)//g; s/state [A-Z]+ //; s/^[0-9]+: //; s/@if[0-9]+//;
			s/link-netnsid [0-9]+//; s#link/ether [0-9a-f:]+#link/ether X#' | sort
}
# bg OUT CMD...: run netnsctl in the background, stdout+stderr to OUT and
# the exit status to OUT.rc.
bg() { local out=$1; shift; { nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@" >"$out" 2>&1; echo $? >"$out.rc"; } & }
rc_of() { cat "$1.rc" 2>/dev/null || echo none; }
# only_busy FILE...: every message printed is the normal output or "busy".
unexpected() { cat "$@" | grep -vE "^${P}[a-z0-9]+: (created|unchanged|updated|down)$" || true; }

setup_world
hostx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
fake_nic nic0
hostx sysctl -qw net.ipv6.conf.nic0-lan.disable_ipv6=1
NIC=$(nic_line)
conf s <<'CONF'
[Link]
Kind=physical
Device=nic0
Name=lan0
Address=10.92.0.2/24

[Link]
Kind=veth
Name=eth1
HostName=h92s
Address=10.92.1.2/24
HostAddress=10.92.1.1/24
Gateway=10.92.1.1

[DNS]
Nameserver=10.92.1.1
CONF
for i in $(seq 1 8); do
	conf "p$i" <<CONF
[Link]
Kind=veth
Name=eth0
HostName=h92-$i
Address=10.92.$((10 + i)).2/24
HostAddress=10.92.$((10 + i)).1/24
Gateway=10.92.$((10 + i)).1

[DNS]
Nameserver=10.92.$((10 + i)).1
CONF
done
baseline=$(hsnap)
check "a lone up succeeds" nctl up "$NS"
ref=$(nsdump "$NS")
check "a lone down succeeds" nctl down "$NS"
is "$(eventually_same "$baseline" hsnap)" "$baseline" "the host is back to the baseline"

# ---- D (background): readers all along ---------------------------------------
READERS=$CFG/readers
mkdir -p "$READERS"
(
	n=0
	while [ ! -e "$READERS/stop" ]; do
		n=$((n + 1))
		for cmd in "list --json" "status --json $NS" "status --json ${P}p3"; do
			# shellcheck disable=SC2086 # command plus options on purpose
			nsenter --net="/run/netns/$HOST" timeout 20 "$NETNSCTL" --config-dir "$CFG" $cmd >"$READERS/out" 2>"$READERS/err"
			rc=$?
			# A namespace that is not there is reported with exit 1 and a
			# message; a crash (>= 128), a hang (124) or garbage is a failure.
			if [ $rc -ge 2 ] || { [ $rc -eq 0 ] && ! python3 -m json.tool "$READERS/out" >/dev/null 2>&1; }; then
				{ echo "$cmd: rc=$rc"; head -c 300 "$READERS/out"; head -c 300 "$READERS/err"; } >>"$READERS/bad"
			fi
		done
		echo "$n" >"$READERS/count"
	done
) &
READER_PID=$!

# ---- A: two up of the same name at once ----------------------------------------
for round in 1 2 3 4 5; do
	bg "$CFG/a1" up "$NS"; bg "$CFG/a2" up "$NS"
	while [ ! -e "$CFG/a1.rc" ] || [ ! -e "$CFG/a2.rc" ]; do sleep 0.02; done
	is "$(rc_of "$CFG/a1") $(rc_of "$CFG/a2")" "0 0" "A$round: both up succeed"
	is "$(cat "$CFG/a1" "$CFG/a2" | sort | tr '\n' ' ')" "$NS: created $NS: unchanged " "A$round: one created it, the other found it unchanged"
	now=$(nsdump "$NS")
	is "$now" "$ref" "A$round: the namespace equals a lone up's"
	[ "$now" = "$ref" ] || show_diff "$ref" "$now"
	check "A$round: down succeeds" nctl down "$NS"
	is "$(eventually_same "$baseline" hsnap)" "$baseline" "A$round: the host is back to the baseline"
	rm -f "$CFG"/a1* "$CFG"/a2*
done

# ---- B: up racing down -----------------------------------------------------------
whole=0
for round in $(seq 1 10); do
	start=down
	if [ $((round % 2)) -eq 0 ]; then nctl up "$NS" >/dev/null 2>&1; start=up; fi
	if [ $((round % 4)) -lt 2 ]; then bg "$CFG/b1" up "$NS"; bg "$CFG/b2" down "$NS"
	else bg "$CFG/b2" down "$NS"; bg "$CFG/b1" up "$NS"; fi
	while [ ! -e "$CFG/b1.rc" ] || [ ! -e "$CFG/b2.rc" ]; do sleep 0.02; done
	is "$(rc_of "$CFG/b1") $(rc_of "$CFG/b2")" "0 0" "B$round (from $start): up and down both succeed"
	is "$(unexpected "$CFG/b1" "$CFG/b2")" "" "B$round: nothing but their normal output"
	if [ -e "/run/netns/$NS" ] || [ -e "/run/netnsctl/$NS.state" ]; then
		end=up
		now=$(nsdump "$NS")
		if [ "$now" = "$ref" ] && grep -qx complete "/run/netnsctl/$NS.state"; then
			ok "B$round: ended up, and whole (complete record, same as a lone up)"; whole=$((whole + 1))
		else
			not_ok "B$round: ended up but not whole"; show_diff "$ref" "$now"
		fi
	else
		end=down
		now=$(eventually_same "$baseline" hsnap)
		if [ "$now" = "$baseline" ] && [ "$(nic_line)" = "$NIC" ]; then
			ok "B$round: ended down, and whole (host as the baseline, nic0 home)"; whole=$((whole + 1))
		else
			not_ok "B$round: ended down but not whole"; show_diff "$baseline" "$now"
		fi
	fi
	echo "# B$round: started $start, ended $end"
	nctl down "$NS" >/dev/null 2>&1 || true
	is "$(eventually_same "$baseline" hsnap)" "$baseline" "B$round: after a final down the host is back to the baseline"
	rm -f "$CFG"/b1* "$CFG"/b2*
done

# ---- C: 8 parallel up of different names, then 8 parallel down ----------------------
for i in $(seq 1 8); do bg "$CFG/c$i" up "${P}p$i"; done
for i in $(seq 1 8); do while [ ! -e "$CFG/c$i.rc" ]; do sleep 0.02; done; done
rcs=$(for i in $(seq 1 8); do rc_of "$CFG/c$i"; done | tr '\n' ' ')
is "$rcs" "0 0 0 0 0 0 0 0 " "C: 8 parallel up all succeed"
is "$(unexpected "$CFG"/c?)" "" "C: nothing but 'created' was printed"
for i in $(seq 1 8); do
	d=$(nsdump "${P}p$i")
	if grep -qx complete "/run/netnsctl/${P}p$i.state" 2>/dev/null &&
		[[ "$d" == *"eth0    inet 10.92.$((10 + i)).2/24"* ]] && [[ "$d" == *"default via 10.92.$((10 + i)).1 dev eth0"* ]] &&
		[[ "$d" == *"nameserver 10.92.$((10 + i)).1"* ]] &&
		[[ "$(ip -n "$HOST" -o addr show dev "h92-$i" 2>/dev/null)" == *"10.92.$((10 + i)).1/24"* ]]; then
		ok "C: ${P}p$i is complete (record, address, route, DNS, host end)"
	else
		not_ok "C: ${P}p$i is not complete"; echo "$d" | sed 's/^/#   /' | head -n 10
	fi
done
check "C: ${P}p1 reaches its host end" inns p1 ping -c1 -W2 -q 10.92.11.1
rm -f "$CFG"/c?*
for i in $(seq 1 8); do bg "$CFG/c$i" down "${P}p$i"; done
for i in $(seq 1 8); do while [ ! -e "$CFG/c$i.rc" ]; do sleep 0.02; done; done
rcs=$(for i in $(seq 1 8); do rc_of "$CFG/c$i"; done | tr '\n' ' ')
is "$rcs" "0 0 0 0 0 0 0 0 " "C: 8 parallel down all succeed"
now=$(eventually_same "$baseline" hsnap)
is "$now" "$baseline" "C: zero residue after the parallel downs"
[ "$now" = "$baseline" ] || show_diff "$baseline" "$now"
rm -f "$CFG"/c?*

# Opposite orders in one process each: one lock for all, so no deadlock.
bg "$CFG/o1" up "${P}p1" "${P}p2" "${P}p3" "${P}p4"
bg "$CFG/o2" up "${P}p4" "${P}p3" "${P}p2" "${P}p1"
for f in o1 o2; do while [ ! -e "$CFG/$f.rc" ]; do sleep 0.02; done; done
is "$(rc_of "$CFG/o1") $(rc_of "$CFG/o2")" "0 0" "C: up of 4 names in opposite orders, twice at once: both succeed"
is "$(grep -c created "$CFG/o1" "$CFG/o2" | awk -F: '{s += $2} END {print s}')" 4 "C: each of the 4 was created exactly once"
bg "$CFG/o1" down "${P}p1" "${P}p2" "${P}p3" "${P}p4"
bg "$CFG/o2" down "${P}p4" "${P}p3" "${P}p2" "${P}p1"
for f in o1 o2; do while [ ! -e "$CFG/$f.rc" ]; do sleep 0.02; done; done
is "$(rc_of "$CFG/o1") $(rc_of "$CFG/o2")" "0 0" "C: down of the same 4 names twice at once: both succeed"
is "$(eventually_same "$baseline" hsnap)" "$baseline" "C: zero residue"

# ---- D: the readers' verdict ----------------------------------------------------------
touch "$READERS/stop"
wait "$READER_PID" || true
like "$(cat "$READERS/count" 2>/dev/null)" "^[1-9][0-9]*$" "D: the readers ran ($(cat "$READERS/count" 2>/dev/null) rounds of list and status)"
is "$(cat "$READERS/bad" 2>/dev/null)" "" "D: list --json and status --json never crashed, hung or printed invalid JSON"

# ---- E: the lock is held by someone else --------------------------------------------------
mkdir -p /run/netnsctl
# The holder lets go when told to, when $CFG disappears (teardown) or after
# 30 s, whichever comes first: the lock is shared with every other run.
echo waiting >"$CFG/holder.ready"
flock "$LOCK" -c "echo held >'$CFG/holder.ready'; for _ in \$(seq 600); do [ -e '$CFG/holder.ready' ] && [ ! -e '$CFG/holder.release' ] || break; sleep 0.05; done" &
HOLDER=$!
while [ "$(cat "$CFG/holder.ready" 2>/dev/null)" != held ]; do sleep 0.02; done
NETNSCTL_LOCK_TIMEOUT=0 nctl up "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
err=$(grep -v '^# + ' "$CFG/err")
is "$rc" 1 "E: up with the lock held and NETNSCTL_LOCK_TIMEOUT=0 fails with exit 1"
like "$err" "^netnsctl: another netnsctl is busy and holds $LOCK" "E: the message says another netnsctl is busy"
is "$(echo "$err" | wc -l)" 1 "E: and nothing else"
is "$(hsnap)" "$baseline" "E: nothing was applied"
NETNSCTL_LOCK_TIMEOUT=0 nctl down "$NS" >/dev/null 2>"$CFG/err" && rc=0 || rc=$?
is "$rc" 1 "E: down with the lock held fails with exit 1 too"
like "$(grep -v '^# + ' "$CFG/err")" "busy" "E: also saying busy"
# With the default timeout, up waits for the holder and then succeeds.
bg "$CFG/w" up "$NS"
sleep 0.5
check "E: the waiting up has not applied anything while the lock is held" test ! -e "/run/netnsctl/$NS.state"
check "E: and is still waiting" test ! -e "$CFG/w.rc"
touch "$CFG/holder.release"
wait "$HOLDER" || true
while [ ! -e "$CFG/w.rc" ]; do sleep 0.02; done
is "$(rc_of "$CFG/w")" 0 "E: once the lock is released the waiting up succeeds"
is "$(nsdump "$NS")" "$ref" "E: and the namespace is whole"
check "E: down succeeds" nctl down "$NS"
now=$(eventually_same "$baseline" hsnap)
is "$now" "$baseline" "at the end the host equals the baseline"
[ "$now" = "$baseline" ] || show_diff "$baseline" "$now"
is "$(nic_line)" "$NIC" "nic0 is home with its original name, MTU and MAC"
done_testing
