#!/usr/bin/env bash
# Issue 7: bad WireGuard input is refused before anything is changed, with
# the file and line, exit status 2, and without the key in the message.
#
#   $HOST (test host): netnsctl up of each bad config; nothing may appear
#   (no namespace, no link, no wireguard-go, no UAPI socket, no state).
source "$(dirname "$0")/lib.sh"
setup_world

KEY="$CFG/wg.key"
(umask 077; wg genkey >"$KEY" 2>/dev/null || echo "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" >"$KEY")
PUB=$( (wg pubkey <"$KEY") 2>/dev/null || echo "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=")

# write_conf NAME KEYFILE ENDPOINT [EXTRA-LINK-LINES]
write_conf() {
	conf "$1" <<CONF
[Link]
Kind=wireguard
Address=10.66.0.2/24
PrivateKeyFile=$2
Implementation=userspace
${4:-}

[WireGuardPeer]
PublicKey=$PUB
Endpoint=$3
AllowedIPs=0.0.0.0/0
CONF
}

# refused NAME LINE MESSAGE DESC [SECRET]: up exits 2 with CFG/P-NAME.conf:LINE: ...MESSAGE,
# leaves the host as it was and (if given) does not print SECRET.
refused() {
	local name=$1 line=$2 msg=$3 desc=$4 secret=${5:-} before out rc
	before=$(snapshot)
	out=$(nctl up "$P$name" 2>&1) && rc=0 || rc=$?
	is "$rc" 2 "$desc: up exits 2"
	like "$out" "$CFG/$P$name.conf:$line: .*$msg" "$desc: the error names the file and line"
	[ -n "$secret" ] && case "$out" in *"$secret"*) not_ok "$desc: the key is not in the message";; *) ok "$desc: the key is not in the message";; esac
	is "$(snapshot)" "$before" "$desc: nothing was changed"
	is "$(find /var/run/wireguard -name 'nwg*' -newer "$CFG" 2>/dev/null)" "" "$desc: no wireguard-go was started"
}

# ---- key files --------------------------------------------------------------------
cp "$KEY" "$CFG/open.key"
chmod 0644 "$CFG/open.key"
write_conf open "$CFG/open.key" 198.51.100.2:51820
refused open 4 "PrivateKeyFile=$CFG/open.key: refusing a key file that group or others can access \\(mode 0644; chmod 600 it\\)" \
	"a key file of mode 0644" "$(cat "$KEY")"

cp "$KEY" "$CFG/group.key"
chmod 0640 "$CFG/group.key"
write_conf group "$CFG/group.key" 198.51.100.2:51820
refused group 4 "mode 0640" "a group-readable key file"

cp "$KEY" "$CFG/nobody.key"
chmod 0600 "$CFG/nobody.key"
chown 65534 "$CFG/nobody.key"
write_conf nobody "$CFG/nobody.key" 198.51.100.2:51820
refused nobody 4 "not owned by root \\(owner uid 65534\\)" "a key file not owned by root"

(umask 077; echo "bm90LWEta2V5LWJ1dC1hLXNlY3JldC1hbnl3YXk=" >"$CFG/bad.key")
write_conf bad "$CFG/bad.key" 198.51.100.2:51820
refused bad 4 "not a valid WireGuard key" "a malformed key" "bm90LWEta2V5"

write_conf missing "$CFG/absent.key" 198.51.100.2:51820
refused missing 4 "No such file or directory" "a missing key file"

ln -s "$KEY" "$CFG/link.key"
write_conf symlink "$CFG/link.key" 198.51.100.2:51820
refused symlink 4 "symbolic link" "a key file that is a symlink"

conf psk <<CONF
[Link]
Kind=wireguard
PrivateKeyFile=$KEY
Implementation=userspace

[WireGuardPeer]
PublicKey=$PUB
PresharedKeyFile=$CFG/open.key
CONF
refused psk 8 "PresharedKeyFile=$CFG/open.key: refusing a key file that group or others can access" \
	"a preshared key file of mode 0644" "$(cat "$KEY")"

# ---- endpoints ---------------------------------------------------------------------
write_conf noport "$KEY" 198.51.100.2
refused noport 10 "invalid Endpoint '198.51.100.2': needs a port \\(HOST:PORT\\)" "an endpoint without a port"
out=$(nctl check "${P}noport" 2>&1) && rc=0 || rc=$?
like "$rc:$out" "^2:.*$P""noport.conf:10: invalid Endpoint" "check refuses it too, at the same line"

write_conf v6 "$KEY" "[2001:db8::1]"
refused v6 10 "needs a port \\(\\[IPV6\\]:PORT\\)" "an IPv6 endpoint without a port"

write_conf name "$KEY" vpn.example.com:51820
refused name 10 "Endpoint host 'vpn.example.com' is not an IP address; netnsctl does not resolve names" \
	"an endpoint given as a host name"

# ---- public key -----------------------------------------------------------------------
conf pub <<CONF
[Link]
Kind=wireguard
PrivateKeyFile=$KEY

[WireGuardPeer]
PublicKey=c2hvcnQ=
CONF
refused pub 6 "invalid PublicKey= \\(expected a WireGuard key" "a malformed public key" "c2hvcnQ="

# ---- an implementation this machine does not have -----------------------------------------
conf kernel <<CONF
[Link]
Kind=wireguard
PrivateKeyFile=$KEY
Implementation=kernel
CONF
if inns_probe=$(ip netns add "${P}probe" && ip -n "${P}probe" link add wgprobe type wireguard 2>&1); then
	ip netns del "${P}probe"
	check "Implementation=kernel with the module: up succeeds" nctl up "${P}kernel"
	like "$(inns kernel ip -d -o link show wg0)" "wireguard" "wg0 is a kernel WireGuard link"
	check "down succeeds" nctl down "${P}kernel"
else
	ip netns del "${P}probe" 2>/dev/null
	echo "# no kernel WireGuard here: $inns_probe"
	refused kernel 4 "Implementation=kernel, but this kernel has no WireGuard" "Implementation=kernel without the module"
fi
done_testing
