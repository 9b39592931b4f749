#!/usr/bin/env bash
# Issue 7: verify and the kill switch when the namespace has a way around
# the tunnel. The client has wg0 (Tunnel=yes) and a veth to the host with a
# route to the server's public network: a real bypass. verify must name it;
# with KillSwitch=yes nothing may use it (tunnel up, down or dead), counted
# in the "internet" namespace; with KillSwitch=no verify --disruptive must
# catch the leak (which shows the counter can see one).
#
#   $P-leak                        $HOST                             $P-I                  $P-S
#   wg0 10.66.0.2 (tunnel) <-----  wireguard-go :61820 up0 192.0.2.2 h0 192.0.2.1           s0 198.51.100.2
#   eth0 10.9.0.2/30 ------------> ve-... 10.9.0.1/30, forwards,     s0 198.51.100.1        wireguard-go :51820
#   198.51.100.0/24 via 10.9.0.1   masquerades out of up0            counters (forward)     socat :8081 "leaked"
source "$(dirname "$0")/lib.sh"

command -v wireguard-go >/dev/null && command -v wg >/dev/null && command -v socat >/dev/null ||
	{ echo "1..0 # SKIP needs wireguard-go, wg (wireguard-tools) and socat"; exit 0; }

INET="${P}I" SRVNS="${P}S" SRV="s$$" NS="${P}leak"
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
gone() { [ ! -e "/proc/$1" ] || grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }
wait_gone() { for _ in $(seq 100); do gone "$1" && return 0; sleep 0.05; done; return 1; }

# ---- the internet, the server, the host's forwarding -----------------------------------
ip netns add "$INET"
ip netns add "$SRVNS"
ip -n "$INET" link set lo up
ip -n "$SRVNS" link set lo up
ip -n "$HOST" link add up0 type veth peer name h0 netns "$INET"
ip -n "$SRVNS" link add s0 type veth peer name s0 netns "$INET"
ip -n "$HOST" addr add 192.0.2.2/24 dev up0
ip -n "$HOST" link set up0 addrgenmode none up
ip -n "$HOST" route add default via 192.0.2.1
ip -n "$INET" addr add 192.0.2.1/24 dev h0
ip -n "$INET" addr add 198.51.100.1/24 dev s0
ip -n "$INET" link set h0 up
ip -n "$INET" link set s0 up
nsenter --net="/run/netns/$INET" sysctl -qw net.ipv4.ip_forward=1
ip -n "$SRVNS" addr add 198.51.100.2/24 dev s0
ip -n "$SRVNS" link set s0 up
ip -n "$SRVNS" route add default via 198.51.100.1
hostx sysctl -qw net.ipv4.ip_forward=1
hostx nft -f - <<'NFT'
table ip t71nat {
	chain post { type nat hook postrouting priority srcnat; oifname "up0" ip saddr 10.9.0.0/30 masquerade; }
}
NFT
# What reaches the internet from the client other than WireGuard from
# wireguard-go's port: the leak counter.
nsenter --net="/run/netns/$INET" nft -f - <<'NFT'
table inet t71count {
	counter tcp_leak { }
	counter udp_leak { }
	chain count {
		type filter hook forward priority filter;
		ip daddr 198.51.100.2 tcp dport 8081 counter name tcp_leak
		ip daddr 198.51.100.2 udp dport 51820 udp sport != 61820 counter name udp_leak
	}
}
NFT
count() { nsenter --net="/run/netns/$INET" nft list counter inet t71count "$1" | awk '/packets/ { print $2 }'; }

(umask 077; wg genkey >"$CFG/server.key"; wg genkey >"$CFG/client.key")
wg pubkey <"$CFG/server.key" >"$CFG/server.pub"
wg pubkey <"$CFG/client.key" >"$CFG/client.pub"
nsenter --net="/run/netns/$SRVNS" env WG_PROCESS_FOREGROUND=1 wireguard-go "$SRV" >/dev/null 2>&1 &
SRV_PID=$!
for _ in $(seq 100); do [ -S "/var/run/wireguard/$SRV.sock" ] && break; sleep 0.05; done
nsenter --net="/run/netns/$SRVNS" wg set "$SRV" private-key "$CFG/server.key" listen-port 51820 \
	peer "$(cat "$CFG/client.pub")" allowed-ips 10.66.0.2/32
