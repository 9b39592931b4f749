/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "capl.h"

#include <dlfcn.h>
#include <errno.h>

static struct capl capl;
static int capl_state; /* 0 not tried, 1 loaded, -errno failed */

#define SYM(field, name)                                       \
	do {                                                   \
		*(void **)&capl.field = dlsym(h, name);        \
		if (!capl.field)                               \
			return -ENOSYS;                        \
	} while (0)

static int capl_load(void)
{
	void *h = dlopen("libcap-ng.so.0", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return -ELIBACC;
	SYM(name_to_capability, "capng_name_to_capability");
	SYM(update, "capng_update");
	SYM(get_caps_process, "capng_get_caps_process");
	SYM(clear, "capng_clear");
	SYM(apply, "capng_apply");
	return 1; /* the handle stays open for the life of the process */
}

const struct capl *capl_get(void)
{
	if (capl_state == 0)
		capl_state = capl_load();
	if (capl_state < 0) {
		errno = -capl_state;
		return NULL;
	}
	return &capl;
}
