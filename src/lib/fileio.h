/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "error.h"

/* Replace path with content atomically: write path + suffix, then rename it
 * over path, so a reader sees the old file or the new one, never half of
 * one. Mode 0644 whatever the umask (resolv.conf is read by unprivileged
 * programs, unit files by PID 1). durable: fsync before the rename, for unit
 * files that must survive a crash; `up`'s /etc/netns files skip it, which
 * would cost milliseconds on ext4. The temporary is removed on failure. */
int write_atomic(const char *path, const char *suffix, const char *content, bool durable, struct error *e);

/* Send all of buf on a socket, with MSG_NOSIGNAL: a peer that is gone is
 * -EPIPE, not a SIGPIPE that kills the process. 0 or -errno. */
int send_all(int fd, const void *buf, size_t len);

/* Read exactly len bytes: 0, -EPIPE at end of file before that, or -errno. */
int read_exact(int fd, void *buf, size_t len);
