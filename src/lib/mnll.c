/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define MNLL_NO_REDIRECT
#include "mnll.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"
#include "util.h"

struct mnll mnll_table;
bool mnll_loaded;

static const struct dl_sym syms[] = {
#define MNLL_SYM(f) DL_SYM(struct mnll, f, #f),
	MNLL_FUNCS(MNLL_SYM)
#undef MNLL_SYM
};

static struct dl_lib lib = { "libmnl.so.0", RTLD_NOW | RTLD_LOCAL, syms, ELEMENTSOF(syms), &mnll_table, 0 };

int mnll_load(void)
{
	if (!dl_get(&lib))
		return -errno;
	mnll_loaded = true;
	return 0;
}

const struct mnll *mnll_must(void)
{
	int r = mnll_load();

	if (r < 0) {
		/* Reached only by code that builds a message without having
		 * opened a socket first (nl_open reports the failure). */
		fprintf(stderr, "netnsctl: cannot load libmnl.so.0: %s\n", strerror(-r));
		abort();
	}
	return &mnll_table;
}
