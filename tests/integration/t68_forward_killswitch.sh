#!/usr/bin/env bash
# netnsctl forward keeps a VPN namespace sealed (issue 12): forwarded
# traffic enters the namespace as connections on its loopback, and nothing
# the forwarder does sends a packet out of any other link.
#
#   $HOST (throwaway "host")                 $P"ks" (KillSwitch=yes, no tunnel)
#   +--------------------------------+      +-------------------------------------+
#   | curl -> 127.0.0.1:19300        |      | web server on 127.0.0.1:9300        |
#   |   netnsctl forward ------------+- lo -+-> (inside, by the helper thread)    |
#   | ve-ks 10.68.0.1/24 ============+=veth=+= eth0 10.68.0.2/24, default via it  |
#   |   probe: tcp arriving on ve-ks |      |   probe: tcp leaving by lo / not lo |
#   +--------------------------------+      +-------------------------------------+
#   $P"lo": only lo (no route out at all) publishes the same way on :19301.
#
# The probes are this test's own nftables counters (table inet nct_probe, in
# the throwaway namespaces only), at priority -400 so they count a packet
# before any kill-switch rule could drop it. A positive control proves the
# "not lo" counter counts.
source "$(dirname "$0")/lib.sh"

wait_for() { local _; for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { nsenter --net="/run/netns/$1" ss -Hltn "sport = :$2" | grep -q .; }
hcurl() { echo "# + [host] curl $*" >&2; nsenter --net="/run/netns/$HOST" curl -sS --max-time 10 "$@" 2>&1; }
# packets NETNS COUNTER: the value of one of the probe's named counters.
packets() {
	nsenter --net="/run/netns/$1" nft list counter inet nct_probe "$2" |
		sed -nE 's/.*packets ([0-9]+).*/\1/p'
}

setup_world
X=${P}ks
L=${P}lo
T=$(mktemp -d /tmp/nct-fwd.XXXXXX)
chmod 0755 "$T"
FWD=""
trap 'teardown_world; rm -rf "$T"' EXIT

conf ks <<'CONF'
[Link]
Kind=veth
HostName=ve-ks
Address=10.68.0.2/24
HostAddress=10.68.0.1/24
Gateway=10.68.0.1
[Firewall]
KillSwitch=yes
[Publish]
Mode=proxy
HostAddress=127.0.0.1
HostPort=19300
Port=9300
CONF
conf lo <<'CONF'
[Publish]
HostAddress=127.0.0.1
HostPort=19301
Port=9300
CONF
check "up of the kill-switch namespace" nctl up "$X"
check "up of the loopback-only namespace" nctl up "$L"

# The loopback-only namespace has no way out to begin with.
is "$(inns lo ip -o link show | awk -F': ' '{print $2}')" "lo" "$L has only lo"
is "$(inns lo ip -4 route show table main)" "" "and no IPv4 route"
is "$(inns lo ip -6 route show table main | grep -v '^::1 ' || true)" "" "nor an IPv6 route besides ::1"

nsenter --net="/run/netns/$X" nft -f - <<'NFT'
table inet nct_probe {
	counter lo_tcp { }
	counter out_tcp { }
	chain out {
		type filter hook output priority -400; policy accept;
		oifname "lo" meta l4proto tcp counter name lo_tcp
		oifname != "lo" meta l4proto tcp counter name out_tcp
	}
}
NFT
nsenter --net="/run/netns/$HOST" nft -f - <<'NFT'
table inet nct_probe {
	counter in_tcp { }
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		iifname "ve-ks" meta l4proto tcp counter name in_tcp
	}
}
NFT

# Positive control: a real attempt to leave by the veth is counted.
inns ks curl -s --max-time 2 -o /dev/null http://10.68.0.1:9/ || true
like "$(packets "$X" out_tcp)" "^[1-9]" "probe: a connection attempt out of $X through eth0 is counted"
nsenter --net="/run/netns/$X" nft reset counters table inet nct_probe >/dev/null
nsenter --net="/run/netns/$HOST" nft reset counters table inet nct_probe >/dev/null

head -c 3000000 /dev/urandom >"$T/blob"
for ns in "$X" "$L"; do
	mkdir "$T/www-$ns"
	cp "$T/blob" "$T/www-$ns/blob"
	echo "inside $ns" >"$T/www-$ns/index.html"
	nsenter --net="/run/netns/$ns" python3 -m http.server 9300 --bind 127.0.0.1 --directory "$T/www-$ns" \
		>"$T/http-$ns.log" 2>&1 &
done
check "web servers listen in both namespaces" wait_for sh -c \
	"nsenter --net=/run/netns/$X ss -Hltn 'sport = :9300' | grep -q . && nsenter --net=/run/netns/$L ss -Hltn 'sport = :9300' | grep -q ."
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$X" >"$T/fwd.log" 2>&1 &
FWD=$!
nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" forward "$L" >"$T/fwd-lo.log" 2>&1 &
FWD_LO=$!
check "both forwarders listen" wait_for sh -c "nsenter --net=/run/netns/$HOST ss -Hltn 'sport = :19300' | grep -q . &&
	nsenter --net=/run/netns/$HOST ss -Hltn 'sport = :19301' | grep -q ."

is "$(hcurl http://127.0.0.1:19300/index.html)" "inside $X" "curl through the forwarder reaches the kill-switch namespace"
is "$(hcurl http://127.0.0.1:19301/index.html)" "inside $L" "and the loopback-only one"
want=$(sha256sum <"$T/blob")
for _ in 1 2 3 4 5; do
	is "$(hcurl http://127.0.0.1:19300/blob | sha256sum)" "$want" "a 3 MB download arrives intact"
done
# While a connection is open, its inside end is loopback to loopback.
nsenter --net="/run/netns/$HOST" python3 -c '
import socket, time
c = socket.create_connection(("127.0.0.1", 19300)); c.sendall(b"GET /blob HTTP/1.0\r\n\r\n"); c.recv(1); time.sleep(1.5)' &
HOLD=$!
wait_for sh -c "nsenter --net=/run/netns/$X ss -Htnp | grep -q 'pid=$FWD,'" || true
inside=$(nsenter --net="/run/netns/$X" ss -Htnp | grep "pid=$FWD," | awk '{print $4, $5}')
like "$inside" "^127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:9300$" \
	"inside, the forwarder's socket goes from 127.0.0.1 to 127.0.0.1:9300 ($inside)"
wait "$HOLD" 2>/dev/null || true

like "$(packets "$X" lo_tcp)" "^[1-9]" "the forwarded traffic was counted on $X's loopback"
is "$(packets "$X" out_tcp)" 0 "not one TCP packet left $X by another link"
is "$(packets "$HOST" in_tcp)" 0 "and none arrived on the host's end of the veth"

kill -TERM "$FWD" "$FWD_LO"
rc=0; wait "$FWD" || rc=$?
rc2=0; wait "$FWD_LO" || rc2=$?
is "$rc $rc2" "0 0" "both forwarders exit 0 on SIGTERM"
check "down" nctl down "$X" "$L"
done_testing
