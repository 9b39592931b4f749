#!/usr/bin/env bash
# nginx from Debian, run by the hardened example unit (units/examples/
# nginx-netns.service: User=www-data, no capabilities, ProtectSystem=strict,
# PrivateTmp=, NoNewPrivileges=) and joined to a namespace by Join=.
#
#   box (systemd as PID 1; its network namespace plays "the host")
#     host ve-web 10.0.80.1/24 ==veth== eth0 10.0.80.2/24 [web]
#     nginx-netns.service in [web] on :80, which the unprivileged nginx may
#     bind because [web] sets net.ipv4.ip_unprivileged_port_start=80
#     curl from the host to 10.0.80.2 gets the page; the host has no :80
source "$(dirname "$0")/lib.sh"

# nginx is not part of the build dependencies. On a machine whose
# policy-rc.d keeps apt from starting services (containers, CI images),
# installing it cannot start a server on the machine's own network.
if ! command -v nginx >/dev/null && [ "$(id -u)" = 0 ] &&
	[ -x /usr/sbin/policy-rc.d ] && { /usr/sbin/policy-rc.d nginx start; [ $? = 101 ]; }; then
	echo "# installing nginx (policy-rc.d keeps it from starting on the machine)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1 || true
fi
if ! command -v nginx >/dev/null; then
	not_ok "nginx is installed (apt-get install nginx)"
	done_testing
	exit 1
fi

sd_boot
bput /etc/systemd/system/nginx-netns.service <"$ROOT/units/examples/nginx-netns.service"
bput /etc/nginx/nginx-netns.conf <"$ROOT/units/examples/nginx-netns.nginx.conf"
marker="served from namespace web by netnsctl test $$"
bput /var/www/html/index.html <<<"$marker"
bconf web <<'EOF'
[Namespace]
# lets an nginx without capabilities bind :80 here, and only here
Sysctl=net.ipv4.ip_unprivileged_port_start=80
[Link]
Kind=veth
HostName=ve-web
Address=10.0.80.2/24
HostAddress=10.0.80.1/24
[Service]
Join=nginx-netns.service
EOF

check "systemctl daemon-reload" box systemctl daemon-reload
is "$(box sh -c "systemd-analyze verify --man=no nginx-netns.service 2>&1")" "" \
	"systemd-analyze verify finds nothing wrong with the example and its drop-in"
if box systemctl start nginx-netns.service; then
	ok "systemctl start nginx-netns.service"
else
	not_ok "systemctl start nginx-netns.service"
	journal_dump 80
fi
is "$(identify nginx-netns.service)" web "nginx's main process is in namespace web"
like "$(box curl -sS --max-time 5 http://10.0.80.2/ 2>&1)" "$marker" \
	"curl from the host gets the page through the namespace address"
check_fails "nothing listens on :80 in the host's namespace" \
	box sh -c "ss -Hltn 'sport = :80' | grep -q ."

pid=$(box systemctl show -P MainPID nginx-netns.service)
status=$(box cat "/proc/$pid/status" 2>/dev/null || true)
is "$(box ps -o user= -p "$pid" 2>/dev/null | tr -d ' ')" www-data "it runs as www-data (User=)"
like "$status" $'CapEff:\t0000000000000000' "with no effective capabilities"
like "$status" $'CapBnd:\t0000000000000000' "and an empty bounding set (CapabilityBoundingSet=)"
like "$status" $'NoNewPrivs:\t1' "NoNewPrivileges= is in effect"
is "$(box systemctl show -P ProtectSystem nginx-netns.service)" strict "ProtectSystem=strict"
is "$(box systemctl show -P PrivateTmp nginx-netns.service)" yes "PrivateTmp=yes"
like "$(box nsenter -t "$pid" -m touch /etc/netnsctl-ro-test 2>&1 || true)" "Read-only file system" \
	"/etc is read-only in its mount namespace, even for root"
is "$(box systemctl is-active netns@web.service)" active "netns@web.service is active"

check "systemctl stop nginx-netns.service" box systemctl stop nginx-netns.service
wait_until sh -c '! systemctl is-active -q netns@web.service && [ -z "$(systemctl list-jobs --no-legend)" ]'
check "the namespace ended with it" box test ! -e /run/netns/web
check "the host end of the veth is gone" box sh -c '! ip link show ve-web 2>/dev/null'
st=$(box systemctl is-system-running || true)
is "$st" running "systemctl is-system-running says running"
[ "$st" = running ] || journal_dump
done_testing
