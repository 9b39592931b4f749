/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sdl.h"

#include <dlfcn.h>

#include "dl.h"
#include "util.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static struct sdl sdl;

static const struct dl_sym syms[] = {
	DL_SYM(struct sdl, notify, "sd_notify"),
	DL_SYM(struct sdl, bus_open_system, "sd_bus_open_system"),
	DL_SYM(struct sdl, bus_new, "sd_bus_new"),
	DL_SYM(struct sdl, bus_set_address, "sd_bus_set_address"),
	DL_SYM(struct sdl, bus_start, "sd_bus_start"),
	DL_SYM(struct sdl, bus_unref, "sd_bus_unref"),
	DL_SYM(struct sdl, bus_flush_close_unref, "sd_bus_flush_close_unref"),
	DL_SYM(struct sdl, bus_message_new_method_call, "sd_bus_message_new_method_call"),
	DL_SYM(struct sdl, bus_call, "sd_bus_call"),
	DL_SYM(struct sdl, bus_call_method, "sd_bus_call_method"),
	DL_SYM(struct sdl, bus_get_property_string, "sd_bus_get_property_string"),
	DL_SYM(struct sdl, bus_message_read, "sd_bus_message_read"),
	DL_SYM(struct sdl, bus_message_unref, "sd_bus_message_unref"),
	DL_SYM(struct sdl, bus_error_free, "sd_bus_error_free"),
};

static struct dl_lib lib = { "libsystemd.so.0", RTLD_NOW | RTLD_LOCAL, syms, ELEMENTSOF(syms), &sdl, 0 };

const struct sdl *sdl_get(void)
{
	return dl_get(&lib);
}

void sdl_notifyf(const char *fmt, ...)
{
	const struct sdl *s;
	char buf[512];
	va_list ap;

	if (!getenv("NOTIFY_SOCKET") || !(s = sdl_get()))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->notify(0, buf);
}