ip -n "$SRVNS" addr add 10.66.0.1/24 dev "$SRV"
ip -n "$SRVNS" link set "$SRV" up
nsenter --net="/run/netns/$SRVNS" socat TCP-LISTEN:8081,reuseaddr,fork SYSTEM:'echo leaked' >/dev/null 2>&1 &

write_conf() {
	conf leak <<CONF
[Link]
Kind=wireguard
Name=wg0
Address=10.66.0.2/24
PrivateKeyFile=$CFG/client.key
ListenPort=61820
Implementation=userspace

[WireGuardPeer]
PublicKey=$(cat "$CFG/server.pub")
Endpoint=198.51.100.2:51820
AllowedIPs=0.0.0.0/0

[Link]
Kind=veth
Name=eth0
Address=10.9.0.2/30
HostAddress=10.9.0.1/30

[Route]
Destination=198.51.100.0/24
Gateway=10.9.0.1

[Firewall]
KillSwitch=$1
CONF
}
result() { echo "$vj" | python3 -c "import json,sys; d=json.load(sys.stdin); print({c['check']: c['result'] for c in d['checks']}.get('$1'))"; }
leak_tcp() { inns leak socat -T2 - TCP:198.51.100.2:8081,connect-timeout=2 </dev/null 2>/dev/null; }

# ---- KillSwitch=yes -----------------------------------------------------------------------
write_conf yes
check "up with a tunnel, a veth and a route around the tunnel" nctl up "$NS"
vj=$(nctl verify --json "$NS") && vrc=0 || vrc=$?
echo "$vj" | sed 's/^/# verify: /'
is "$vrc" 1 "verify fails"
is "$(result bypass-ipv4)" fail "verify: bypass-ipv4 fails"
like "$vj" "198\.51\.100\.0/24 dev eth0" "and names the route around the tunnel"
is "$(result default-ipv4)" pass "verify: the default route itself is fine"
is "$(result kill-switch)" pass "verify: kill-switch finds the egress firewall (issue 6)"

is "$(leak_tcp)" "" "tunnel up: a connection along the bypass route is stopped by the kill switch"
vj=$(nctl verify --json --disruptive "$NS") || true
echo "$vj" | sed 's/^/# verify --disruptive: /'
is "$(result fail-closed)" pass "verify --disruptive: with wg0 down nothing leaves"
PID=$(awk '$1 == "process" { print $2 }' "/run/netnsctl/$NS.state")
run kill "$PID"
check "wireguard-go is gone" wait_gone "$PID"
is "$(leak_tcp)" "" "tunnel dead: a connection along the bypass route still fails"
vj=$(nctl verify --json --disruptive "$NS") || true
is "$(result fail-closed)" pass "verify --disruptive: with the tunnel dead nothing leaves"
is "$(count tcp_leak) $(count udp_leak)" "0 0" "the internet namespace saw no packet of the client's (TCP or UDP) outside the tunnel"
check "down" nctl down "$NS"

# ---- KillSwitch=no: the same leak is caught ----------------------------------------------
write_conf no
check "up again with KillSwitch=no" nctl up "$NS"
vj=$(nctl verify --json --disruptive "$NS") && vrc=0 || vrc=$?
echo "$vj" | sed 's/^/# verify --disruptive (no kill switch): /'
is "$vrc" 1 "verify --disruptive fails"
is "$(result fail-closed)" fail "verify --disruptive: fail-closed fails"
like "$vj" "198\.51\.100\.2 port 51820: a datagram left via eth0" "and says where the probe went"
like "$(inns leak ip route show default)" "^default dev wg0" "the tunnel's default route is back afterwards"
is "$(leak_tcp)" leaked "without a kill switch the bypass route reaches the internet"
check "the counter sees that (the oracle works)" test "$(count tcp_leak)" -gt 0 -a "$(count udp_leak)" -gt 0
check "down" nctl down "$NS"
done_testing
