/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define MNLL_NO_REDIRECT
#include "mnll.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct mnll mnll_table;
bool mnll_loaded;
static int mnll_state; /* 0 not tried, 1 loaded, -errno failed */

static int load(void)
{
	void *h = dlopen("libmnl.so.0", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return -ELIBACC;
#define MNLL_SYM(f)                                        \
	*(void **)&mnll_table.f = dlsym(h, #f);            \
	if (!mnll_table.f)                                 \
		return -ENOSYS;
	MNLL_FUNCS(MNLL_SYM)
#undef MNLL_SYM
	return 1; /* the handle stays open for the life of the process */
}

int mnll_load(void)
{
	if (mnll_state == 0)
		mnll_state = load();
	mnll_loaded = mnll_state > 0;
	if (mnll_state < 0) {
		errno = -mnll_state;
		return mnll_state;
	}
	return 0;
}

const struct mnll *mnll_must(void)
{
	if (mnll_load() < 0) {
		/* Reached only by code that builds a message without having
		 * opened a socket first (nl_open reports the failure). */
		const char *why = dlerror();
		fprintf(stderr, "netnsctl: cannot load libmnl.so.0: %s\n", why ? why : "a symbol is missing");
		abort();
	}
	return &mnll_table;
}
