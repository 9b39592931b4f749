#!/usr/bin/env bash
# shellcheck disable=SC2016 # sh -c scripts in single quotes expand inside the box
# Socket activation of the Mode=proxy forwarder (issue 12) under a real
# systemd: the generator writes netns-forward@vpn.socket, netns@vpn.service
# wants it, systemd listens on 127.0.0.1:19091, and the first connection
# starts netns-forward@vpn.service, which gets the socket from systemd.
#
#   box (systemd as PID 1; its network namespace plays "the host")
#     PID 1 listens on 127.0.0.1:19091 (netns-forward@vpn.socket)
#     netns-forward@vpn.service: main thread here, helper thread in [vpn]
#     [vpn]: only lo; web-ui.service (Join=) serves 127.0.0.1:9091
#     curl 127.0.0.1:19091 from the host gets web-ui's page
source "$(dirname "$0")/lib.sh"

# bcurl URL: curl from the box's host namespace; errors to the output.
bcurl() { echo "# + [box] curl $*" >&2; nsenter -t "$(box_pid)" -a curl -sS --max-time 10 "$@" 2>&1; }
web_ui_up() { wait_until sh -c "nsenter --net=/run/netns/vpn ss -Hltn 'sport = :9091' | grep -q ."; }

sd_boot
bput "$SD_UNITDIR/netns-forward@.service" <"$ROOT/units/netns-forward@.service"
if grep -q __asan_init "$NETNSCTL"; then
	# LeakSanitizer stops the world with ptrace(), which the unit's system
	# call filter refuses; leaks are checked by the integration tests.
	bput /etc/systemd/system/netns-forward@.service.d/asan.conf <<'EOF'
[Service]
Environment=ASAN_OPTIONS=detect_leaks=0
EOF
fi
marker="web UI inside vpn, test $$"
bput /srv/www/index.html <<<"$marker"
bput /etc/systemd/system/web-ui.service <<'EOF'
[Unit]
Description=a web UI on 127.0.0.1:9091 (as transmission's)
[Service]
ExecStart=/usr/bin/python3 -m http.server 9091 --bind 127.0.0.1 --directory /srv/www
EOF
bconf vpn <<'EOF'
[Namespace]
Description=no link to the host: only lo and the web UI
[Service]
Join=web-ui.service
[Publish]
HostAddress=127.0.0.1
HostPort=19091
Port=9091
EOF

check "systemctl daemon-reload" box systemctl daemon-reload
sock=$(box cat /run/systemd/generator/netns-forward@vpn.socket 2>&1 || true)
like "$sock" "ListenStream=127\.0\.0\.1:19091" "the generator wrote netns-forward@vpn.socket with the published port"
like "$(box systemctl show -P Wants netns@vpn.service)" "netns-forward@vpn\.socket" \
	"netns@vpn.service wants it"
# A generated unit is verified by path: verify does not run generators.
is "$(box sh -c 'systemd-analyze verify --man=no /run/systemd/generator/netns-forward@vpn.socket netns-forward@vpn.service 2>&1')" "" \
	"systemd-analyze verify finds nothing wrong with the socket and the service"

check "systemctl start web-ui.service (pulls in netns@vpn)" box systemctl start web-ui.service
wait_until systemctl is-active -q netns-forward@vpn.socket || true
is "$(box systemctl is-active netns-forward@vpn.socket)" active "the socket unit listens once the namespace is up"
is "$(box systemctl is-active netns-forward@vpn.service)" inactive "the forwarder has not started yet"
like "$(box ss -Hltnp 'sport = :19091')" '127\.0\.0\.1:19091 .*"systemd",pid=1,' \
	"PID 1 holds 127.0.0.1:19091 in the host namespace"

check "web-ui listens inside the namespace" web_ui_up
got=$(bcurl http://127.0.0.1:19091/index.html || true)
is "$got" "$marker" "curl from the host gets the page from inside the namespace"
if [ "$got" != "$marker" ]; then journal_dump 60; fi
is "$(box systemctl is-active netns-forward@vpn.service)" active "the first connection started the forwarder"
like "$(box journalctl -b --no-pager -u netns-forward@vpn.service 2>&1)" \
	"127\.0\.0\.1:19091 -> 127\.0\.0\.1:9091 in namespace 'vpn' \(socket from systemd" \
	"it took the socket from systemd"
is "$(bcurl http://127.0.0.1:19091/index.html || true)" "$marker" \
	"a second connection goes through the running forwarder"

pid=$(box systemctl show -P MainPID netns-forward@vpn.service)
vpn_ns=$(box readlink /run/netns/vpn 2>/dev/null || box sh -c 'nsenter --net=/run/netns/vpn readlink /proc/self/ns/net')
host_ns=$(box readlink /proc/1/ns/net)
threads=$(box sh -c "for t in /proc/$pid/task/*; do readlink \$t/ns/net; done" | sort | tr '\n' ' ')
is "$threads" "$(printf '%s\n%s\n' "$host_ns" "$vpn_ns" | sort | tr '\n' ' ')" \
	"its main thread is in the host namespace, its helper thread in vpn"
for t in $(box sh -c "ls /proc/$pid/task"); do
	st=$(box cat "/proc/$pid/task/$t/status")
	like "$st" $'CapEff:\t0000000000000000' "thread $t: no effective capabilities"
	like "$st" $'CapPrm:\t0000000000000000' "thread $t: no permitted capabilities"
	like "$st" $'CapBnd:\t0000000000200000' "thread $t: bounding set CAP_SYS_ADMIN at most (the unit's)"
	like "$st" $'NoNewPrivs:\t1' "thread $t: no_new_privs"
done
is "$(box systemctl show -P ProtectSystem netns-forward@vpn.service)" strict "ProtectSystem=strict"
is "$(box systemctl show -P PrivateTmp netns-forward@vpn.service)" yes "PrivateTmp=yes"

check "systemctl stop netns@vpn.service" box systemctl stop netns@vpn.service
wait_until sh -c '[ -z "$(systemctl list-jobs --no-legend)" ]' || true
is "$(box systemctl is-active netns-forward@vpn.service netns-forward@vpn.socket web-ui.service | tr '\n' ' ')" \
	"inactive inactive inactive " "the forwarder, its socket and the joined service stopped with the namespace"
is "$(box systemctl show -P Result netns-forward@vpn.service)" success "the forwarder stopped cleanly"
check_fails "nobody listens on 19091 any more" box sh -c "ss -Hltn 'sport = :19091' | grep -q ."
check "the namespace is gone" box test ! -e /run/netns/vpn

# Started on its own (no namespace up), the socket brings the namespace up at
# the first connection; with web-ui not running, that connection is reset.
check "systemctl start netns-forward@vpn.socket" box systemctl start netns-forward@vpn.socket
box curl -sS --max-time 10 http://127.0.0.1:19091/ >/dev/null 2>&1 || true
wait_until systemctl is-active -q netns@vpn.service || true
is "$(box systemctl is-active netns@vpn.service netns-forward@vpn.service | tr '\n' ' ')" "active active " \
	"a connection to the socket alone started the forwarder and, through BindsTo=, the namespace"
check "systemctl start web-ui.service" box systemctl start web-ui.service
web_ui_up || true
is "$(bcurl http://127.0.0.1:19091/index.html || true)" "$marker" \
	"with web-ui back, the page comes through"
box systemctl stop netns@vpn.service
wait_until sh -c '[ -z "$(systemctl list-jobs --no-legend)" ]' || true
st=$(box systemctl is-system-running || true)
is "$st" running "systemctl is-system-running says running"
[ "$st" = running ] || journal_dump
done_testing
