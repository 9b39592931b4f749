#!/usr/bin/env bash
# netnsctl forward under load (issue 12): 200 connections open at the same
# time, sizes from 1 B to 50 MB, each echoed back through the forwarder;
# both directions arrive byte-exact, checked with sha256 on both sides.
# Then 3000 writes of 3000 bytes trickle into an upstream that reads nothing
# for two seconds (stall.py on :9101): short reads, a pipe full of small
# buffers and sockets that take nothing more, until the upstream drains
# them; checked the same way.
#
#   $HOST (throwaway "host")                       $P"bulk" (lo only)
#   +--------------------------------------+      +----------------------------+
#   | client.py: 200 connections at once   |      | echo.py on 127.0.0.1:9100  |
#   |  -> 127.0.0.1:19100 netnsctl forward -+------+-> logs sha256+size of what |
#   |  sha256(sent) == sha256(echoed)      |      |    it received, per conn   |
#   +--------------------------------------+      +----------------------------+
#
# Oracles: the client's and the server's own hashes (python3 hashlib), ss,
# and the forwarder's byte counters against the sum of the sizes.
source "$(dirname "$0")/lib.sh"

wait_for() { local _; for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { nsenter --net="/run/netns/$1" ss -Hltn "sport = :$2" | grep -q .; }

setup_world
X=${P}bulk
T=$(mktemp -d /tmp/nct-fwd.XXXXXX)
chmod 0755 "$T"
trap 'teardown_world; rm -rf "$T"' EXIT

cat >"$T/echo.py" <<'PY'
# Echo every byte back; at EOF log "sha256 size" of what came in, then close.
import asyncio, hashlib, sys

async def handle(r, w):
    h, n = hashlib.sha256(), 0
    while True:
        b = await r.read(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
        w.write(b)
        await w.drain()
    with open(sys.argv[2], "a") as log:
        log.write(f"{h.hexdigest()} {n}\n")
    w.close()

async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
PY
cat >"$T/client.py" <<'PY'
# N connections; all connect first, then each sends its random payload,
# half-closes and reads the echo to EOF. Prints "i size sha_sent sha_got got".
import asyncio, hashlib, os, sys

port, n = int(sys.argv[1]), int(sys.argv[2])
SIZES = [1, 2, 100, 1000, 4096, 65535, 65536, 65537, 1 << 20, 5 << 20]
BIG = {7, 77, 177}
connected, all_in = 0, asyncio.Event()

def size(i):
    return 50 << 20 if i in BIG else SIZES[i % len(SIZES)]

async def one(i):
    global connected
    data = os.urandom(size(i))
    r, w = await asyncio.open_connection("127.0.0.1", port)
    connected += 1
    if connected == n:
        all_in.set()
    await all_in.wait()

    async def send():
        for off in range(0, len(data), 1 << 18):
            w.write(data[off:off + (1 << 18)])
            await w.drain()
        w.write_eof()

    t = asyncio.create_task(send())
    h, got = hashlib.sha256(), 0
    while True:
        b = await r.read(1 << 16)
        if not b:
            break
        h.update(b)
        got += len(b)
    await t
    w.close()
    return f"{i} {len(data)} {hashlib.sha256(data).hexdigest()} {h.hexdigest()} {got}"

async def main():
    res = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    for i, x in enumerate(res):
        print(x if isinstance(x, str) else f"{i} ERROR {x!r}")

asyncio.run(main())
PY

cat >"$T/stall.py" <<'PY'
# The server of the trickle case: a 4 KiB receive buffer, and nothing read
# for two seconds, so the forwarder's sends to it fill up; then it reads all
# and answers "sha256 size".
import hashlib, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
c, _ = s.accept()
time.sleep(2)
h, n = hashlib.sha256(), 0
while b := c.recv(1 << 16):
    h.update(b); n += len(b)
c.sendall(f"{h.hexdigest()} {n}\n".encode()); c.close()
PY
cat >"$T/trickle.py" <<'PY'
# 3000-byte writes, 0.3 ms apart: each arrives alone (short reads), while
# the server above reads nothing; prints "sha256 size" sent, then the answer.
import hashlib, os, socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
h, n = hashlib.sha256(), 0
for _ in range(3000):
    b = os.urandom(3000); c.sendall(b); h.update(b); n += len(b)
    time.sleep(0.0003)
c.shutdown(socket.SHUT_WR)
print(h.hexdigest(), n)
print(c.makefile().read().strip())
PY

conf bulk <<'CONF'
[Publish]
HostAddress=127.0.0.1
HostPort=19100
Port=9100
[Publish]
HostAddress=127.0.0.1
HostPort=19101
Port=9101
CONF
check "up" nctl up "$X"
echo "# + [$X] python3 (server, in the background)" >&2
nsenter --net="/run/netns/$X" python3 "$T/echo.py" 9100 "$T/server.log" >"$T/echo.out" 2>&1 &
ECHO=$!
check "the echo server listens inside" wait_for listening "$X" 9100
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$X" >"$T/fwd.log" 2>&1 &
FWD=$!
check "the forwarder listens" wait_for listening "$HOST" 19100

run nsenter --net="/run/netns/$HOST" python3 "$T/client.py" 19100 200 >"$T/client.out" 2>&1 || true
is "$(grep -c ERROR "$T/client.out")" 0 "no client connection failed"
{ grep ERROR "$T/client.out" || true; } | head -n 5 | sed "s/^/# /"
is "$(awk 'NF == 5' "$T/client.out" | wc -l)" 200 "200 connections completed"
is "$(awk 'NF == 5 && $3 == $4 && $2 == $5' "$T/client.out" | wc -l)" 200 \
	"every echo came back byte-exact (sha256 and size of what was sent)"
is "$(awk 'NF == 5 {print $2}' "$T/client.out" | sort -n | sed -n '1p;$p' | tr '\n' ' ')" "1 52428800 " \
	"sizes ranged from 1 B to 50 MB"
is "$(wc -l <"$T/server.log")" 200 "the server saw 200 connections"
is "$(sort "$T/server.log")" "$(awk 'NF == 5 {print $3, $2}' "$T/client.out" | sort)" \
	"what the server received matches what the clients sent (sha256 and size, per connection)"
check "the forwarder is still running" kill -0 "$FWD"
is "$(nsenter --net="/run/netns/$HOST" ss -Htanp | grep "pid=$FWD," | grep -vc '^LISTEN')" 0 \
	"it holds no connection afterwards"

# The forwarder skips reads after a short one and writes after EAGAIN until
# an event says otherwise; a lost edge would stall this transfer.
echo "# + [$X] python3 stall.py (in the background)" >&2
nsenter --net="/run/netns/$X" python3 "$T/stall.py" 9101 >"$T/stall.out" 2>&1 &
STALL=$!
check "the stalling server listens inside" wait_for listening "$X" 9101
run nsenter --net="/run/netns/$HOST" python3 "$T/trickle.py" 19101 >"$T/trickle.out" || true
is "$(sed -n 2p "$T/trickle.out")" "$(sed -n 1p "$T/trickle.out")" \
	"3000 small writes to a stalled upstream arrive byte-exact (sha256 and size)"
wait "$STALL" 2>/dev/null || true
trickled=$(awk 'NR == 1 {print $2}' "$T/trickle.out")

total=$(awk 'NF == 5 {s += $2} END {print s}' "$T/client.out")
kill -TERM "$FWD"
rc=0; wait "$FWD" || rc=$?
is "$rc" 0 "the forwarder exits 0 on SIGTERM"
like "$(cat "$T/fwd.log")" "201 connection\(s\), 0 refused .*, 0 upstream failure\(s\), 0 idle timeout\(s\), $((total + trickled))/$((total + ${#trickled} + 66)) bytes" \
	"its counters: 201 connections, the bytes of both cases each way"
sed 's/^/# fwd: /' "$T/fwd.log"
kill "$ECHO" 2>/dev/null; wait "$ECHO" 2>/dev/null || true
check "down" nctl down "$X"
done_testing
