/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error record. Every fallible library function takes a trailing
 * `struct error *` and returns -errno; context is prepended on the way up
 * and the CLI prints the record once. */
#pragma once

#include "util.h"

enum err_kind {
	ERR_OP = 1,     /* an operation failed: exit 1 */
	ERR_CONFIG = 2, /* usage or config error: exit 2 */
};

struct error {
	int code;             /* negative errno; 0 when no error is recorded */
	enum err_kind kind;
	bool no_errno_text;   /* msg already says everything; do not append strerror */
	char msg[1024];       /* context chain, outermost first */
	char file[256];       /* config file the error points at, if any */
	unsigned line;
	char kernel[256];     /* extended-ack text from the kernel, if any */
	const char *hint;     /* static text such as "see netnsctl.conf(5), section [Link]" */
};

/* Record code (negative errno) and prepend the formatted context to any
 * message already present. Returns code so callers can `return err_set(...)`.
 * A NULL record is allowed and ignored. */
int err_set(struct error *e, int code, const char *fmt, ...) _printf_(3, 4);

/* Like err_set, but marks a configuration error (exit status 2) at file:line,
 * whose message is complete without strerror text. */
int err_cfg(struct error *e, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);

/* Attach a file:line to an error that does not have one yet. */
void err_at(struct error *e, const char *file, unsigned line);

void err_reset(struct error *e);

/* Render as "FILE:LINE: MSG: strerror (kernel: K) (HINT)" into buf. */
const char *err_format(const struct error *e, char *buf, size_t size);

/* Exit status the CLI should use for this record: 0, 1 or 2. */
int err_exit_status(const struct error *e);
