/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the whole engine: cleanup attributes, string
 * copies that never overflow, and a growable array macro. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define STREQ(a, b) (strcmp((a), (b)) == 0)

/* Copy at most size-1 bytes and always terminate. Returns false if the
 * source did not fit. */
static inline bool strscpy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

/* Grow *array (of *n elements of elem_size) by one zeroed slot and return a
 * pointer to it, or NULL on allocation failure. */
void *array_append(void *array_ptr, size_t *n, size_t elem_size);

/* Length (1-4) of the well-formed UTF-8 character at s, which has len bytes
 * left; 0 if it is not one (stray or truncated continuation bytes, overlong
 * forms, UTF-16 surrogates, values past U+10FFFF). */
size_t utf8_char_len(const char *s, size_t len);

/* Levenshtein distance, for "did you mean" hints. */
unsigned str_distance(const char *a, const char *b);

/* FNV-1a hash, for derived names that must stay stable across runs. */
uint32_t str_hash(const char *s);
