#!/usr/bin/env bash
# netnsctl exec (issue 5): runs the command inside, passes its exit status
# through, becomes the command (no process left around), refuses bad names,
# and drops privileges: --user/--group, --caps, --no-new-privs, plus --env,
# --clearenv, --cwd and the /sys remount.
#
#   $HOST (throwaway "host")                 $P"ex"
#   +---------------------------+           +------------------------+
#   | ve-... 10.50.0.1/24       |===veth====| 10.50.0.2/24           |
#   +---------------------------+           +------------------------+
#
# Oracles: ip (run with nsenter, not through netnsctl), /proc/self/status
# read by the command itself, id(1), a setuid-root copy of id, perl binding
# a privileged port.
source "$(dirname "$0")/lib.sh"

# xnctl ...: netnsctl exec with the exec'd process keeping netnsctl's PID
# (nsenter --net does not fork), so $! of a background call is the command.
xnctl() { echo "# + netnsctl $*" >&2; exec nsenter --net="/run/netns/$HOST" "$NETNSCTL" --config-dir "$CFG" "$@"; }
# status CMD...: print the exit status of CMD.
status() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
field() { sed -n "s/^$1:[[:space:]]*//p"; }
# A directory where setuid bits work (not mounted nosuid), readable by nobody.
suid_dir() {
	local d
	for base in /tmp /var/tmp "$ROOT"; do
		d=$(mktemp -d "$base/nct-suid.XXXXXX") || continue
		if findmnt -n -o OPTIONS -T "$d" | grep -qw nosuid; then rmdir "$d"; continue; fi
		chmod 0755 "$d"
		echo "$d"
		return 0
	done
	return 1
}

setup_world
X=${P}ex
T=$(mktemp -d /tmp/nct-exec.XXXXXX)
chmod 0755 "$T"
SUID=""
trap 'teardown_world; rm -rf "$T" ${SUID:+"$SUID"}' EXIT

conf ex <<'CONF'
[Link]
Kind=veth
Address=10.50.0.2/24
HostAddress=10.50.0.1/24
CONF
check "up of the namespace" nctl up "$X"

# ---- runs inside ------------------------------------------------------------
got=$(nctl exec "$X" ip -o -4 addr show | awk '{print $2, $4}' | sort)
want=$(inns ex ip -o -4 addr show | awk '{print $2, $4}' | sort)
is "$got" "$want" "exec: ip addr shows the namespace's addresses"
like "$got" "10\.50\.0\.2/24" "exec: the veth address is among them"
got=$(nctl exec "$X" ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort)
want=$(inns ex ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort)
is "$got" "$want" "exec: ip link shows exactly the namespace's links"
is "$(nctl exec "$X" readlink /proc/self/ns/net)" "$(inns ex readlink /proc/self/ns/net)" \
	"exec: /proc/self/ns/net is the namespace's"

# ---- exit status -------------------------------------------------------------
is "$(status nctl exec "$X" sh -c 'exit 3')" 3 "exit status 3 passes through"
is "$(status nctl exec "$X" -- sh -c 'exit 0')" 0 "exit status 0 passes through (after --)"
is "$(status nctl exec "$X" sh -c 'kill -TERM $$')" 143 "death by SIGTERM is seen as such (128+15)"
is "$(status nctl exec "$X" "$T/no-such-program")" 127 "a missing command exits 127"
printf '#!/bin/sh\necho hi\n' >"$T/not-executable"
chmod 0644 "$T/not-executable"
is "$(status nctl exec "$X" "$T/not-executable")" 126 "a command that is not executable exits 126"
like "$(nctl exec "$X" "$T/no-such-program" 2>&1)" "netnsctl: executing '.*no-such-program': No such file" \
	"a failed exec says what failed"

# ---- no process left around ---------------------------------------------------
out=$( (echo "$BASHPID"; xnctl exec "$X" sh -c 'echo $$') )
is "$(echo "$out" | sed -n 2p)" "$(echo "$out" | sed -n 1p)" "the command runs under netnsctl's own PID (direct execve)"

# ---- names ---------------------------------------------------------------------
is "$(status nctl exec ../x touch "$T/ran")" 2 "a name with ../ is refused with exit 2"
is "$(status nctl exec "a/b" touch "$T/ran")" 2 "a name with / is refused with exit 2"
check "and the command did not run" test ! -e "$T/ran"
like "$(nctl exec ../x true 2>&1)" "invalid namespace name" "the refusal names the problem"
is "$(status nctl exec "${P}absent" true)" 1 "a namespace that does not exist: exit 1"
is "$(status nctl exec "$X")" 2 "no command: usage error"
is "$(status nctl exec "$X" --user no-such-user-nct true)" 2 "unknown user: exit 2"
is "$(status nctl exec "$X" --caps no_such_cap true)" 2 "unknown capability: exit 2"
is "$(status nctl exec "$X" --env NOEQUALS true)" 2 "--env without '=': exit 2"

# ---- --user ---------------------------------------------------------------------
st=$(nctl exec "$X" --user nobody cat /proc/self/status)
nobody_uid=$(id -u nobody) nobody_gid=$(id -g nobody)
is "$(echo "$st" | field Uid | tr -s '\t ' ' ')" "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" \
	"--user nobody: real, effective, saved and fs uid are nobody's"
is "$(echo "$st" | field Gid | tr -s '\t ' ' ')" "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" \
	"--user nobody: all gids are nobody's primary group"
