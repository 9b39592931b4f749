#!/usr/bin/env bash
# Issue 7: Kind=tun, a persistent TUN device made in the host, owned by
# User=/Group=, moved in, for OpenVPN or OpenConnect to attach to.
#
#   $HOST (test host)                    $P-ovpn
#   ntunXXXXXXXX (made here) --moved-->  tun0 10.77.0.1/24, persist, user nobody, group nogroup
#                                        nobody attaches with TUNSETIFF; uid 1234 may not
source "$(dirname "$0")/lib.sh"
setup_world
NS="${P}ovpn"

# attach UID: open /dev/net/tun inside the namespace as UID and attach to
# tun0 (TUNSETIFF, IFF_TUN | IFF_NO_PI), as openvpn --dev tun0 would.
attach() {
	inns ovpn setpriv --reuid="$1" --regid="$1" --clear-groups /usr/bin/python3 -c '
import fcntl, os, struct
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tun0", 0x0001 | 0x1000))
print("attached")'
}

conf ovpn <<'CONF'
[Link]
Kind=tun
Name=tun0
User=nobody
Group=nogroup
Address=10.77.0.1/24
CONF

before=$(snapshot)
check "up of a Kind=tun namespace succeeds" nctl up "$NS"
details=$(inns ovpn ip -d -o link show tun0)
like "$details" "tun type tun pi off" "tun0 is a TUN device without packet information header"
like "$details" "persist on" "it is persistent"
like "$details" "user (nobody|65534) group (nogroup|65534)" "owned by User= and Group="
like "$details" "alias netnsctl:$NS" "and marked as made by netnsctl for this namespace"
like "$(inns ovpn ip -o addr show dev tun0)" "10\.77\.0\.1/24" "it has its address"
is "$(ip -n "$HOST" -o link show | grep -c ntun || true)" 0 "nothing is left of it in the host"
check_fails "the state keeps no host record for it (it dies with the namespace)" grep -q '^hostlink' "/run/netnsctl/$NS.state"
is "$(attach 65534 2>&1 | tail -n 1)" attached "User= (nobody) can attach to tun0 without privileges"
like "$(attach 1234 2>&1 | tail -n 1)" "PermissionError|Operation not permitted" "another user cannot"
like "$(inns ovpn ip -o link show tun0)" "tun0" "tun0 outlives the process that attached (persistent)"

check "down succeeds" nctl down "$NS"
is "$(snapshot)" "$before" "the host is as before up"
is "$(ip -n "$HOST" -o link show | grep -c ntun || true)" 0 "the TUN device went with the namespace"

# ---- an unknown owner is refused before anything is made -------------------------------
conf bad <<'CONF'
[Link]
Kind=tun
User=no-such-user-netnsctl
CONF
out=$(nctl up "${P}bad" 2>&1) && rc=0 || rc=$?
is "$rc" 2 "User= naming no user: up exits 2"
like "$out" "$CFG/${P}bad.conf:3: .*User= names no user on this system" "with the file and line"
is "$(snapshot)" "$before" "and changes nothing"
done_testing
