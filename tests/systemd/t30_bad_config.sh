#!/usr/bin/env bash
# A bad config next to a good one. The generator reports the bad one in the
# journal and carries on: the good namespace comes up as usual. The units
# the bad config joins stay bound to its namespace unit, which fails until
# the config is fixed, so they never run in the host's namespace instead.
#
#   box (systemd as PID 1; its network namespace plays "the host")
#     host ve-good 10.0.81.1/24 ==veth== eth0 10.0.81.2/24 [good]
#       goodsvc.service: socat :8080 "GOOD" in [good]
#     broken.conf: a typo (Loopbak=); Join=brokensvc.service
#       -> brokensvc.service refuses to start; after the fix it runs in [broken]
#     "bad name.conf": not a namespace name; reported, skipped
source "$(dirname "$0")/lib.sh"
sd_boot

bconf good <<'EOF'
[Link]
Kind=veth
HostName=ve-good
Address=10.0.81.2/24
HostAddress=10.0.81.1/24
[Service]
Join=goodsvc.service
EOF
bconf broken <<'EOF'
[Namespace]
Loopbak=yes
[Service]
Join=brokensvc.service
EOF
bput "/etc/netnsctl/bad name.conf" <<<"[Namespace]"
for u in goodsvc brokensvc; do
	bput "/etc/systemd/system/$u.service" <<-EOF
	[Service]
	ExecStart=/usr/bin/socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo $u'
	SuccessExitStatus=143
	EOF
done

check "systemctl daemon-reload" box systemctl daemon-reload
log=$(box journalctl -b --no-pager -o cat -t netnsctl-generator)
like "$log" "/etc/netnsctl/broken.conf:2: unknown key 'Loopbak' in \[Namespace\]" \
	"the journal names the bad line, from netnsctl-generator"
like "$log" "bad name.conf: the file name is not a valid namespace name" \
	"and the file whose name is not a namespace name"

check "systemctl start goodsvc.service" box systemctl start goodsvc.service
is "$(identify goodsvc.service)" good "goodsvc.service runs in namespace good"
is "$(ask 10.0.81.2 8080)" goodsvc "and answers on 10.0.81.2:8080"

check_fails "systemctl start brokensvc.service refuses" box systemctl start brokensvc.service
is "$(box systemctl is-active brokensvc.service)" inactive "brokensvc.service never ran"
is "$(box systemctl is-failed netns@broken.service)" failed "netns@broken.service failed"
like "$(box journalctl -b --no-pager -o cat -u netns@broken.service)" "unknown key 'Loopbak'" \
	"its journal says why"
check_fails "nothing answers :8080 in the host's namespace" \
	box sh -c "ss -Hltn 'sport = :8080' | grep -q ."

bconf broken <<'EOF'
[Namespace]
Loopback=yes
[Service]
Join=brokensvc.service
EOF
check "after the fix: daemon-reload" box systemctl daemon-reload
box systemctl reset-failed
check "systemctl start brokensvc.service" box systemctl start brokensvc.service
is "$(identify brokensvc.service)" broken "brokensvc.service runs in namespace broken"

check "stopping both services" box systemctl stop goodsvc.service brokensvc.service
wait_until sh -c '[ -z "$(systemctl list-jobs --no-legend)" ] && [ -z "$(ls /run/netns)" ]'
is "$(box ls /run/netns)" "" "both namespaces ended with their services"
st=$(box systemctl is-system-running || true)
is "$st" running "systemctl is-system-running says running"
[ "$st" = running ] || journal_dump
done_testing
