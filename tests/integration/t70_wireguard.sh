#!/usr/bin/env bash
# Issue 7: a WireGuard namespace driven by wireguard-go (Implementation=userspace).
#
#   $P-vpn (netnsctl)          $HOST (test host)               $P-I ("internet")          $P-S (server)
#   wg0 10.66.0.2/24  <-moved-  wireguard-go, UDP socket        h0 192.0.2.1              s0 198.51.100.2
#   default dev wg0             up0 192.0.2.2 --------------->  s0 198.51.100.1 -------->  wireguard-go s$$
#   nothing else                default via 192.0.2.1           ip_forward=1               10.66.0.1/24
#                                                                                         socat :8080 "tunnel-ok"
#
# The encrypted socket must stay in $HOST, the client namespace must reach
# the server's tunnel network only through wg0, the host must not reach it at
# all, keys must never show, verify must pass, and down must stop
# wireguard-go and leave nothing behind.
source "$(dirname "$0")/lib.sh"

command -v wireguard-go >/dev/null && command -v wg >/dev/null && command -v socat >/dev/null ||
	{ echo "1..0 # SKIP needs wireguard-go, wg (wireguard-tools) and socat"; exit 0; }

INET="${P}I" SRVNS="${P}S" SRV="s$$" NS="${P}vpn"
cleanup() {
	local pid
	set +e
	[ -n "${SRV_PID:-}" ] && kill "$SRV_PID" 2>/dev/null
	pid=$(awk '$1 == "process" && $3 == "wireguard-go" { print $2 }' "/run/netnsctl/$NS.state" 2>/dev/null)
	[ -n "$pid" ] && grep -q '^wireguard-go$' "/proc/$pid/comm" 2>/dev/null && kill "$pid"
	teardown_world
	rm -f "/var/run/wireguard/$SRV.sock"
}
setup_world
trap cleanup EXIT

# A process that has exited (a zombie counts: init reaps it when it can).
gone() { [ ! -e "/proc/$1" ] || grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }
wait_gone() { for _ in $(seq 100); do gone "$1" && return 0; sleep 0.05; done; return 1; }
# The tunnel needs a handshake (and wireguard-go notices a link coming up
# about once a second): try a few times.
through_tunnel() {
	local out
	for _ in 1 2 3 4 5; do
		out=$(inns vpn socat -T3 - TCP:10.66.0.1:8080,connect-timeout=3 </dev/null 2>/dev/null) && [ "$out" = tunnel-ok ] &&
			return 0
		sleep 0.5
	done
	return 1
}

# ---- the internet and the server ------------------------------------------------
run ip netns add "$INET"
run ip netns add "$SRVNS"
ip -n "$INET" link set lo up
ip -n "$SRVNS" link set lo up
run ip -n "$HOST" link add up0 type veth peer name h0 netns "$INET"
run ip -n "$SRVNS" link add s0 type veth peer name s0 netns "$INET"
ip -n "$HOST" addr add 192.0.2.2/24 dev up0
ip -n "$HOST" link set up0 addrgenmode none up # no link-local address appearing later in snapshots
ip -n "$HOST" route add default via 192.0.2.1
ip -n "$INET" addr add 192.0.2.1/24 dev h0
ip -n "$INET" addr add 198.51.100.1/24 dev s0
ip -n "$INET" link set h0 up
ip -n "$INET" link set s0 up
nsenter --net="/run/netns/$INET" sysctl -qw net.ipv4.ip_forward=1
ip -n "$SRVNS" addr add 198.51.100.2/24 dev s0
ip -n "$SRVNS" link set s0 up
ip -n "$SRVNS" route add default via 198.51.100.1

(umask 077; wg genkey >"$CFG/server.key"; wg genkey >"$CFG/client.key"; wg genkey >"$CFG/psk.key")
wg pubkey <"$CFG/server.key" >"$CFG/server.pub"
wg pubkey <"$CFG/client.key" >"$CFG/client.pub"
nsenter --net="/run/netns/$SRVNS" env WG_PROCESS_FOREGROUND=1 wireguard-go "$SRV" >/dev/null 2>&1 &
SRV_PID=$!
for _ in $(seq 100); do [ -S "/var/run/wireguard/$SRV.sock" ] && break; sleep 0.05; done
run nsenter --net="/run/netns/$SRVNS" wg set "$SRV" private-key "$CFG/server.key" listen-port 51820 \
	peer "$(cat "$CFG/client.pub")" preshared-key "$CFG/psk.key" allowed-ips 10.66.0.2/32
ip -n "$SRVNS" addr add 10.66.0.1/24 dev "$SRV"
ip -n "$SRVNS" link set "$SRV" up
nsenter --net="/run/netns/$SRVNS" socat TCP-LISTEN:8080,bind=10.66.0.1,reuseaddr,fork SYSTEM:'echo tunnel-ok' \
	>/dev/null 2>&1 &

