/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcap-ng, loaded on first use: only `exec --caps` needs it. Linked, its
 * mapping and its constructor (which reads /proc/sys/kernel/cap_last_cap
 * and probes four prctls) would cost every netnsctl process, `exec` of
 * issue 5 included, about 0.07 ms. */
#pragma once

#include <cap-ng.h>

struct capl {
	int (*name_to_capability)(const char *name);
	int (*update)(capng_act_t action, capng_type_t type, unsigned int capability);
	int (*get_caps_process)(void);
	void (*clear)(capng_select_t set);
	int (*apply)(capng_select_t set);
};

/* The table, or NULL with errno set if libcap-ng.so.0 cannot be loaded. */
const struct capl *capl_get(void);
