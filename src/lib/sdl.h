/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsystemd, loaded on first use. Linking it would make every netnsctl
 * process load it and its dependencies (libgcrypt, lzma, zstd, lz4, ...),
 * about 0.9 ms per start here, which `exec` and `up` cannot afford; only
 * `up` under systemd (sd_notify) and `join --reload`/`status` (sd-bus)
 * need it, and they pay for it then. */
#pragma once

#include <systemd/sd-bus.h>

struct sdl {
	int (*notify)(int unset_environment, const char *state);
	int (*bus_open_system)(sd_bus **ret);
	int (*bus_new)(sd_bus **ret);
	int (*bus_set_address)(sd_bus *bus, const char *address);
	int (*bus_start)(sd_bus *bus);
	sd_bus *(*bus_unref)(sd_bus *bus);
	sd_bus *(*bus_flush_close_unref)(sd_bus *bus);
	int (*bus_message_new_method_call)(sd_bus *bus, sd_bus_message **m, const char *destination,
					   const char *path, const char *interface, const char *member);
	int (*bus_call)(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,
			sd_bus_message **reply);
	int (*bus_call_method)(sd_bus *bus, const char *destination, const char *path,
			       const char *interface, const char *member, sd_bus_error *ret_error,
			       sd_bus_message **reply, const char *types, ...);
	int (*bus_get_property_string)(sd_bus *bus, const char *destination, const char *path,
				       const char *interface, const char *member, sd_bus_error *ret_error,
				       char **ret);
	int (*bus_message_read)(sd_bus_message *m, const char *types, ...);
	sd_bus_message *(*bus_message_unref)(sd_bus_message *m);
	void (*bus_error_free)(sd_bus_error *e);
};

/* The loaded library, or NULL (with errno) if libsystemd.so.0 is missing. */
const struct sdl *sdl_get(void);

/* sd_notify(3) with a formatted state; a no-op without $NOTIFY_SOCKET. */
void sdl_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
