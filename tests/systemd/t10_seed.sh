#!/usr/bin/env bash
# The seed tutorial under a real systemd: a config with Join=, daemon-reload,
# `systemctl start`, and the namespace goes away again with the service.
#
#   box (systemd as PID 1; its network namespace plays "the host")
#     before:  nic0 ==veth== lan0 192.0.2.1/24   [peer]  (/run/netns/peer)
#              (nic0 plays the tutorial's enp3s1f0)
#     started: [webserver] nic0 192.0.2.80/24 ==veth== lan0 192.0.2.1/24 [peer]
#              webserver.service: socat on :8080 answering "OK", put in
#              [webserver] by the generator's drop-in (NetworkNamespacePath=)
#              the host runs its own :8080 ("HOST") at the same time
#     stopped: as before; nic0 back in the host under its own name
source "$(dirname "$0")/lib.sh"
sd_boot

box ip netns add peer
box ip -n peer link set lo up
box ip link add nic0 type veth peer name lan0 netns peer
box ip -n peer addr add 192.0.2.1/24 dev lan0
box ip -n peer link set lan0 up
mac=$(box cat /sys/class/net/nic0/address)

bconf webserver <<'EOF'
[Namespace]
Description=the tutorial's webserver namespace
[Link]
Kind=physical
Device=nic0
Address=192.0.2.80/24
[Service]
Join=webserver.service
EOF
bput /etc/systemd/system/webserver.service <<'EOF'
[Unit]
Description=the tutorial's TCP server
[Service]
ExecStart=/usr/bin/socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo OK'
# socat exits 143 on SIGTERM
SuccessExitStatus=143
EOF

check "systemctl daemon-reload" box systemctl daemon-reload
check "the generator wrote webserver.service's drop-in" \
	box test -f /run/systemd/generator/webserver.service.d/netnsctl-webserver.conf
is "$(box systemctl show -P NetworkNamespacePath webserver.service)" /run/netns/webserver \
	"systemd sees NetworkNamespacePath= for webserver.service"
like "$(box systemctl show -P BindsTo webserver.service)" "netns@webserver.service" \
	"webserver.service is bound to netns@webserver.service"
is "$(box sh -c "systemd-analyze verify --man=no netns@webserver.service webserver.service 2>&1")" "" \
	"systemd-analyze verify finds nothing wrong with the units and drop-ins"

# The tutorial's own command, minus its attach-* unit (netnsctl does that).
if box systemctl start netns@webserver.service webserver.service; then
	ok "systemctl start netns@webserver.service webserver.service"
else
	not_ok "systemctl start netns@webserver.service webserver.service"
	journal_dump
fi
is "$(box systemctl is-active netns@webserver.service)" active "netns@webserver.service is active"
is "$(identify webserver.service)" webserver "ip netns identify \$MAINPID says 'webserver'"
check_fails "nic0 is gone from the host's namespace" box ip link show nic0
like "$(box nsenter --net=/run/netns/webserver ip -o addr show dev nic0 2>/dev/null)" "192.0.2.80/24" \
	"nic0 has its address inside the namespace"
is "$(ask 192.0.2.80 8080 peer)" OK "the server answers a peer on the LAN at 192.0.2.80:8080"

check "the host listens on :8080 too" box systemd-run --unit=hostlistener -p SuccessExitStatus=143 \
	/usr/bin/socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo HOST'
wait_until sh -c "ss -Hltn 'sport = :8080' | grep -q ."
is "$(ask 127.0.0.1 8080)" HOST "the host's own :8080 answers on the host"
is "$(ask 192.0.2.80 8080 peer)" OK "and the namespace's :8080 still answers the peer"
box systemctl stop hostlistener.service

ino_before=$(box stat -Lc %i /run/netns/webserver)
check "systemctl restart webserver.service" box systemctl restart webserver.service
is "$(box stat -Lc %i /run/netns/webserver)" "$ino_before" "a restart keeps the same namespace"
is "$(identify webserver.service)" webserver "the restarted server is in it"

check "systemctl stop webserver.service" box systemctl stop webserver.service
# StopWhenUnneeded= stops netns@webserver in a job of its own, right after.
wait_until sh -c '! systemctl is-active -q netns@webserver.service && [ -z "$(systemctl list-jobs --no-legend)" ]'
is "$(box systemctl is-active netns@webserver.service)" inactive \
	"netns@webserver.service stopped once nothing needed it"
check "/run/netns/webserver is gone" box test ! -e /run/netns/webserver
check "nic0 is back in the host under its own name" box ip link show nic0
is "$(box cat /sys/class/net/nic0/address 2>/dev/null)" "$mac" "with its own MAC address"
st=$(box systemctl is-system-running || true)
is "$st" running "systemctl is-system-running says running"
[ "$st" = running ] || journal_dump
done_testing