conf vpn <<CONF
[Link]
Kind=wireguard
Name=wg0
Address=10.66.0.2/24
PrivateKeyFile=$CFG/client.key
Implementation=userspace

[WireGuardPeer]
PublicKey=$(cat "$CFG/server.pub")
PresharedKeyFile=$CFG/psk.key
Endpoint=198.51.100.2:51820
AllowedIPs=0.0.0.0/0, ::/0

[DNS]
Nameserver=10.66.0.1

[Firewall]
KillSwitch=yes
CONF

# ---- up ---------------------------------------------------------------------------
before=$(snapshot)
check "up of a Kind=wireguard namespace (wireguard-go) succeeds" nctl up "$NS"
STATE="/run/netnsctl/$NS.state"
read -r _ PID COMM _ LINK TMP < <(grep '^process ' "$STATE" || echo "- - - - - -")
is "$COMM $LINK" "wireguard-go wg0" "the state records the wireguard-go process and its link"
check "that process runs" test "$(cat "/proc/$PID/comm" 2>/dev/null)" = wireguard-go
like "$(tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null)" "^wireguard-go $TMP $" "it was started for the host-side name $TMP"
check "its UAPI socket exists" test -S "/var/run/wireguard/$TMP.sock"
# wireguard-go opens it once it sees the device up, which it checks about
# once a second from across the namespace boundary.
udp_in_host() { hostx ss -Huanp 2>/dev/null | grep -q "wireguard-go\",pid=$PID"; }
wait_udp() { for _ in $(seq 60); do udp_in_host && return 0; sleep 0.1; done; return 1; }
check "the encrypted UDP socket is in the host namespace" wait_udp
is "$(inns vpn ss -Huan 2>/dev/null | wc -l)" 0 "there is no UDP socket inside the namespace"
check_fails "the device no longer exists in the host" ip -n "$HOST" link show "$TMP"
like "$(inns vpn ip -d -o link show wg0)" "UP.* tun type tun" "wg0 is wireguard-go's TUN device, up, inside"
like "$(inns vpn ip -o addr show dev wg0)" "10.66.0.2/24" "wg0 has its address"
like "$(inns vpn ip route show default)" "^default dev wg0 proto 110" "the IPv4 default route goes through wg0"
like "$(inns vpn ip -6 route show default)" "^default dev wg0 proto 110" "so does the IPv6 one (AllowedIPs=::/0)"

# ---- traffic ------------------------------------------------------------------------
check "a service in the server's tunnel network answers through the tunnel" through_tunnel
like "$(nsenter --net="/run/netns/$SRVNS" wg show "$SRV" endpoints)" "192\.0\.2\.2:[0-9]+" \
	"the server sees the client's encrypted packets coming from the host's address"
check_fails "the host itself cannot reach the tunnel network" \
	hostx socat -T2 - TCP:10.66.0.1:8080,connect-timeout=2 </dev/null
like "$(hostx ip route get 10.66.0.1)" "via 192.0.2.1 dev up0" "(the host routes 10.66.0.1 to the internet, not into a tunnel)"

# ---- secrets --------------------------------------------------------------------------
status_json=$(nctl status --json "$NS")
status_text=$(nctl status "$NS")
leaks=""
for f in client.key psk.key; do
	b64=$(tr -d '\n' <"$CFG/$f")
	hex=$(base64 -d <"$CFG/$f" | od -An -tx1 | tr -d ' \n')
	for where in "status_json" "status_text"; do
		case "${!where}" in *"$b64"*|*"$hex"*) leaks="$leaks $f:$where";; esac
	done
	grep -qF -e "$b64" -e "$hex" "$STATE" && leaks="$leaks $f:state"
	tr '\0' '\n' <"/proc/$PID/cmdline" | grep -qF -e "$b64" -e "$hex" && leaks="$leaks $f:cmdline"
	tr '\0' '\n' <"/proc/$PID/environ" | grep -qF -e "$b64" -e "$hex" && leaks="$leaks $f:environ"
done
is "$leaks" "" "no private or preshared key in status --json, status, the state file or wireguard-go's command line and environment"
like "$status_json" "\"wg0\"" "(status --json does show wg0)"

# ---- verify ---------------------------------------------------------------------------
vj=$(nctl verify --json "$NS") && vrc=0 || vrc=$?
echo "$vj" | sed 's/^/# verify: /'
result() { echo "$vj" | python3 -c "import json,sys; d=json.load(sys.stdin); print({c['check']: c['result'] for c in d['checks']}.get('$1'))"; }
for c in tunnel default-ipv4 bypass-ipv4 default-ipv6 bypass-ipv6 dns; do
	is "$(result "$c")" pass "verify: $c passes"
