#!/bin/sh
# Install the Debian packages netnsctl needs to build and test, if any are
# missing. Safe to run repeatedly; does nothing when all are present.
set -eu
PKGS="build-essential pkg-config libmnl-dev libsystemd-dev libnftables-dev libcap-ng-dev \
libjansson-dev iproute2 iputils-ping nftables iptables socat python3 jq util-linux procps
curl nginx clang libclang-rt-14-dev scdoc bash-completion \
podman runc busybox containernetworking-plugins wireguard-go wireguard-tools \
debhelper devscripts lintian dpkg-dev man-db iperf3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages such as nginx (used by the systemd tests inside a throwaway box)
# must not start their daemons on this machine: policy-rc.d says no for
# the duration of the install.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && created_policy=1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -n "$created_policy" ] && rm -f "$policy"
exit "${rc:-0}"
