/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live state of one namespace, read with rtnetlink dumps: links,
 * addresses and routes. Used by reconcile (what to change) and by status
 * (what to show); nothing here comes from the config. */
#pragma once

#include "config.h"
#include "netlink.h"

struct live_link {
	int ifindex;
	char name[IFNAME_MAX + 1];
	char kind[24];     /* IFLA_INFO_KIND; "" for physical devices */
	unsigned flags;    /* IFF_* */
	uint8_t operstate; /* IF_OPER_* */
	uint32_t mtu;
	uint8_t mac[6];
	bool has_mac;
	char alias[256];
	int master;        /* ifindex of master, 0 if none */
	int peer_ifindex;  /* IFLA_LINK: veth peer or macvlan parent, 0 if none */
	int32_t peer_netnsid; /* IFLA_LINK_NETNSID, -1 if none */
};

struct live_addr {
	int ifindex;
	struct cfg_addr a;
	uint8_t scope;
	uint32_t flags;
};

struct live_route {
	struct cfg_addr dst;
	struct cfg_addr gw;
	int oif;
	uint32_t metric;
	uint32_t table;
	uint8_t protocol, scope, type;
};

struct live {
	struct live_link *links;
	size_t n_links;
	struct live_addr *addrs;
	size_t n_addrs;
	struct live_route *routes; /* main table, unicast only */
	size_t n_routes;
};

enum {
	LIVE_LINKS = 1,
	LIVE_ADDRS = 2,
	LIVE_ROUTES = 4,
	LIVE_ALL = 7,
};

int live_read(struct nl_sock *nl, unsigned what, struct live *l, struct error *e);
void live_free(struct live *l);

const struct live_link *live_link_by_name(const struct live *l, const char *name);
const struct live_link *live_link_by_index(const struct live *l, int ifindex);

/* Message parsers, exposed for the fuzzer. Return MNL_CB_OK or MNL_CB_ERROR. */
int live_parse_link(const struct nlmsghdr *nlh, struct live_link *ret);
int live_parse_addr(const struct nlmsghdr *nlh, struct live_addr *ret);
int live_parse_route(const struct nlmsghdr *nlh, struct live_route *ret);

/* Look up one link by name with RTM_GETLINK; -ENODEV if absent. */
int live_get_link(struct nl_sock *nl, const char *name, struct live_link *ret, struct error *e);

/* True in *ret if any default route (IPv4 or IPv6, in any routing table,
 * through any leg of a multipath route) leaves through ifindex. */
int live_default_route_uses(struct nl_sock *nl, int ifindex, bool *ret, struct error *e);
