/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Named network namespaces in /run/netns, created and removed exactly the
 * way iproute2 does it, so `ip netns` and netnsctl interoperate. Plus the
 * global lock and the state directory. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define NETNS_RUN_DIR "/run/netns"
#define NETNSCTL_RUN_DIR "/run/netnsctl"

/* Create /run/netns/NAME and return an fd for the new namespace in
 * *ret_fd. The caller's namespace is unchanged. -EEXIST if the name is
 * taken. On failure nothing is left behind. */
int ns_create(const char *name, int *ret_fd, struct error *e);

/* Open /run/netns/NAME; -ENOENT if absent, -EINVAL (with message) if the
 * file is not a network namespace. */
int ns_open(const char *name, int *ret_fd, struct error *e);

/* True if /run/netns/NAME is the empty placeholder file ns_create makes
 * before the bind mount: what a crash between the two leaves behind. */
bool ns_is_placeholder(const char *name);

/* Unmount and remove /run/netns/NAME. An absent name is success. */
int ns_delete(const char *name, struct error *e);

/* True if fd refers to a network namespace. */
bool ns_fd_is_netns(int fd);

/* Identity (st_dev, st_ino) of a namespace fd or of the caller's. */
int ns_fd_id(int fd, uint64_t *ret_dev, uint64_t *ret_ino);
int ns_self_id(uint64_t *ret_dev, uint64_t *ret_ino);

/* Switch the calling thread into ns_fd; *ret_saved gets an fd of the
 * previous namespace for ns_leave(). */
int ns_enter(int ns_fd, int *ret_saved, struct error *e);
/* Return to the saved namespace and close it. Aborts if that is impossible,
 * since continuing in the wrong namespace is never safe. */
void ns_leave(int *saved);

/* Sorted names in /run/netns (entries that are not valid names skipped).
 * Free with strv_free. */
int ns_list(char ***ret, size_t *ret_n, struct error *e);
void strv_free(char **v, size_t n);

/* Global lock serialising netnsctl invocations that change state. Waits up
 * to $NETNSCTL_LOCK_TIMEOUT seconds (default 60), then -EBUSY. */
int lock_take(int *ret_fd, struct error *e);

/* The state directory: $NETNSCTL_STATE_DIR or /run/netnsctl. */
const char *state_dir(void);

/* Write VALUE to /proc/sys/KEY (dots as separators) in the caller's
 * current namespace; the old value is stored in old (may be NULL). */
int sysctl_write(const char *key, const char *value, char *old, size_t old_size, struct error *e);
int sysctl_read(const char *key, char *buf, size_t size, struct error *e);
