#!/usr/bin/env bash
# netnsctl exec and per-namespace DNS (issue 5): the namespace's resolv.conf
# and nsswitch.conf are seen inside and the host's are not, also after the
# host replaces its resolv.conf by rename and after `up` replaces the
# namespace's; DNSLeakGuard hides the nscd and systemd-resolved sockets,
# including when /etc/resolv.conf is resolved's symlink; DNSLeakGuard=no
# leaves them reachable. Also --user with supplementary groups (a user is
# added to the test's private /etc).
#
#   test's own mount namespace (nothing here reaches the real host):
#     /run  = empty tmpfs       (fake nscd and resolved sockets live here)
#     /etc  = overlay over /etc (the "host" resolv.conf is replaced here)
#   $HOST (throwaway "host")      $P"dns"  [DNS] Nameserver=192.0.2.53, guard on
#                                 $P"open" [DNS] Nameserver=192.0.2.54, DNSLeakGuard=no
#
# Oracles: cat and grep of the files inside, socat connecting to the Unix
# sockets, /proc/PID/ns/net of a running command.
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
if [ -z "${NCT_T51_MNTNS:-}" ]; then
	exec env NCT_T51_MNTNS=1 unshare --mount --propagation slave bash "$0" "$@"
fi
# Private /run and /etc for this process tree only: the real host's /run
# (where a real nscd might listen) and /etc stay untouched.
mount -t tmpfs -o mode=0755 nct-run /run
mkdir -p /run/nct-etc/upper /run/nct-etc/work
ovl_ok=yes
mount -t overlay nct-etc -o lowerdir=/etc,upperdir=/run/nct-etc/upper,workdir=/run/nct-etc/work /etc || ovl_ok=no
source "$(dirname "$0")/lib.sh"

