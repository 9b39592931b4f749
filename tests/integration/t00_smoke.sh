#!/usr/bin/env bash
# Smoke: a namespace with nothing but loopback comes up and goes down.
source "$(dirname "$0")/lib.sh"
setup_world
conf bare <<'CONF'
[Namespace]
Description=only loopback
CONF
check "up of a bare namespace succeeds" nctl up "${P}bare"
check "it exists in /run/netns" test -e "/run/netns/${P}bare"
like "$(inns bare ip -o link show lo)" "UP" "loopback is up inside"
check "down succeeds" nctl down "${P}bare"
check "it is gone" test ! -e "/run/netns/${P}bare"
done_testing
