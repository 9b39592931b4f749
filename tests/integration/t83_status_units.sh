#!/usr/bin/env bash
# t83: `netnsctl status` shows the units that join a namespace with the
# state systemd reports over D-Bus (sd-bus, libsystemd loaded on demand),
# checked against `systemctl show`, under a real systemd booted in a
# throwaway box (tests/systemd/box.sh); also without the D-Bus daemon, over
# systemd's private socket.
#
#   box (systemd as PID 1; its network namespace plays "the host")
#     host ve-t83 10.0.83.1/24 ==veth== eth0 10.0.83.2/24 [web]
#     Join= in web.conf: t83-run (sleep, running), t83-off (never started),
#                        t83-bad (exits 1: failed), t83-gone (no such unit)
#     `netnsctl join t83-cli web`: t83-cli (not started)
source "$(dirname "$0")/../systemd/lib.sh"
sd_boot

bconf web <<'EOF'
[Link]
Kind=veth
HostName=ve-t83
Address=10.0.83.2/24
HostAddress=10.0.83.1/24
[Service]
Join=t83-run.service t83-off.service t83-bad.service t83-gone.service
EOF
for u in t83-run t83-off t83-cli; do
	bput "/etc/systemd/system/$u.service" <<-'EOF'
	[Service]
	ExecStart=/bin/sleep infinity
	EOF
done
bput /etc/systemd/system/t83-bad.service <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/false
EOF
check "systemctl daemon-reload" box systemctl daemon-reload
check "netnsctl join t83-cli web --reload" box netnsctl join --reload t83-cli web
check "systemctl start t83-run.service" box systemctl start t83-run.service
check_fails "systemctl start t83-bad.service fails" box systemctl start t83-bad.service

# state UNIT: "ActiveState (SubState)" as systemctl reports it.
state() { echo "$(box systemctl show -P ActiveState "$1") ($(box systemctl show -P SubState "$1"))"; }
# row OUT UNIT: the unit's line of the status table.
row() { grep -E "^  $2 " <<<"$1" || true; }

out=$(box netnsctl status web 2>&1)
while IFS= read -r l; do echo "#   $l"; done <<<"$out"
like "$out" $'\n  UNIT +STATE +JOINED BY\n' "status: a unit table"
is "$(state t83-run.service)" "active (running)" "(systemctl: t83-run is active (running))"
like "$(row "$out" t83-run.service)" "^  t83-run\.service +active \(running\) +Join= \(/etc/netnsctl/web\.conf:7\)$" \
	"status: t83-run.service active (running), joined by the config"
is "$(state t83-off.service)" "inactive (dead)" "(systemctl: t83-off is inactive (dead))"
like "$(row "$out" t83-off.service)" "^  t83-off\.service +inactive \(dead\) " "status: t83-off.service inactive (dead)"
is "$(state t83-bad.service)" "failed (failed)" "(systemctl: t83-bad is failed (failed))"
like "$(row "$out" t83-bad.service)" "^  t83-bad\.service +failed \(failed\) " "status: t83-bad.service failed"
is "$(box systemctl show -P LoadState t83-gone.service)" "not-found" "(systemctl: t83-gone is not-found)"
like "$(row "$out" t83-gone.service)" "^  t83-gone\.service +not-found " "status: t83-gone.service not-found"
like "$(row "$out" t83-cli.service)" "^  t83-cli\.service +inactive \(dead\) +netnsctl join$" \
	"status: t83-cli.service, joined by 'netnsctl join'"
check_fails "status: no 'unit states not shown' note" grep -q "unit states not shown" <<<"$out"

# The unit's process is listed with its unit.
pid=$(box systemctl show -P MainPID t83-run.service)
like "$(grep -E "^ +$pid " <<<"$out" || true)" "^ +$pid +root +t83-run\.service +/bin/sleep infinity$" \
	"status: t83-run's process ($pid), with its unit"

# Without the D-Bus daemon, as root: systemd's private socket.
box systemctl stop dbus.socket dbus.service
check_fails "(the system bus is down)" box busctl --system --no-pager list
out=$(box netnsctl status web 2>&1)
like "$(row "$out" t83-run.service)" "^  t83-run\.service +active \(running\) " \
	"status without D-Bus: states still shown (private socket)"

# `status` with no name asks for every namespace over one connection.
like "$(box netnsctl status 2>&1)" "t83-off\.service +inactive \(dead\)" "status without NAME: unit states too"

# The bash completion asks systemd for the units `join` may take.
# shellcheck disable=SC2016 # expanded by the inner bash
comp='source /usr/share/bash-completion/bash_completion; source "$1"; compopt() { :; }
	COMP_WORDS=(netnsctl join "$2"); COMP_CWORD=2; COMP_LINE="netnsctl join $2"; COMP_POINT=${#COMP_LINE}
	_netnsctl netnsctl "$2" join; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "'
is "$(box bash --norc -c "$comp" _ /usr/share/bash-completion/completions/netnsctl t83-)" \
	"t83-bad.service t83-cli.service t83-off.service t83-run.service " \
	"completion of 'netnsctl join t83-': the service units systemd knows"
like "$(box bash --norc -c "$comp" _ /usr/share/bash-completion/completions/netnsctl netns)" "^ ?$" \
	"and never netns@.service"

box systemctl stop t83-run.service
st=$(box systemctl is-system-running || true)
like "$st" "running|degraded" "systemd is still fine (t83-bad failed on purpose)"
done_testing
