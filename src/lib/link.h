/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link operations over rtnetlink: create veth/macvlan in place, move,
 * rename, set attributes, delete. Every function acts through the socket it
 * is given, i.e. in that socket's namespace. */
#pragma once

#include <stdint.h>

#include "netlink.h"

struct link_req {
	const char *name;     /* IFLA_IFNAME (with ns_fd: the name in the target) */
	uint32_t mtu;         /* 0: leave */
	const uint8_t *mac;   /* NULL: leave */
	const char *alias;    /* NULL: leave; "" clears */
	int ns_fd;            /* >= 0: move into this namespace */
	int up;               /* -1 leave, 0 down, 1 up */
	int master;           /* > 0 enslave; 0 leave; LINK_NOMASTER release */
};

#define LINK_REQ_INIT { .ns_fd = -1, .up = -1 }
#define LINK_NOMASTER (-1)

/* Modify an existing link in one RTM_NEWLINK. */
int link_set(struct nl_sock *nl, int ifindex, const struct link_req *req, struct error *e);

/* -ENODEV if there is no such link. */
int link_index(struct nl_sock *nl, const char *name, int *ret_ifindex, struct error *e);

/* Delete by name; an absent link is success. */
int link_delete(struct nl_sock *nl, const char *name, struct error *e);

/* Create a veth pair in ONE request: host end `host_name` here (up,
 * optionally enslaved to master), peer `peer_name` created directly inside
 * peer_ns_fd, so nothing has to be moved afterwards. */
struct veth_req {
	const char *host_name;
	const char *peer_name;
	int peer_ns_fd;
	uint32_t mtu;
	const uint8_t *peer_mac;
	int master;
};
int link_create_veth(struct nl_sock *nl, const struct veth_req *req, struct error *e);

/* Create a macvlan on parent_ifindex (in nl's namespace), directly inside ns_fd. */
int link_create_macvlan(struct nl_sock *nl, int parent_ifindex, const char *name, int ns_fd,
			uint32_t mode, uint32_t mtu, const uint8_t *mac, struct error *e);
