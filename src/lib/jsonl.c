/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "jsonl.h"

#include <dlfcn.h>
#include <errno.h>

static struct jsonl jl;
static int jl_state; /* 0 not tried, 1 loaded, -errno failed */

#define SYM(field, name)                              \
	do {                                          \
		*(void **)&jl.field = dlsym(h, name); \
		if (!jl.field)                        \
			return -ENOSYS;               \
	} while (0)

static int jl_load(void)
{
	void *h = dlopen("libjansson.so.4", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return -ENOENT;
	SYM(loadb, "json_loadb");
	SYM(dumps, "json_dumps");
	SYM(delete_, "json_delete");
	SYM(object, "json_object");
	SYM(array, "json_array");
	SYM(string, "json_string");
	SYM(integer, "json_integer");
	SYM(true_, "json_true");
	SYM(false_, "json_false");
	SYM(deep_copy, "json_deep_copy");
	SYM(object_get, "json_object_get");
	SYM(object_set_new, "json_object_set_new");
	SYM(object_del, "json_object_del");
	SYM(object_size, "json_object_size");
	SYM(object_iter, "json_object_iter");
	SYM(object_iter_next, "json_object_iter_next");
	SYM(object_iter_key, "json_object_iter_key");
	SYM(object_iter_value, "json_object_iter_value");
	SYM(array_size, "json_array_size");
	SYM(array_get, "json_array_get");
	SYM(array_append_new, "json_array_append_new");
	SYM(string_value, "json_string_value");
	SYM(integer_value, "json_integer_value");
	return 1; /* kept open for the life of the process */
}

const struct jsonl *jsonl_get(void)
{
	if (jl_state == 0)
		jl_state = jl_load();
	if (jl_state < 0) {
		errno = -jl_state;
		return NULL;
	}
	return &jl;
}

/* The same as jansson's inline json_decref: the singletons true, false and
 * null carry refcount -1 and are never freed. */
void jl_decref(json_t *j)
{
	if (j && j->refcount != (size_t)-1 && --j->refcount == 0)
		jl.delete_(j);
}
