/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Libraries loaded with dlopen on first use (docs/ARCHITECTURE.md,
 * "Lazily loaded libraries"). Each wrapper (mnll.c, capl.c, sdl.c, nftl.c,
 * jsonl.c) declares a struct of function pointers, the symbol for each
 * field, and gets the filled struct from dl_get(). */
#pragma once

#include <stddef.h>

struct dl_sym {
	const char *name;
	size_t offset; /* of its function pointer in the table */
};

#define DL_SYM(type, field, name) { name, offsetof(type, field) }

struct dl_lib {
	const char *soname;
	int flags;              /* for dlopen: RTLD_NOW or RTLD_LAZY, RTLD_LOCAL */
	const struct dl_sym *syms;
	size_t n_syms;
	void *table;
	int state;              /* 0 not tried, 1 loaded, -errno failed */
};

/* The table, filled on the first call; NULL with errno set (ENOENT: the
 * library, ENOSYS: one of its symbols is missing) otherwise, on every call.
 * The handle stays open for the life of the process. */
void *dl_get(struct dl_lib *l);
