/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sdl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static struct sdl sdl;
static int sdl_state; /* 0 not tried, 1 loaded, -errno failed */

#define SYM(field, name)                                         \
	do {                                                     \
		*(void **)&sdl.field = dlsym(h, name);           \
		if (!sdl.field)                                  \
			return -ENOSYS;                          \
	} while (0)

static int sdl_load(void)
{
	void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return -ENOENT;
	SYM(notify, "sd_notify");
	SYM(bus_open_system, "sd_bus_open_system");
	SYM(bus_new, "sd_bus_new");
	SYM(bus_set_address, "sd_bus_set_address");
	SYM(bus_start, "sd_bus_start");
	SYM(bus_unref, "sd_bus_unref");
	SYM(bus_flush_close_unref, "sd_bus_flush_close_unref");
	SYM(bus_message_new_method_call, "sd_bus_message_new_method_call");
	SYM(bus_call, "sd_bus_call");
	SYM(bus_call_method, "sd_bus_call_method");
	SYM(bus_get_property_string, "sd_bus_get_property_string");
	SYM(bus_message_read, "sd_bus_message_read");
	SYM(bus_message_unref, "sd_bus_message_unref");
	SYM(bus_error_free, "sd_bus_error_free");
	return 1; /* the handle stays open for the life of the process */
}

const struct sdl *sdl_get(void)
{
	if (sdl_state == 0)
		sdl_state = sdl_load();
	if (sdl_state < 0) {
		errno = -sdl_state;
		return NULL;
	}
	return &sdl;
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
