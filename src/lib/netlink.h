/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Netlink core on top of libmnl. The caller owns the request buffer; the
 * socket owns one receive buffer. All requests go through nl_transact()
 * (ACK requested, extended ACK enabled, seq/portid checked, kernel message
 * captured) or nl_dump() (restarted when the kernel reports NLM_F_DUMP_INTR). */
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "error.h"
#include "mnll.h"

struct nl_sock {
	struct mnl_socket *mnl;
	unsigned portid;
	unsigned seq;
	char *rxbuf;
};

#define NL_BUFSZ (MNL_SOCKET_BUFFER_SIZE < 8192 ? 8192 : MNL_SOCKET_BUFFER_SIZE)

/* Open a NETLINK_ROUTE (or other protocol) socket in the caller's current
 * network namespace. */
int nl_open(struct nl_sock *s, int protocol, struct error *e);

/* Open a socket inside the namespace referred to by ns_fd; the caller's
 * namespace is unchanged on return. */
int nl_open_in(struct nl_sock *s, int protocol, int ns_fd, struct error *e);

void nl_close(struct nl_sock *s);

/* Start a request in buf: header with type and flags (NLM_F_REQUEST is
 * added), followed by a zeroed family header of hdrlen bytes. Callers
 * zero the whole buffer: libmnl 1.0.4 does not zero attribute padding, and
 * uninitialised bytes would go to the kernel. */
struct nlmsghdr *nl_msg_start(void *buf, uint16_t type, uint16_t flags, size_t hdrlen);

/* Send req, wait for the ACK. Returns 0 or -errno; on error the kernel's
 * extended-ack message (if any) is copied into e->kernel. Counts as one
 * kernel operation for fault injection. */
int nl_transact(struct nl_sock *s, struct nlmsghdr *req, struct error *e);

/* Like nl_transact, but without fault injection accounting and with a
 * callback for replies carrying data (e.g. RTM_NEWLINK with NLM_F_ECHO). */
int nl_request(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data, struct error *e);

/* Send a dump request and call cb for every message. If the kernel marks
 * the dump as interrupted, reset(data) is called and the dump restarts
 * (a few times at most). reset may be NULL if cb is idempotent. */
int nl_dump(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void (*reset)(void *data),
	    void *data, struct error *e);
