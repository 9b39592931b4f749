/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static void prepend(struct error *e, const char *fmt, va_list ap)
{
	char ctx[sizeof(e->msg)];
	char old[sizeof(e->msg)];

	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	if (e->msg[0] == '\0') {
		strscpy(e->msg, sizeof(e->msg), ctx);
		return;
	}
	strscpy(old, sizeof(old), e->msg);
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", ctx, old) >= (int)sizeof(e->msg))
		memcpy(e->msg + sizeof(e->msg) - 4, "...", 4); /* show that it was cut */
}

int err_set(struct error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	if (e->code == 0 || code != e->code) {
		if (e->code == 0)
			e->kind = ERR_OP;
		e->code = code;
	}
	va_start(ap, fmt);
	prepend(e, fmt, ap);
	va_end(ap);
	return code;
}

int err_cfg(struct error *e, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -EINVAL;
	e->code = -EINVAL;
	e->kind = ERR_CONFIG;
	e->no_errno_text = true;
	va_start(ap, fmt);
	prepend(e, fmt, ap);
	va_end(ap);
	err_at(e, file, line);
	return -EINVAL;
}

void err_at(struct error *e, const char *file, unsigned line)
{
	if (!e || e->file[0] || !file)
		return;
	strscpy(e->file, sizeof(e->file), file);
	e->line = line;
}

void err_reset(struct error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

const char *err_format(const struct error *e, char *buf, size_t size)
{
	char where[300] = "";
	char errtext[160] = "";
	char kernel[300] = "";
	char hint[200] = "";

	if (e->file[0] && e->line)
		snprintf(where, sizeof(where), "%s:%u: ", e->file, e->line);
	else if (e->file[0])
		snprintf(where, sizeof(where), "%s: ", e->file);
	if (!e->no_errno_text && e->code < 0)
		snprintf(errtext, sizeof(errtext), "%s%s", e->msg[0] ? ": " : "", strerror(-e->code));
	if (e->kernel[0])
		snprintf(kernel, sizeof(kernel), " (kernel: %s)", e->kernel);
	if (e->hint)
		snprintf(hint, sizeof(hint), " (%s)", e->hint);
	if (snprintf(buf, size, "%s%s%s%s%s", where, e->msg, errtext, kernel, hint) >= (int)size && size > 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

int err_exit_status(const struct error *e)
{
	if (e->code == 0)
		return 0;
	return e->kind == ERR_CONFIG ? 2 : 1;
}
