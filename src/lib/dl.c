/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

static int dl_load(struct dl_lib *l)
{
	void *h = dlopen(l->soname, l->flags);

	if (!h)
		return -ENOENT;
	for (size_t i = 0; i < l->n_syms; i++) {
		/* POSIX: a function pointer has the representation of the
		 * void * that dlsym returns for it. */
		void *p = dlsym(h, l->syms[i].name);
		if (!p)
			return -ENOSYS;
		memcpy((char *)l->table + l->syms[i].offset, &p, sizeof(p));
	}
	return 1;
}

void *dl_get(struct dl_lib *l)
{
	if (l->state == 0)
		l->state = dl_load(l);
	if (l->state < 0) {
		errno = -l->state;
		return NULL;
	}
	return l->table;
}