is "$(echo "$st" | field Groups | xargs)" "$(id -G nobody | xargs)" "--user nobody: supplementary groups are nobody's, root's are gone"
for c in CapEff CapPrm CapInh CapBnd CapAmb; do
	is "$(echo "$st" | field "$c")" 0000000000000000 "--user nobody: $c is zero"
done
is "$(echo "$st" | field NoNewPrivs)" 0 "no_new_privs stays off unless asked"
is "$(nctl exec "$X" --user "$nobody_uid" id -u)" "$nobody_uid" "--user takes a numeric uid"
is "$(status nctl exec "$X" --user 4000123 true)" 2 "a uid without passwd entry needs --group"
ids='id -u; id -g; id -G'
is "$(nctl exec "$X" --user 4000123 --group 4000124 sh -c "$ids" | xargs)" "4000123 4000124 4000124" \
	"--user/--group with bare numbers: uid, gid, and no other groups"
is "$(nctl exec "$X" --group 4000124 sh -c "$ids" | xargs)" "0 4000124 4000124" \
	"--group alone keeps uid 0, sets the gid and clears supplementary groups"

# ---- --caps ---------------------------------------------------------------------
st=$(nctl exec "$X" --user nobody --caps CAP_NET_BIND_SERVICE cat /proc/self/status)
for c in CapEff CapPrm CapBnd CapAmb; do
	is "$(echo "$st" | field "$c")" 0000000000000400 "--user nobody --caps net_bind_service: $c is exactly bit 10"
done
bind80='use Socket; socket(S, PF_INET, SOCK_STREAM, 0) or die; bind(S, sockaddr_in(80, inet_aton("127.0.0.1"))) or exit 1; exit 0'
is "$(status nctl exec "$X" --user nobody --caps net_bind_service perl -e "$bind80")" 0 \
	"with net_bind_service nobody binds port 80"
is "$(status nctl exec "$X" --user nobody perl -e "$bind80")" 1 "without it nobody cannot (the oracle works)"
st=$(nctl exec "$X" --caps none cat /proc/self/status)
is "$(echo "$st" | field CapEff)/$(echo "$st" | field CapBnd)" 0000000000000000/0000000000000000 \
	"root with --caps none: effective and bounding sets are empty"
is "$(echo "$st" | field Uid | cut -f1)" 0 "and it is still uid 0"
is "$(status nctl exec "$X" --caps none ip link set lo mtu 1500)" 2 "root without CAP_NET_ADMIN cannot change a link (ip exits 2)"
is "$(status nctl exec "$X" --caps net_admin ip link set lo mtu 65536)" 0 "root with only CAP_NET_ADMIN can"

# ---- --no-new-privs ---------------------------------------------------------------
if SUID=$(suid_dir); then
	cp /usr/bin/id "$SUID/id"
	chown root:root "$SUID/id"
	chmod 4755 "$SUID/id"
	is "$(nctl exec "$X" --user nobody "$SUID/id" -u)" 0 \
		"control: the setuid-root copy of id makes nobody's euid 0"
	is "$(nctl exec "$X" --user nobody --no-new-privs "$SUID/id" -u)" "$nobody_uid" \
		"--no-new-privs: the setuid bit is ignored, euid stays nobody"
	is "$(nctl exec "$X" --user nobody --no-new-privs cat /proc/self/status | field NoNewPrivs)" 1 \
		"--no-new-privs: NoNewPrivs is 1 in /proc/self/status"
else
	not_ok "no directory without nosuid for the setuid test"
fi

# ---- --env, --clearenv, --cwd -------------------------------------------------------
is "$(nctl exec "$X" --clearenv --env A=1 -e B=two=2 -- /usr/bin/env)" "A=1
B=two=2" "--clearenv --env: exactly the given variables"
is "$(NCT_KEEP=yes nctl exec "$X" --env NCT_ADD=1 sh -c 'echo $NCT_KEEP $NCT_ADD')" "yes 1" \
	"without --clearenv the environment is kept and --env adds to it"
is "$(nctl exec "$X" --user nobody --cwd /tmp pwd)" /tmp "--cwd changes directory"
mkdir -m 0700 "$T/private"
is "$(status nctl exec "$X" --user nobody --cwd "$T/private" pwd)" 1 \
	"--cwd is checked with the user's rights: nobody cannot enter a 0700 root directory"
like "$(nctl exec "$X" --user nobody --cwd "$T/private" pwd 2>&1)" "changing directory to .*Permission denied" \
	"and says so"

# ---- /sys ------------------------------------------------------------------------------
links=$(inns ex ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | xargs)
is "$(nctl exec "$X" --remount-sys ls /sys/class/net | sort | xargs)" "$links" \
	"--remount-sys: /sys/class/net lists exactly the namespace's links"
is "$(nctl exec "$X" ls /sys/class/net | sort | xargs)" "$(ls /sys/class/net | sort | xargs)" \
	"without /etc/netns files /sys is left alone (no mount namespace, documented)"
if findmnt -n /sys/fs/cgroup >/dev/null; then
	is "$(nctl exec "$X" --remount-sys findmnt -n -o TARGET /sys/fs/cgroup)" /sys/fs/cgroup \
		"--remount-sys keeps /sys/fs/cgroup mounted"
fi

check "down" nctl down "$X"
done_testing
