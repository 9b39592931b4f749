#!/bin/sh
# Install the Debian packages netnsctl needs to build and test, if any are
# missing. Safe to run repeatedly; does nothing when all are present.
set -eu
PKGS="build-essential pkg-config libmnl-dev libsystemd-dev libnftables-dev libcap-ng-dev \
libjansson-dev iproute2 iputils-ping nftables iptables socat python3 jq util-linux procps
curl"
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
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
