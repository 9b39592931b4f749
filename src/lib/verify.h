/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `netnsctl verify`: a self-test of a running VPN namespace, from inside.
 *
 *   tunnel          every Tunnel=yes link exists and is up
 *   default-ipv4/6  default routes go only through tunnel links
 *   bypass-ipv4/6   no route any policy rule can reach leaves through a
 *                   non-tunnel link (a link's own connected subnet and IPv6
 *                   link-local routes excepted: they stop at the link)
 *   dns             every nameserver (configured, and in the resolv.conf the
 *                   namespace sees) is routed through a tunnel link
 *   kill-switch     with KillSwitch=yes, a firewall inside drops egress
 *   fail-closed     (--disruptive) with the tunnel links down, a datagram
 *                   to each configured peer endpoint cannot leave
 *
 * Everything but fail-closed only reads kernel state (route lookups send
 * nothing). fail-closed sends one UDP datagram to each configured WireGuard
 * peer endpoint and to nothing else, takes the tunnel links down for that,
 * and brings them back with their addresses and routes. */
#pragma once

#include <stdio.h>

#include "config.h"

enum verify_result {
	VERIFY_PASS,
	VERIFY_FAIL,
	VERIFY_SKIP, /* does not apply, or needs --disruptive */
};

struct verify_check {
	const char *id; /* static: "tunnel", "default-ipv4", ... */
	enum verify_result result;
	char detail[768];
};

struct verify_report {
	struct verify_check *v;
	size_t n;
	unsigned failed;
	char restore_error[512]; /* non-empty if --disruptive could not put the tunnel back */
};

/* Run every check against the namespace of c, which must be up. Returns
 * -errno only when the checks cannot run at all (namespace absent, netlink
 * unusable); a failed check is a result in the report, not an error. With
 * disruptive, the caller holds the global lock. */
int verify_run(const struct cfg *c, bool disruptive, struct verify_report *ret, struct error *e);
void verify_report_free(struct verify_report *r);

const char *verify_result_to_string(enum verify_result r);

void verify_json(FILE *f, const char *name, bool disruptive, const struct verify_report *r, bool pretty);
