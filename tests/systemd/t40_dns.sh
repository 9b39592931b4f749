#!/usr/bin/env bash
# Per-namespace DNS for services: `ip netns exec` bind-mounts /etc/netns/NAME/*
# over /etc for the commands it runs, but a unit that merely joins a
# namespace gets nothing of the sort. The generator's BindReadOnlyPaths= do
# it for units, including files `netnsctl up` writes only after generation.
#
#   box (systemd as PID 1; its /etc/resolv.conf is the machine's)
#     [dns]  loopback only; [DNS] Nameserver=192.0.2.53 Search=netns.example
#       dnsreader.service prints /etc/resolv.conf and /etc/nsswitch.conf
#       it sees (to the journal); hostreader.service does the same outside
source "$(dirname "$0")/lib.sh"
sd_boot

bconf dns <<'EOF'
[Namespace]
Description=per-namespace DNS
[DNS]
Nameserver=192.0.2.53
Search=netns.example
[Service]
Join=dnsreader.service
EOF
for u in dnsreader hostreader; do
	bput "/etc/systemd/system/$u.service" <<-'EOF'
	[Service]
	Type=oneshot
	RemainAfterExit=yes
	ExecStart=/bin/cat /etc/resolv.conf /etc/nsswitch.conf
	EOF
done

check "systemctl daemon-reload" box systemctl daemon-reload
check "/etc/netns/dns/resolv.conf does not exist yet (up writes it)" box test ! -e /etc/netns/dns/resolv.conf
check "systemctl start dnsreader.service hostreader.service" \
	box systemctl start dnsreader.service hostreader.service
is "$(box systemctl show -P NetworkNamespacePath dnsreader.service)" /run/netns/dns \
	"dnsreader.service joins namespace dns"

seen=$(box journalctl -b --no-pager -o cat -u dnsreader.service)
like "$seen" "nameserver 192.0.2.53" "the joined service reads the namespace's nameserver"
like "$seen" "search netns.example" "and its search domain"
like "$seen" "hosts: +files dns" "and the namespace's nsswitch.conf (DNSLeakGuard)"
host_ns=$(box sed -n 's/^nameserver //p' /etc/resolv.conf | head -n 1)
if [ -n "$host_ns" ]; then
	if [[ "$seen" == *"nameserver $host_ns"* ]]; then
		not_ok "it does not see the host's nameserver $host_ns"
	else
		ok "it does not see the host's nameserver $host_ns"
	fi
fi
outside=$(box journalctl -b --no-pager -o cat -u hostreader.service)
if [[ "$outside" == *"192.0.2.53"* ]]; then
	not_ok "a service outside the namespace still reads the host's resolv.conf"
else
	ok "a service outside the namespace still reads the host's resolv.conf"
fi
is "$(box cat /etc/resolv.conf)" "$(cat /etc/resolv.conf)" "the box's own /etc/resolv.conf is unchanged"

check "systemctl stop dnsreader.service" box systemctl stop dnsreader.service
wait_until sh -c '[ -z "$(systemctl list-jobs --no-legend)" ] && [ ! -e /run/netns/dns ]'
check "netnsctl down removed /etc/netns/dns/resolv.conf with the namespace" \
	box test ! -e /etc/netns/dns/resolv.conf
st=$(box systemctl is-system-running || true)
is "$st" running "systemctl is-system-running says running"
[ "$st" = running ] || journal_dump
done_testing
