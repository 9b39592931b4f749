#!/usr/bin/env bash
# t80: the Debian package builds, passes lintian, installs, works, and is
# purged without a trace.
#
#   git archive HEAD ──> $T/src ──dpkg-buildpackage -us -uc -b──> $T/netnsctl_*.deb
#                                                                  │ lintian
#   machine: dpkg -i ──> /usr/sbin/netnsctl --version             │
#                        netnsctl-generator $T/gen (own config dir) │
#            dpkg --purge ──> every file of `dpkg -L` is gone  <────┘
#
# The package is built from a clean copy of the committed tree (HEAD), as a
# release would be; T80_SOURCE=worktree builds the working tree instead
# (tracked and untracked files, ignored ones left out). This test does not
# use $NETNSCTL: it builds its own. It installs the package on this machine
# for a moment; if netnsctl is already installed as a package, it refuses
# to touch it (not ok). A trap purges what it installed on any exit.
# Building cannot be skipped: a missing build dependency is a failure that
# names the packages to install.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }

T=$(mktemp -d /tmp/nct-t80.XXXXXX)
INSTALLED=""
cleanup() {
	set +e
	if [ -n "$INSTALLED" ]; then
		echo "# cleanup: purging netnsctl" >&2
		dpkg_locked --purge netnsctl >/dev/null 2>&1
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have() { command -v "$1" >/dev/null; }
# diag: stdin as TAP comments.
diag() { sed 's/^/#   /'; }

# dpkg ARGS..., retried while another dpkg or apt holds the lock (bounded).
dpkg_locked() {
	local out rc
	for _ in $(seq 120); do
		out=$(timeout 300 dpkg "$@" 2>&1) && { echo "$out"; return 0; }
		rc=$?
		if ! grep -q "lock" <<<"$out"; then
			echo "$out"
			return $rc
		fi
		sleep 1
	done
	echo "$out"
	return 1
}

# ---- source ----------------------------------------------------------------------
mkdir "$T/src"
if [ "${T80_SOURCE:-head}" = worktree ]; then
	run bash -c "cd '$ROOT' && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t '$T/src'" ||
		{ not_ok "copy of the working tree"; done_testing; exit 1; }
	ok "copied the working tree to $T/src"
elif git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	run bash -c "git -C '$ROOT' archive HEAD | tar -x -C '$T/src'" ||
		{ not_ok "git archive HEAD"; done_testing; exit 1; }
	ok "exported HEAD ($(git -C "$ROOT" rev-parse --short HEAD)) to $T/src"
else
	# not a git checkout (a release tarball): the tree minus build output
	run bash -c "cd '$ROOT' && tar --exclude='./build*' --exclude=./.git -c . | tar -x -C '$T/src'"
	ok "copied the source tree to $T/src"
fi
check "the tree has debian/control and debian/rules" test -f "$T/src/debian/control" -a -x "$T/src/debian/rules"

# ---- build -----------------------------------------------------------------------
for tool in dpkg-buildpackage dpkg-checkbuilddeps; do
	check "$tool is installed (package dpkg-dev)" have "$tool"
done
if missing=$(cd "$T/src" && dpkg-checkbuilddeps 2>&1); then
	ok "all build dependencies are installed"
else
	not_ok "all build dependencies are installed"
	echo "# $missing"
	echo "# fix: apt-get install debhelper scdoc bash-completion libmnl-dev libsystemd-dev libnftables-dev libcap-ng-dev pkg-config"
fi
echo "# + dpkg-buildpackage -us -uc -b (log: $T/build.log)" >&2
if (cd "$T/src" && timeout 1200 dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds the package"
else
	not_ok "dpkg-buildpackage -us -uc -b builds the package"
	tail -n 40 "$T/build.log" | diag
	done_testing
	exit 1
fi
shopt -s nullglob
debs=("$T"/netnsctl_*.deb) changes=("$T"/netnsctl_*.changes)
shopt -u nullglob
DEB=${debs[0]:-}
check "it produced netnsctl_*.deb" test -f "$DEB"
[ -f "$DEB" ] || { done_testing; exit 1; }
CHANGES=${changes[0]:-}

deps=$(dpkg-deb -f "$DEB" Depends)
like "$deps" "(^|, )libsystemd0" "Depends names libsystemd0 (opened with dlopen, invisible to shlibs)"
like "$deps" "(^|, )libnftables1" "Depends names libnftables1 (likewise)"
is "$(dpkg-deb -f "$DEB" Version)" "$(cd "$T/src" && dpkg-parsechangelog -S Version)" \
	"the version is debian/changelog's"

# As dpkg -L lists them: "/usr/sbin", not "./usr/sbin/"; the root is "/.".
contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|; s|\(.\)/$|\1|; s|^/$|/.|')
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
gendir=$(pkg-config --variable=systemdsystemgeneratordir systemd 2>/dev/null || echo /lib/systemd/system-generators)
compdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)
for f in /usr/sbin/netnsctl "$gendir/netnsctl-generator" "$unitdir/netns@.service" \
	/usr/share/man/man8/netnsctl.8.gz /usr/share/man/man5/netnsctl.conf.5.gz \
	/usr/share/man/man8/netnsctl-generator.8.gz /usr/share/man/man8/netns@.service.8.gz \
	"$compdir/netnsctl" /etc/netnsctl/README /etc/netnsctl/webserver.conf.example \
	/usr/share/doc/netnsctl/copyright; do
	check "the package ships $f" grep -qxF "$f" <<<"$contents"
done
check_fails "the package ships no active config (/etc/netnsctl/*.conf)" grep -qE '^/etc/netnsctl/[^/]*\.conf$' <<<"$contents"

# ---- lintian ---------------------------------------------------------------------
if command -v lintian >/dev/null; then
	echo "# + lintian $CHANGES" >&2
	lrc=0
	lint=$(timeout 600 lintian --allow-root "$CHANGES" 2>&1) || lrc=$?
	diag <<<"$lint"
	check_fails "lintian reports no errors" grep -q '^E: ' <<<"$lint"
	is "$lrc" 0 "lintian exits 0"
else
	not_ok "lintian is installed (apt-get install lintian)"
fi

# ---- install ---------------------------------------------------------------------
if dpkg-query -W -f='${Status}' netnsctl 2>/dev/null | grep -q "installed"; then
	not_ok "netnsctl is not installed as a package already (this test will not replace it)"
	done_testing
	exit 1
fi
# Which of the package's paths exist before: they must still exist after the
# purge (directories such as /usr/sbin), all others must be gone.
preexisting=()
while IFS= read -r f; do
	[ -n "$f" ] && [ -e "$f" ] && preexisting+=("$f")
done <<<"$contents"

INSTALLED=1
rc=0
out=$(dpkg_locked -i "$DEB") || rc=$?
diag <<<"$out"
is "$rc" 0 "dpkg -i installs it"
is "$(dpkg-query -W -f='${Status}' netnsctl 2>/dev/null)" "install ok installed" "dpkg says it is installed"
listed=$(dpkg -L netnsctl 2>/dev/null || true)
check "dpkg -L lists /usr/sbin/netnsctl" grep -qxF /usr/sbin/netnsctl <<<"$listed"

ver=$(dpkg-deb -f "$DEB" Version)
is "$(/usr/sbin/netnsctl --version)" "netnsctl ${ver%%-*}" "/usr/sbin/netnsctl --version prints the package's version"
like "$(/usr/sbin/netnsctl --help)" "See netnsctl\(8\)" "netnsctl --help points at the manual"
like "$(zcat /usr/share/man/man8/netns@.service.8.gz | grep '^\.TH')" '^\.TH "netns@\.service" "8"' \
	"netns@.service(8) carries its own name in the title"
if command -v man >/dev/null; then
	like "$(MANWIDTH=80 man -P cat netnsctl.conf 2>/dev/null | head -n 5)" "netnsctl\.conf - network namespace" \
		"man netnsctl.conf shows the installed page"
fi
check "the bash completion is valid bash" bash -n "$compdir/netnsctl"
like "$(/usr/sbin/netnsctl check /etc/netnsctl/webserver.conf.example)" "ok \(1 link" \
	"the shipped example config validates"
is "$(stat -c %U:%a /etc/netnsctl)" "root:755" "/etc/netnsctl is root's, mode 0755"
check "README and the example are conffiles" \
	bash -c "dpkg-query -W -f='\${Conffiles}' netnsctl | grep -q /etc/netnsctl/README"

# The generator, run by hand into a scratch directory, with its own config
# directory and unit directory (so the machine's are neither read nor used).
mkdir -m 0755 "$T/cfg" "$T/gen" "$T/sd"
cat >"$T/cfg/t80web.conf" <<'EOF'
[Link]
Kind=veth
Address=10.80.0.2/24
[Service]
Join=t80-web.service
EOF
echo "# + netnsctl-generator $T/gen" >&2
grc=0
gout=$(NETNSCTL_CONFIG_DIR="$T/cfg" NETNSCTL_SYSTEMD_DIR="$T/sd" SYSTEMD_LOG_TARGET=console \
	"$gendir/netnsctl-generator" "$T/gen" "$T/gen.early" "$T/gen.late" 2>&1) || grc=$?
is "$grc" 0 "the installed generator exits 0"
[ -z "$gout" ] || diag <<<"$gout"
dropin="$T/gen/t80-web.service.d/netnsctl-t80web.conf"
like "$(cat "$dropin" 2>/dev/null)" "NetworkNamespacePath=/run/netns/t80web" \
	"it writes the Join= drop-in with NetworkNamespacePath="
like "$(head -n 1 "$dropin" 2>/dev/null)" "^# Automatically generated by netnsctl" "which says who wrote it"
check "and StopWhenUnneeded= for netns@t80web.service" \
	grep -q StopWhenUnneeded=yes "$T/gen/netns@t80web.service.d/netnsctl.conf"

# ---- purge -----------------------------------------------------------------------
rc=0
out=$(dpkg_locked --purge netnsctl) || rc=$?
diag <<<"$out"
is "$rc" 0 "dpkg --purge removes it"
INSTALLED=""
check_fails "dpkg no longer knows the package" \
	bash -c "dpkg-query -W -f='\${Status}' netnsctl 2>/dev/null | grep -q installed"
left=()
while IFS= read -r f; do
	[ -n "$f" ] || continue
	keep=""
	for p in "${preexisting[@]}"; do [ "$p" = "$f" ] && keep=1 && break; done
	[ -z "$keep" ] && { [ -e "$f" ] || [ -L "$f" ]; } && left+=("$f")
done <<<"$listed"
is "${left[*]}" "" "nothing of the $(wc -l <<<"$listed") paths dpkg -L listed is left (that was not there before)"
check_fails "/usr/sbin/netnsctl is gone" test -e /usr/sbin/netnsctl
check_fails "the generator is gone" test -e "$gendir/netnsctl-generator"
check_fails "netns@.service is gone" test -e "$unitdir/netns@.service"
check_fails "the conffiles are gone" test -e /etc/netnsctl/README
done_testing
