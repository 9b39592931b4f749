/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "capl.h"

#include <dlfcn.h>

#include "dl.h"
#include "util.h"

static struct capl capl;

static const struct dl_sym syms[] = {
	DL_SYM(struct capl, name_to_capability, "capng_name_to_capability"),
	DL_SYM(struct capl, update, "capng_update"),
	DL_SYM(struct capl, get_caps_process, "capng_get_caps_process"),
	DL_SYM(struct capl, clear, "capng_clear"),
	DL_SYM(struct capl, apply, "capng_apply"),
};

static struct dl_lib lib = { "libcap-ng.so.0", RTLD_NOW | RTLD_LOCAL, syms, ELEMENTSOF(syms), &capl, 0 };

const struct capl *capl_get(void)
{
	return dl_get(&lib);
}
