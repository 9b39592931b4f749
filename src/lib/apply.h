/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bringing a namespace up and down. `up` validates against the live host,
 * then executes steps that each push their undo; the first failure unwinds
 * the stack in reverse, so the host is left as it was. The caller holds the
 * global lock (lock_take) around these calls. */
#pragma once

#include "config.h"

struct apply_result {
	bool created;     /* the namespace did not exist before */
	unsigned changes; /* kernel changes made; 0 = it already matched */
};

int apply_up(const struct cfg *c, struct apply_result *ret, struct error *e);

/* Remove what the state record says we created: physical devices go back
 * (under their original names, down), host links are deleted, written
 * files are removed, the namespace is deleted. An absent namespace is
 * success. An unmanaged namespace is refused unless force is set. */
int apply_down(const char *name, bool force, struct error *e);

/* Alias prefix marking devices netnsctl moved or created:
 * "netnsctl:NS:ORIGNAME" on a moved physical device, "netnsctl:NS" on a
 * veth host end. */
#define ALIAS_PREFIX "netnsctl:"
