/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-namespace files under /etc/netns/NAME/, the place `ip netns exec`
 * (and `netnsctl exec`, and the generator's BindReadOnlyPaths=) bind-mount
 * over /etc. This module only renders their contents; apply_files.c writes
 * them and records them in the state so `down` removes them. */
#pragma once

#include <limits.h>
#include <sys/types.h>

#include "config.h"

#define ETC_NETNS_DIR "/etc/netns"

struct ns_file {
	char path[PATH_MAX];
	char *content;
	struct cfg_loc loc; /* config line that asked for it */
};

/* resolv.conf from [DNS]; nsswitch.conf ("hosts: files dns") when
 * DNSLeakGuard=yes. An empty list when the config has no [DNS]. The base
 * directory is $NETNSCTL_ETC_NETNS_DIR or /etc/netns. */
int dns_render(const struct cfg *c, struct ns_file **ret, size_t *ret_n, struct error *e);
void ns_files_free(struct ns_file *v, size_t n);
const char *etc_netns_dir(void);
