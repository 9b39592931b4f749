/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Mode=proxy forwarder behind `netnsctl forward NAME` (issue 12): TCP
 * from listening sockets in the host namespace to 127.0.0.1:Port inside a
 * namespace that has no link to the host.
 *
 * One thread runs an epoll loop in the host namespace and moves bytes with
 * splice() through pipes taken from a pool while data is in flight, so an
 * idle connection costs two sockets and no pipe. A helper thread enters
 * the target namespace once (setns) and only creates sockets there on
 * request; threads share the fd table, so the loop connects and uses them
 * directly. After the switch both threads drop every capability. Usage:
 *
 *   n = fwd_listen_fds();                     (systemd socket activation)
 *   fwd_new(cfg, n, &f, &e);                  (adopt those, bind the rest)
 *   fwd_enter(f, ns_fd, &e);                  (helper thread; drop caps)
 *   fwd_run(f, stop_fd, &e);                  (until stop_fd is readable)
 *   fwd_free(f);
 *
 * The caller blocks the signals it wants to stop on (signalfd) and ignores
 * SIGPIPE before fwd_enter(), so the helper thread inherits that mask. */
#pragma once

#include <stdint.h>

#include "config.h"

/* A connection whose upstream has not answered by then is reset. */
#define FWD_CONNECT_TIMEOUT_MS 10000u

struct fwd;

/* Sockets passed by systemd, as sd_listen_fds(3) (which we do not link):
 * the count from $LISTEN_FDS when $LISTEN_PID is this process, at fds 3,
 * 4, ...; they are made close-on-exec and the variables are unset.
 * 0 when there are none, -errno when the variables are malformed. */
int fwd_listen_fds(void);

/* A forwarder for the Mode=proxy [Publish] entries of c: one listener per
 * host port. The n_fds sockets from fd 3 on (from fwd_listen_fds) are
 * matched to entries by address and port, and whatever is not passed is
 * bound here (HostAddress=, or [::] dual-stack, else 0.0.0.0). A passed
 * socket that matches no entry is an error (-EADDRNOTAVAIL) and so is a
 * config without proxy entries (-ENOENT). Raises RLIMIT_NOFILE to its hard
 * limit. c must outlive the forwarder. */
int fwd_new(const struct cfg *c, int n_fds, struct fwd **ret, struct error *e);

/* Start the helper thread, which joins the network namespace ns_fd (needs
 * CAP_SYS_ADMIN) and drops its capabilities; then drop those of the
 * calling thread. ns_fd may be closed afterwards. */
int fwd_enter(struct fwd *f, int ns_fd, struct error *e);

/* Forward until stop_fd becomes readable (a signalfd, eventfd or pipe),
 * then reset the connections still open and close every socket and pipe.
 * Returns 0, or -errno for a failure of the loop itself; a failure of one
 * connection only closes that connection. */
int fwd_run(struct fwd *f, int stop_fd, struct error *e);

/* Counters since fwd_new. */
struct fwd_stats {
	uint64_t accepted;      /* connections accepted from clients */
	uint64_t refused;       /* reset at once: MaxConnections= reached */
	uint64_t upstream_fail; /* reset: upstream refused, unreachable or timed out */
	uint64_t idle_closed;   /* closed by IdleTimeoutSec= */
	uint64_t bytes[2];      /* client->upstream, upstream->client */
	uint32_t active;        /* open now */
};
void fwd_get_stats(const struct fwd *f, struct fwd_stats *ret);

/* The listeners, for the log: "127.0.0.1:19091" and the upstream port,
 * whether systemd passed the socket, and the entry it serves. */
struct fwd_listener_info {
	char local[64];
	uint16_t upstream_port;
	bool passed;
	const struct cfg_publish *pub;
};
size_t fwd_n_listeners(const struct fwd *f);
void fwd_listener_info(const struct fwd *f, size_t i, struct fwd_listener_info *ret);

/* Stop the helper thread and close everything. NULL is allowed. */
void fwd_free(struct fwd *f);
static inline void fwd_freep(struct fwd **f) { fwd_free(*f); }
#define _cleanup_fwd_ _cleanup_(fwd_freep)