xnctl() { echo "# + netnsctl $*" >&2; exec nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
status() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
# wait_for CMD...: poll up to 5 s for a precondition (not an assertion).
wait_for() { local i; for i in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }
# serve PATH REPLY: a Unix stream socket at PATH answering REPLY.
serve() { mkdir -p "$(dirname "$1")"; socat "UNIX-LISTEN:$1,fork" "SYSTEM:echo $2" & wait_for test -S "$1"; }
ask() { socat -u "UNIX-CONNECT:$1" - 2>/dev/null; }

setup_world
[ "$ovl_ok" = yes ] || { not_ok "overlay over /etc in the test's mount namespace"; done_testing; exit 1; }
D=${P}dns O=${P}open
T=$(mktemp -d /run/nct-t51.XXXXXX)

# The "host" resolver configuration, a plain file.
rm -f /etc/resolv.conf
echo "nameserver 198.51.100.1" >/etc/resolv.conf

conf dns <<'CONF'
[Link]
Kind=veth
Address=10.51.0.2/24
HostAddress=10.51.0.1/24

[DNS]
Nameserver=192.0.2.53
Search=example.test
CONF
conf open <<'CONF'
[DNS]
Nameserver=192.0.2.54
DNSLeakGuard=no
CONF
check "up of the guarded namespace" nctl up "$D"
check "up of the unguarded namespace" nctl up "$O"

# ---- resolv.conf and nsswitch.conf --------------------------------------------
inside=$(nctl exec "$D" cat /etc/resolv.conf)
like "$inside" "nameserver 192\.0\.2\.53" "the namespace's resolv.conf is seen inside"
like "$inside" "search example\.test" "with its search domain"
check_fails "the host's resolv.conf is not seen inside" grep -q 198.51.100 <<<"$inside"
is "$(nctl exec "$D" sed -n 's/^hosts:[[:space:]]*//p' /etc/nsswitch.conf)" "files dns" \
	"DNSLeakGuard: nsswitch.conf inside says 'hosts: files dns'"
is "$(cat /etc/resolv.conf)" "nameserver 198.51.100.1" "the host's own view is unchanged (nothing propagated out)"
check_fails "DNSLeakGuard=no: no nsswitch.conf override" test -e "/etc/netns/$O/nsswitch.conf"
like "$(nctl exec "$O" cat /etc/resolv.conf)" "nameserver 192\.0\.2\.54" "DNSLeakGuard=no still binds resolv.conf"

# ---- the host replaces /etc/resolv.conf by rename ----------------------------------
echo "nameserver 198.51.100.2" >/etc/resolv.conf.new
mv -f /etc/resolv.conf.new /etc/resolv.conf
is "$(cat /etc/resolv.conf)" "nameserver 198.51.100.2" "the host's resolv.conf was replaced by rename"
inside=$(nctl exec "$D" cat /etc/resolv.conf)
like "$inside" "nameserver 192\.0\.2\.53" "after the rename exec still sees the namespace's resolv.conf"
check_fails "and not the host's new one" grep -q 198.51.100 <<<"$inside"

# ---- up replaces the namespace's resolv.conf by rename -------------------------------
ino_before=$(stat -c %i "/etc/netns/$D/resolv.conf")
sed -i 's/^Nameserver=192.0.2.53/Nameserver=192.0.2.55/' "$CFG/$D.conf"
check "up applies the new nameserver" nctl up "$D"
isnt_same() { [ "$1" != "$2" ]; }
check "up wrote a new file (new inode, i.e. rename)" isnt_same "$(stat -c %i "/etc/netns/$D/resolv.conf")" "$ino_before"
like "$(nctl exec "$D" cat /etc/resolv.conf)" "nameserver 192\.0\.2\.55" \
	"the next exec sees the new file, not the old inode"

# ---- a restrictive umask does not lock users out of the resolver config -----------------
sed -i 's/^Nameserver=192.0.2.55/Nameserver=192.0.2.56/' "$CFG/$D.conf"
up_umask077() { (umask 077 && nctl up "$D"); }
check "up under umask 077 applies the next nameserver" up_umask077
is "$(stat -c %a "/etc/netns/$D/resolv.conf")" 644 "resolv.conf is mode 0644 even when up ran under umask 077"
like "$(nctl exec "$D" --user nobody cat /etc/resolv.conf)" "nameserver 192\.0\.2\.56" \
	"so a program exec'd as nobody reads it"

# ---- /sys follows the mount namespace --------------------------------------------------
links=$(inns dns ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | xargs)
is "$(nctl exec "$D" ls /sys/class/net | sort | xargs)" "$links" \
	"with /etc/netns files, /sys/class/net shows the namespace's links"

# ---- host resolver sockets -------------------------------------------------------------
serve /run/nscd/socket nscd-reply
serve /run/systemd/resolve/io.systemd.Resolve resolved-reply
is "$(ask /run/nscd/socket)" nscd-reply "control: the fake nscd answers on the host"
is "$(ask /run/systemd/resolve/io.systemd.Resolve)" resolved-reply "control: the fake resolved answers on the host"
check_fails "DNSLeakGuard: /run/nscd/socket does not exist inside" nctl exec "$D" test -e /run/nscd/socket
is "$(status nctl exec "$D" socat -u UNIX-CONNECT:/run/nscd/socket -)" 1 "DNSLeakGuard: nscd is not reachable inside"
is "$(status nctl exec "$D" socat -u UNIX-CONNECT:/run/systemd/resolve/io.systemd.Resolve -)" 1 \
	"DNSLeakGuard: resolved's varlink socket is not reachable inside"
is "$(status nctl exec "$D" --user nobody socat -u UNIX-CONNECT:/run/nscd/socket -)" 1 \
	"nor for a user after the privilege drop"
is "$(nctl exec "$O" socat -u UNIX-CONNECT:/run/nscd/socket - 2>/dev/null)" nscd-reply \
	"DNSLeakGuard=no: nscd stays reachable (the guard is what hides it)"
is "$(ask /run/nscd/socket)" nscd-reply "the host's nscd socket still works after the execs"

# ---- resolved style: /etc/resolv.conf is a symlink into /run/systemd/resolve -----------
echo "nameserver 127.0.0.53" >/run/systemd/resolve/stub-resolv.conf
rm -f /etc/resolv.conf
ln -s ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
inside=$(nctl exec "$D" cat /etc/resolv.conf)
like "$inside" "nameserver 192\.0\.2\.56" "symlinked resolv.conf: the namespace's is seen through the symlink"
check_fails "symlinked resolv.conf: the stub's 127.0.0.53 is not" grep -q 127.0.0.53 <<<"$inside"
is "$(status nctl exec "$D" socat -u UNIX-CONNECT:/run/systemd/resolve/io.systemd.Resolve -)" 1 \
	"symlinked resolv.conf: the varlink socket is still hidden"
is "$(cat /run/systemd/resolve/stub-resolv.conf)" "nameserver 127.0.0.53" "the host's stub file is untouched"

# A running command keeps the namespace's file when resolved replaces its
# stub file by rename: the bind is on exec's own tmpfs, out of the host's reach.
mkfifo "$T/go"
(xnctl exec "$D" sh -c "read x <'$T/go'; cat /etc/resolv.conf" >"$T/out") &
pid=$!
ns_of_D=$(inns dns readlink /proc/self/ns/net)
running() { [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$ns_of_D" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sh ]; }
wait_for running || true
echo "nameserver 127.0.0.54" >/run/systemd/resolve/stub-resolv.conf.new
mv -f /run/systemd/resolve/stub-resolv.conf.new /run/systemd/resolve/stub-resolv.conf
echo go >"$T/go"
wait "$pid" || true
like "$(cat "$T/out")" "nameserver 192\.0\.2\.56" \
	"a command started before resolved renamed its stub file still reads the namespace's"

# ---- supplementary groups (needs a user in /etc, which only this test can add) ----
echo "nct-user:x:4000200:4000200::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
printf '%s\n' nct-user:x:4000200: nct-grp-b:x:4000202:nct-user nct-grp-a:x:4000201:root,nct-user >>/etc/group
is "$(nctl exec "$D" --user nct-user cat /proc/self/status | sed -n 's/^Groups:[[:space:]]*//p' | xargs -n1 | sort -n | xargs)" \
	"4000200 4000201 4000202" "--user: the user's supplementary groups from /etc/group, in any file order"
is "$(nctl exec "$D" --user nct-user --group nct-grp-b sh -c 'id -g; id -G' | xargs -n1 | sort -n | uniq | xargs)" \
	"4000201 4000202" "--user --group: that primary group plus the groups listing the user, as initgroups(3) does"

check "down of both" nctl down "$D" "$O"
check "down removed /etc/netns/$D" test ! -e "/etc/netns/$D"
done_testing
