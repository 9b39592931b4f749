#!/usr/bin/env bash
# netnsctl forward (issue 12): half-close in both directions, MaxConnections=
# and IdleTimeoutSec=.
#
#   $HOST (throwaway "host")                  $P"lim" (lo only), svc.py:
#   +----------------------------------+     +-------------------------------------+
#   | 127.0.0.1:19201 --forward------- +-----+-> :9201 sink: reads to EOF, THEN     |
#   |                                  |     |    answers sha256 + 2 MiB            |
#   | 127.0.0.1:19202 ---------------- +-----+-> :9202 greets 1 MiB, shuts its write |
#   |                                  |     |    side, then reads to EOF (logged)  |
#   | 127.0.0.1:19203 MaxConnections=2 +-----+-> :9203 hold: says "hi", never closes|
#   | 127.0.0.1:19204 IdleTimeoutSec=1 +-----+-> :9203                              |
#   +----------------------------------+     +-------------------------------------+
#
# Oracles: python3 clients with their own sha256, the server's log, and the
# forwarder's counters.
source "$(dirname "$0")/lib.sh"

wait_for() { local _; for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { nsenter --net="/run/netns/$1" ss -Hltn "sport = :$2" | grep -q .; }
hpy() { echo "# + [host] python3 client.py $*" >&2; nsenter --net="/run/netns/$HOST" python3 "$T/client.py" "$@" 2>&1; }

setup_world
X=${P}lim
T=$(mktemp -d /tmp/nct-fwd.XXXXXX)
chmod 0755 "$T"
trap 'teardown_world; rm -rf "$T"' EXIT

cat >"$T/svc.py" <<'PY'
import hashlib, socket, sys, threading

LOG = sys.argv[1]

def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")

def read_all(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            return h.hexdigest(), n
        h.update(b)
        n += len(b)

def sink(c):
    d, n = read_all(c)  # nothing is sent before the client's EOF
    c.sendall(f"{d} {n}\n".encode() + b"r" * (2 << 20))
    c.close()

def greet(c):
    c.sendall(b"g" * (1 << 20))
    c.shutdown(socket.SHUT_WR)
    d, n = read_all(c)
    log(f"greet got {d} {n}")
    c.close()

def hold(c):
    c.sendall(b"hi\n")
    read_all(c)
    c.close()

def serve(port, fn):
    s = socket.create_server(("127.0.0.1", port), backlog=64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()

for port, fn in ((9201, sink), (9202, greet), (9203, hold)):
    threading.Thread(target=serve, args=(port, fn), daemon=True).start()
threading.Event().wait()
PY
cat >"$T/client.py" <<'PY'
import hashlib, os, socket, sys, time

def conn(port):
    return socket.create_connection(("127.0.0.1", port), timeout=20)

def read_all(c):
    out = b""
    while True:
        b = c.recv(1 << 16)
        if not b:
            return out
        out += b

mode = sys.argv[1]
if mode == "sink":  # write, half-close, then the whole answer must arrive
    data = os.urandom(3 << 20)
    c = conn(19201)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    ans = read_all(c)
    head, _, rest = ans.partition(b"\n")
    ok = head.decode() == f"{hashlib.sha256(data).hexdigest()} {len(data)}" and rest == b"r" * (2 << 20)
    print("sink", "ok" if ok else f"bad head={head[:80]!r} rest={len(rest)}")
elif mode == "greet":  # the server half-closes first; we still send after its EOF
    c = conn(19202)
    g = read_all(c)
    data = os.urandom(3 << 20)
    c.sendall(data)
    c.close()
    print("greet", len(g) == (1 << 20) and set(g) == {ord("g")}, hashlib.sha256(data).hexdigest(), len(data))
elif mode == "max":  # MaxConnections=2 on 19203
    def try_hi():  # what a new connection gets: "hi", "eof" or "reset"
        try:
            c = conn(19203)
            got = c.recv(3)
        except ConnectionResetError:
            return "reset", None
        return ("hi" if got == b"hi\n" else "eof" if got == b"" else repr(got)), c
    (r1, a), (r2, b) = try_hi(), try_hi()
    print("first two:", r1, r2)
    print("third:", try_hi()[0])
    a.close()
    for _ in range(100):  # until the forwarder has seen the first one end
        r, d = try_hi()
        if r == "hi":
            break
        time.sleep(0.1)
    print("after one closed:", r)
elif mode == "idle":  # IdleTimeoutSec=1 on 19204; the server never closes
    c = conn(19204)
    first = c.recv(3)
    t0 = time.monotonic()
    try:
        rest = c.recv(1)
        end = "eof" if rest == b"" else f"data {rest!r}"
    except socket.timeout:
        end = "still open after 20 s"
    except ConnectionResetError:
        end = "reset"
    print("idle:", first == b"hi\n", end)
PY

conf lim <<'CONF'
[Publish]
HostAddress=127.0.0.1
HostPort=19201-19202
Port=9201-9202
[Publish]
HostAddress=127.0.0.1
HostPort=19203
Port=9203
MaxConnections=2
[Publish]
HostAddress=127.0.0.1
HostPort=19204
Port=9203
IdleTimeoutSec=1
CONF
check "up" nctl up "$X"
echo "# + [$X] python3 (server, in the background)" >&2
nsenter --net="/run/netns/$X" python3 "$T/svc.py" "$T/svc.log" >"$T/svc.out" 2>&1 &
SVC=$!
check "the services listen inside" wait_for listening "$X" 9203
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$X" >"$T/fwd.log" 2>&1 &
FWD=$!
check "the forwarder listens on all four ports (a range and two single ports)" \
	wait_for sh -c "[ \$(nsenter --net=/run/netns/$HOST ss -Hltn 'sport >= :19201 and sport <= :19204' | wc -l) = 4 ]"

# ---- half-close ----------------------------------------------------------------
is "$(hpy sink || true)" "sink ok" \
	"client half-closes: the server sees EOF, and its whole answer (hash + 2 MiB) still arrives"
out=$(hpy greet || true)
like "$out" "^greet True " "server half-closes first: the client gets its 1 MiB and EOF"
read -r _ _ sent_hash sent_len <<<"$out"
wait_for grep -q "greet got" "$T/svc.log" || true
is "$(sed -n 's/^greet got //p' "$T/svc.log")" "$sent_hash $sent_len" \
	"and what the client sent after that EOF reaches the server intact"

# ---- limits ----------------------------------------------------------------------
out=$(hpy max || true)
like "$out" "first two: hi hi" "MaxConnections=2: two connections get through"
like "$out" "third: (reset|eof)" "the third is closed at once, without reaching the server"
like "$out" "after one closed: hi" "once one ends, a new one gets through"
like "$(hpy idle || true)" "idle: True (eof|reset)" "IdleTimeoutSec=1: a silent connection is closed by the forwarder"

check "the forwarder is still running" kill -0 "$FWD"
kill -TERM "$FWD"
rc=0; wait "$FWD" || rc=$?
is "$rc" 0 "it exits 0 on SIGTERM"
like "$(cat "$T/fwd.log")" "[1-9][0-9]* refused .*, 1 idle timeout" \
	"its counters show the refused connection and the idle timeout"
sed 's/^/# fwd: /' "$T/fwd.log"
kill "$SVC" 2>/dev/null; wait "$SVC" 2>/dev/null || true
check "down" nctl down "$X"
done_testing
