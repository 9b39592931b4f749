#!/usr/bin/env bash
# netnsctl forward when things go away (issue 12): the upstream service is
# killed mid-stream and restarted; nothing listens upstream; the forwarder
# itself is stopped with transfers in flight.
#
#   $HOST (throwaway "host")                  $P"rs" (lo only)
#   +--------------------------------+       +------------------------------------+
#   | get.py -> 127.0.0.1:19400 -----+-------+-> source.py :9400 sends 64 MiB of a |
#   |            127.0.0.1:19401 ----+-------+-> :9401, where nothing listens       |
#   |            127.0.0.1:19402 ----+-------+-> :9402, listens but never accepts, |
#   |   netnsctl forward             |       |   its queue full: SYNs are dropped  |
#   |                                |       |   (source killed and restarted)     |
#   +--------------------------------+       +------------------------------------+
#
# Oracles: the client's own sha256 of the known stream, ss, kill -0, the
# forwarder's exit status and counters.
source "$(dirname "$0")/lib.sh"

wait_for() { local _; for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { nsenter --net="/run/netns/$1" ss -Hltn "sport = :$2" | grep -q .; }
hget() { echo "# + [host] python3 get.py $*" >&2; nsenter --net="/run/netns/$HOST" python3 "$T/get.py" "$@" 2>&1; }
start_source() {
	nsenter --net="/run/netns/$X" python3 "$T/source.py" >>"$T/source.out" 2>&1 &
	SRC=$!
	wait_for listening "$X" 9400
}
fwd_conns() { nsenter --net="/run/netns/$1" ss -Htanp | grep "pid=$FWD," | grep -vc '^LISTEN' || true; }

setup_world
X=${P}rs
T=$(mktemp -d /tmp/nct-fwd.XXXXXX)
chmod 0755 "$T"
trap 'teardown_world; rm -rf "$T"' EXIT

cat >"$T/source.py" <<'PY'
# Every connection gets the same 64 MiB stream, then EOF.
import socket, threading
BLOCK = bytes(range(256)) * 4096  # 1 MiB

def send(c):
    try:
        for _ in range(64):
            c.sendall(BLOCK)
    except OSError:
        pass
    c.close()

s = socket.create_server(("127.0.0.1", 9400), backlog=64)
while True:
    c, _ = s.accept()
    threading.Thread(target=send, args=(c,), daemon=True).start()
PY
cat >"$T/get.py" <<'PY'
# get.py PORT [PAUSE_FILE GO_FILE]: read the stream; with the files, touch
# PAUSE_FILE after the first MiB and wait for GO_FILE before reading on.
# Prints "complete", or "cut N" (EOF or reset before the end), or "refused".
import hashlib, os, socket, sys, time
port = int(sys.argv[1])
want = hashlib.sha256(bytes(range(256)) * 4096 * 64).hexdigest()
try:
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
except (ConnectionResetError, ConnectionRefusedError):
    print("refused"); sys.exit(0)
h, n, paused = hashlib.sha256(), 0, len(sys.argv) < 4
try:
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b); n += len(b)
        if not paused and n >= 1 << 20:
            paused = True
            open(sys.argv[2], "w").close()
            while not os.path.exists(sys.argv[3]):
                time.sleep(0.05)
except ConnectionResetError:
    pass
if n == 0:
    print("refused")
elif n == 64 << 20 and h.hexdigest() == want:
    print("complete")
else:
    print(f"cut {n}")
PY

conf rs <<'CONF'
[Publish]
HostAddress=127.0.0.1
HostPort=19400-19402
Port=9400-9402
CONF
check "up" nctl up "$X"
check "the source listens inside" start_source
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$X" >"$T/fwd.log" 2>&1 &
FWD=$!
check "the forwarder listens" wait_for listening "$HOST" 19401
is "$(hget 19400)" complete "a full 64 MiB stream arrives intact (sha256)"

# ---- the upstream dies mid-stream -------------------------------------------------
hget 19400 "$T/paused" "$T/go" >"$T/get1.out" &
GET=$!
check "a download is under way (1 MiB read, then paused)" wait_for test -e "$T/paused"
kill -KILL "$SRC"; wait "$SRC" 2>/dev/null || true
touch "$T/go"
wait "$GET" || true
like "$(cat "$T/get1.out")" "^cut [0-9]+$" "killing the upstream cuts that download short ($(cat "$T/get1.out"))"
check "the forwarder survives" kill -0 "$FWD"
is "$(hget 19400)" refused "while the upstream is down, a new connection is reset at once"
check "the upstream comes back" start_source
is "$(hget 19400)" complete "after its restart, new connections get the full stream"
is "$(hget 19401)" refused "a port where nothing listens upstream: reset, and the forwarder goes on"
is "$(hget 19400)" complete "and the next connection still works"
check "the forwarder is still the same process" kill -0 "$FWD"

# ---- an upstream that never answers: the connect times out (10 s) -------------
cat >"$T/stuck.py" <<'PY'
# Listen with a backlog of 0 and never accept; fill the queue from inside so
# that later SYNs are dropped, then wait to be killed.
import socket, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9402))
s.listen(0)
fill = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", 9402))
    fill.append(c)
print("full", flush=True)
threading.Event().wait()
PY
nsenter --net="/run/netns/$X" python3 "$T/stuck.py" >"$T/stuck.out" 2>&1 &
STUCK=$!
wait_for grep -q full "$T/stuck.out" || true
out=$(nsenter --net="/run/netns/$HOST" python3 -c '
import socket
c = socket.create_connection(("127.0.0.1", 19402), timeout=60)
try:
    print("eof" if c.recv(1) == b"" else "data")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("no answer in 60 s")' 2>&1 || true)
is "$out" reset "an upstream whose queue drops SYNs: the client is reset when the connect times out"
kill "$STUCK" 2>/dev/null; wait "$STUCK" 2>/dev/null || true
check "the forwarder is still running" kill -0 "$FWD"

# ---- the forwarder stops with transfers in flight --------------------------------
rm -f "$T/paused" "$T/go"
GETS=()
for i in 1 2 3; do
	hget 19400 "$T/paused$i" "$T/go$i" >"$T/stop$i.out" &
	GETS+=($!)
done
check "three downloads are under way" wait_for sh -c "[ -e $T/paused1 ] && [ -e $T/paused2 ] && [ -e $T/paused3 ]"
is "$(fwd_conns "$X")" 3 "the forwarder holds three upstream connections inside"
kill -TERM "$FWD"
rc=0; wait "$FWD" || rc=$?
is "$rc" 0 "SIGTERM with transfers in flight: exit 0"
touch "$T/go1" "$T/go2" "$T/go3"
wait "${GETS[@]}" || true
is "$(cat "$T/stop1.out" "$T/stop2.out" "$T/stop3.out" | grep -c '^cut ')" 3 \
	"the three clients see their streams cut, not completed"
is "$(nsenter --net="/run/netns/$X" ss -Htan 'dport = :9400' | grep -vc 'TIME-WAIT' || true)" 0 \
	"no connection to the upstream is left inside (but TIME-WAIT)"
like "$(cat "$T/fwd.log")" " 3 upstream failure" \
	"the forwarder counted three upstream failures (down, nothing listening, timed out)"
sed 's/^/# fwd: /' "$T/fwd.log"
kill "$SRC" 2>/dev/null; wait "$SRC" 2>/dev/null || true
check "down" nctl down "$X"
done_testing
