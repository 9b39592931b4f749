/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses and routes over rtnetlink. */
#pragma once

#include "config.h"
#include "netlink.h"

/* IPv6 addresses are added with IFA_F_NODAD: inside a namespace the only
 * other holder could be our own host end, and DAD would leave the address
 * unusable for about a second. */
int addr_add(struct nl_sock *nl, int ifindex, const struct cfg_addr *a, struct error *e);
/* An absent address is success. */
int addr_del(struct nl_sock *nl, int ifindex, const struct cfg_addr *a, struct error *e);

/* Routes that netnsctl adds carry this protocol, so that reconcile only
 * ever removes its own. */
#define ROUTE_PROTO_NETNSCTL 4 /* RTPROT_STATIC */

struct route_spec {
	struct cfg_addr dst; /* prefixlen 0 = default */
	struct cfg_addr gw;  /* family 0: none */
	int oif;             /* 0: none */
	uint32_t metric;
	uint8_t protocol;
};

int route_add(struct nl_sock *nl, const struct route_spec *rt, struct error *e);
/* An absent route is success. */
int route_del(struct nl_sock *nl, const struct route_spec *rt, struct error *e);