done
is "$(result fail-closed)" skip "verify: fail-closed is only tested with --disruptive"
# KillSwitch=yes: the kill-switch check looks for the firewall issue 6 adds.
is "$(result kill-switch)" pass "verify: kill-switch finds the egress firewall inside (needs the firewall work, issue 6)"
is "$vrc" 0 "verify exits 0 (every check passes)"
human=$(nctl verify "$NS" || true)
is "$(echo "$human" | wc -l)" 8 "the human form prints one line per check"
like "$human" "pass  dns +10\.66\.0\.1 via wg0" "and says how each nameserver is reached"

vj=$(nctl verify --json --disruptive "$NS") || true
echo "$vj" | sed 's/^/# verify --disruptive: /'
is "$(result fail-closed)" pass "verify --disruptive: with wg0 down nothing can leave"
like "$(result fail-closed; echo "$vj")" "198\.51\.100\.2 port 51820" "the probe went to the configured peer endpoint only"
like "$(inns vpn ip route show default)" "^default dev wg0" "verify --disruptive put the default route back"
like "$(inns vpn ip -o link show wg0)" "UP" "and wg0 is up again"
check "the tunnel works again after verify --disruptive" through_tunnel

# ---- wireguard-go dies -------------------------------------------------------------------
run kill "$PID"
check "wireguard-go exits on SIGTERM" wait_gone "$PID"
check_fails "its TUN device is gone from the namespace" inns vpn ip link show wg0
like "$(inns vpn ip route get 203.0.113.9 2>&1)" "unreachable" "with the tunnel gone the namespace has no route anywhere"
vj=$(nctl verify --json --disruptive "$NS") && vrc=0 || vrc=$?
echo "$vj" | sed 's/^/# verify --disruptive (dead tunnel): /'
is "$vrc" 1 "verify fails when the tunnel is dead"
is "$(result tunnel)" fail "verify: tunnel reports the missing wg0"
is "$(result fail-closed)" pass "verify --disruptive: fail-closed passes with the tunnel dead"
check "up brings the tunnel back (a new wireguard-go)" nctl up "$NS"
read -r _ PID2 _ < <(grep '^process ' "$STATE" | tail -n 1 || echo "- - -")
check "a new wireguard-go runs" test "$PID2" != "$PID" -a "$(cat "/proc/$PID2/comm" 2>/dev/null)" = wireguard-go
is "$(grep -c '^process ' "$STATE")" 1 "the record of the dead one was dropped"
check "the tunnel works again" through_tunnel

# ---- reconcile ----------------------------------------------------------------------------
idx=$(inns vpn ip -o link show wg0 | cut -d: -f1)
hs=$(hostx wg show "$TMP" latest-handshakes)
out=$(nctl up "$NS" 2>"$CFG/err") && rc=0 || rc=$?
sed 's/^/#   /' "$CFG/err"
is "$rc" 0 "a second up succeeds"
is "$out" "$NS: unchanged" "and changes nothing"
is "$(inns vpn ip -o link show wg0 | cut -d: -f1)" "$idx" "wg0 is the same device"
is "$(hostx wg show "$TMP" latest-handshakes)" "$hs" "the WireGuard configuration was not sent again (the peer's session was kept)"
sed -i 's|^AllowedIPs=0.0.0.0/0, ::/0$|AllowedIPs=0.0.0.0/0, ::/0, 10.99.0.0/16|' "$CFG/$NS.conf"
out=$(nctl up "$NS" 2>"$CFG/err") && rc=0 || rc=$?
sed 's/^/#   /' "$CFG/err"
is "$rc:$out" "0:$NS: updated" "a changed AllowedIPs= is applied to the live link"
like "$(inns vpn ip route show 10.99.0.0/16)" "dev wg0 proto 110" "with its route"
like "$(hostx wg show "$TMP" allowed-ips)" "10\.99\.0\.0/16" "and in WireGuard"
check "the tunnel still works" through_tunnel
sed -i 's|^AllowedIPs=0.0.0.0/0, ::/0, 10.99.0.0/16$|AllowedIPs=0.0.0.0/0, ::/0|' "$CFG/$NS.conf"
out=$(nctl up "$NS" 2>"$CFG/err") && rc=0 || rc=$?
is "$rc:$(inns vpn ip route show 10.99.0.0/16)" "0:" "removing it again removes the route"

# ---- down --------------------------------------------------------------------------------
check "down succeeds" nctl down "$NS"
check "down stops wireguard-go" wait_gone "$PID2"
check "and its UAPI socket is gone" test ! -e "/var/run/wireguard/$TMP.sock"
is "$(snapshot)" "$before" "the host is as before up"
done_testing
