/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libjansson, loaded on first use (as nftl.h does for libnftables). Only the
 * CNI plugin mode parses JSON; linked normally, the library would cost every
 * netnsctl process, `exec` included, its share of start-up time.
 *
 * Only jansson's header is used: its inline helpers (json_decref,
 * json_incref, json_object_set, ...) call symbols that are not linked, so
 * callers go through this table and jl_decref() instead. The json_is_*
 * and json_typeof macros only read the struct and are fine to use. */
#pragma once

#include <jansson.h>

struct jsonl {
	json_t *(*loadb)(const char *buf, size_t len, size_t flags, json_error_t *err);
	char *(*dumps)(const json_t *j, size_t flags);
	void (*delete_)(json_t *j);
	json_t *(*object)(void);
	json_t *(*array)(void);
	json_t *(*string)(const char *s);
	json_t *(*integer)(json_int_t v);
	json_t *(*true_)(void);
	json_t *(*false_)(void);
	json_t *(*deep_copy)(const json_t *j);
	json_t *(*object_get)(const json_t *o, const char *key);
	int (*object_set_new)(json_t *o, const char *key, json_t *v);
	int (*object_del)(json_t *o, const char *key);
	size_t (*object_size)(const json_t *o);
	void *(*object_iter)(json_t *o);
	void *(*object_iter_next)(json_t *o, void *it);
	const char *(*object_iter_key)(void *it);
	json_t *(*object_iter_value)(void *it);
	size_t (*array_size)(const json_t *a);
	json_t *(*array_get)(const json_t *a, size_t i);
	int (*array_append_new)(json_t *a, json_t *v);
	const char *(*string_value)(const json_t *s);
	json_int_t (*integer_value)(const json_t *i);
};

/* The loaded library, or NULL (errno set) if libjansson.so.4 is missing. */
const struct jsonl *jsonl_get(void);

/* json_decref through the table; NULL is fine. */
void jl_decref(json_t *j);
static inline void jl_decrefp(json_t **j) { jl_decref(*j); }
#define _cleanup_json_ __attribute__((cleanup(jl_decrefp)))
