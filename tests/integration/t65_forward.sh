#!/usr/bin/env bash
# netnsctl forward (issue 12): a namespace with no link to the host (only lo
# and a web server on 127.0.0.1:9091) publishes the server on the host's
# 127.0.0.1:19091 with [Publish] Mode=proxy (the default without a host link).
#
#   $HOST (throwaway "host")                    $P"fw" (lo only)
#   +-----------------------------------+      +-------------------------------+
#   | curl -> 127.0.0.1:19091           |      | python3 http.server            |
#   |   netnsctl forward (main thread) --+------+-> 127.0.0.1:9091 (helper       |
#   |   listens here                    | lo   |   thread's sockets live here)  |
#   +-----------------------------------+      +-------------------------------+
#
# Oracles: curl, ss in both namespaces, /proc/PID/task/*/{status,ns/net}, the
# forwarder's exit status and its fds.
source "$(dirname "$0")/lib.sh"

# wait_for CMD...: poll up to 10 s for a precondition (not an assertion).
wait_for() { local _; for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { nsenter --net="/run/netns/$1" ss -Hltn "sport = :$2" | grep -q .; }
# The forwarder's TCP sockets in NETNS that are not listeners.
conns_of() { nsenter --net="/run/netns/$1" ss -Htanp | grep "pid=$2," | grep -v '^LISTEN' || true; }
nfds() { find "/proc/$1/fd" -mindepth 1 | wc -l; }
# hcurl URL: curl from the host namespace; its errors go to the output.
hcurl() { echo "# + [host] curl $*" >&2; nsenter --net="/run/netns/$HOST" curl -sS --max-time 10 "$@" 2>&1; }

setup_world
X=${P}fw
T=$(mktemp -d /tmp/nct-fwd.XXXXXX)
chmod 0755 "$T"
trap 'teardown_world; rm -rf "$T"' EXIT

conf fw <<'CONF'
[Namespace]
Description=only loopback and a web UI, published on the host's loopback
[Publish]
HostAddress=127.0.0.1
HostPort=19091
Port=9091
CONF
conf none <<'CONF'
[Namespace]
Description=publishes nothing
CONF
check "up of a namespace with only lo" nctl up "$X"
check "up of a namespace that publishes nothing" nctl up "${P}none"

mkdir "$T/www"
marker="served inside $X by test $$"
echo "$marker" >"$T/www/index.html"
echo "# + [$X] python3 (server, in the background)" >&2
nsenter --net="/run/netns/$X" python3 -m http.server 9091 --bind 127.0.0.1 --directory "$T/www" \
	>"$T/http.log" 2>&1 &
HTTP=$!
check "the web server listens inside on 127.0.0.1:9091" wait_for listening "$X" 9091
check_fails "nothing listens on 9091 in the host namespace" listening "$HOST" 9091

# ---- errors before anything runs -----------------------------------------------
rc=0; out=$(nctl forward "${P}none" 2>&1) || rc=$?
is "$rc" 2 "forward of a namespace without Mode=proxy entries exits 2"
like "$out" "publishes no port with Mode=proxy" "and says why"
conf down <<'CONF'
[Publish]
HostAddress=127.0.0.1
HostPort=19092
CONF
rc=0; out=$(nctl forward "${P}down" 2>&1) || rc=$?
is "$rc" 1 "forward of a namespace that is not up exits 1"
like "$out" "is not up" "and says so"
check_fails "it left no listener behind" listening "$HOST" 19092

# ---- forwarding -----------------------------------------------------------------
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$X" >"$T/fwd.log" 2>&1 &
FWD=$!
check "the forwarder listens on the host's 127.0.0.1:19091" wait_for listening "$HOST" 19091
got=$(hcurl http://127.0.0.1:19091/index.html || true)
is "$got" "$marker" "curl from the host gets the page from inside the namespace"
like "$(cat "$T/http.log")" "127\.0\.0\.1 .*GET /index.html" \
	"the server saw the request come from 127.0.0.1 inside the namespace"
check_fails "nothing listens on the host's other addresses" \
	hostx sh -c "ss -Hltn 'sport = :19091' | grep -v '127.0.0.1:19091' | grep -q ."

# Threads: the main one stays in the host namespace, the helper is inside.
host_ns=$(hostx readlink /proc/self/ns/net)
x_ns=$(inns fw readlink /proc/self/ns/net)
threads=$(for t in "/proc/$FWD/task/"*; do readlink "$t/ns/net"; done | sort | uniq -c | awk '{print $1, $2}')
is "$threads" "$(printf '1 %s\n1 %s' "$host_ns" "$x_ns" | sort -k2)" \
	"two threads: one in the host namespace, one in $X"
for t in "/proc/$FWD/task/"*; do
	st=$(cat "$t/status")
	like "$st" $'CapEff:\t0000000000000000' "thread ${t##*/}: no effective capabilities"
	like "$st" $'CapPrm:\t0000000000000000' "thread ${t##*/}: no permitted capabilities"
	like "$st" $'NoNewPrivs:\t1' "thread ${t##*/}: no_new_privs"
done

# Steady state: sequential connections (two stock refills each round) end
# with the same fds, and leave no TCP socket but the listener.
for _ in $(seq 32); do hostx curl -s -o /dev/null http://127.0.0.1:19091/index.html; done 2>/dev/null
wait_for sh -c "[ -z \"\$(nsenter --net=/run/netns/$HOST ss -Htanp | grep 'pid=$FWD,' | grep -v '^LISTEN')\" ]" || true
n1=$(nfds "$FWD")
for _ in $(seq 32); do hostx curl -s -o /dev/null http://127.0.0.1:19091/index.html; done 2>/dev/null
wait_for sh -c "[ -z \"\$(nsenter --net=/run/netns/$HOST ss -Htanp | grep 'pid=$FWD,' | grep -v '^LISTEN')\" ]" || true
n2=$(nfds "$FWD")
is "$n2" "$n1" "32 more connections leave the forwarder with as many fds ($n1)"
is "$(conns_of "$HOST" "$FWD")" "" "no connected socket of the forwarder is left in the host namespace"
is "$(conns_of "$X" "$FWD")" "" "and none inside the namespace"

check "SIGTERM stops the forwarder" kill -TERM "$FWD"
rc=0; wait "$FWD" || rc=$?
is "$rc" 0 "it exits 0 (and clean under ASan/LSan)"
like "$(cat "$T/fwd.log")" "stopped; 6[5-9] connection" "it logs its counters when it stops"
check_fails "the port is free again" listening "$HOST" 19091
sed 's/^/# fwd: /' "$T/fwd.log"

# ---- a second run on the same port works (no lingering listener) --------------------
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$X" >"$T/fwd2.log" 2>&1 &
FWD=$!
wait_for listening "$HOST" 19091 || true
is "$(hcurl http://127.0.0.1:19091/index.html || true)" "$marker" \
	"a restarted forwarder serves again"
kill -INT "$FWD"
rc=0; wait "$FWD" || rc=$?
is "$rc" 0 "SIGINT stops it too, with status 0"

kill "$HTTP" 2>/dev/null; wait "$HTTP" 2>/dev/null || true
check "down" nctl down "$X" "${P}none"
done_testing
