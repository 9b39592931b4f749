/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny TAP producer for the unit tests: ok/not ok lines and a plan at
 * the end, so tests/run.sh can count them. On failure each macro prints
 * what it got and what it expected as "#" diagnostics. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* Every TAP_* macro returns (as a statement expression) whether it passed,
 * so a test can skip dependent checks after a failure. */
#define TAP_OK(cond, ...)                                                             \
	({                                                                            \
		bool _ok = (cond);                                                    \
		tap_n++;                                                              \
		if (_ok) {                                                            \
			printf("ok %d - ", tap_n);                                    \
		} else {                                                              \
			tap_failed++;                                                 \
			printf("not ok %d - ", tap_n);                                \
		}                                                                     \
		printf(__VA_ARGS__);                                                  \
		printf("\n");                                                         \
		if (!_ok)                                                             \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		_ok;                                                                  \
	})

#define TAP_STREQ(a, b, ...)                                                       \
	({                                                                         \
		const char *_a = (a), *_b = (b);                                   \
		bool _eq = _a && _b && strcmp(_a, _b) == 0;                        \
		TAP_OK(_eq, __VA_ARGS__);                                          \
		if (!_eq)                                                          \
			printf("#   got:      '%s'\n#   expected: '%s'\n", _a ? _a : "(null)", _b ? _b : "(null)"); \
		_eq;                                                               \
	})

/* haystack contains needle. */
#define TAP_LIKE(hay, needle, ...)                                                 \
	({                                                                         \
		const char *_h = (hay), *_s = (needle);                            \
		bool _in = _h && _s && strstr(_h, _s) != NULL;                     \
		TAP_OK(_in, __VA_ARGS__);                                          \
		if (!_in)                                                          \
			printf("#   got:      '%s'\n#   expected to contain: '%s'\n", _h ? _h : "(null)", \
			       _s ? _s : "(null)");                                \
		_in;                                                               \
	})

#define TAP_INT_EQ(a, b, ...)                                                      \
	({                                                                         \
		long long _x = (long long)(a), _y = (long long)(b);                \
		TAP_OK(_x == _y, __VA_ARGS__);                                     \
		if (_x != _y)                                                      \
			printf("#   got:      %lld\n#   expected: %lld\n", _x, _y);  \
		_x == _y;                                                          \
	})

#define TAP_DIAG(...)                  \
	do {                           \
		printf("# ");          \
		printf(__VA_ARGS__);   \
		printf("\n");          \
	} while (0)

/* s with non-printable bytes as \xNN, for test names (a raw newline would
 * break the TAP line). Rotates through a few static buffers so several can
 * be used in one printf. */
static inline const char *tap_quote(const char *s)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	size_t o = 0;

	for (; s && *s && o + 5 < sizeof(bufs[0]); s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	b[o] = '\0';
	return b;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
