/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "jsonl.h"

#include <dlfcn.h>

#include "dl.h"
#include "util.h"

static struct jsonl jl;

static const struct dl_sym syms[] = {
	DL_SYM(struct jsonl, loadb, "json_loadb"),
	DL_SYM(struct jsonl, dumps, "json_dumps"),
	DL_SYM(struct jsonl, delete_, "json_delete"),
	DL_SYM(struct jsonl, object, "json_object"),
	DL_SYM(struct jsonl, array, "json_array"),
	DL_SYM(struct jsonl, string, "json_string"),
	DL_SYM(struct jsonl, integer, "json_integer"),
	DL_SYM(struct jsonl, true_, "json_true"),
	DL_SYM(struct jsonl, false_, "json_false"),
	DL_SYM(struct jsonl, deep_copy, "json_deep_copy"),
	DL_SYM(struct jsonl, object_get, "json_object_get"),
	DL_SYM(struct jsonl, object_set_new, "json_object_set_new"),
	DL_SYM(struct jsonl, object_del, "json_object_del"),
	DL_SYM(struct jsonl, object_size, "json_object_size"),
	DL_SYM(struct jsonl, object_iter, "json_object_iter"),
	DL_SYM(struct jsonl, object_iter_next, "json_object_iter_next"),
	DL_SYM(struct jsonl, object_iter_key, "json_object_iter_key"),
	DL_SYM(struct jsonl, object_iter_value, "json_object_iter_value"),
	DL_SYM(struct jsonl, array_size, "json_array_size"),
	DL_SYM(struct jsonl, array_get, "json_array_get"),
	DL_SYM(struct jsonl, array_append_new, "json_array_append_new"),
	DL_SYM(struct jsonl, string_value, "json_string_value"),
	DL_SYM(struct jsonl, integer_value, "json_integer_value"),
};

static struct dl_lib lib = { "libjansson.so.4", RTLD_NOW | RTLD_LOCAL, syms, ELEMENTSOF(syms), &jl, 0 };

const struct jsonl *jsonl_get(void)
{
	return dl_get(&lib);
}

/* The same as jansson's inline json_decref: the singletons true, false and
 * null carry refcount -1 and are never freed. */
void jl_decref(json_t *j)
{
	if (j && j->refcount != (size_t)-1 && --j->refcount == 0)
		jl.delete_(j);
}
