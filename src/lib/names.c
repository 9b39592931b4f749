/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "names.h"

#include <ctype.h>
#include <string.h>

static bool is_dot_or_dotdot(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

bool ns_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NS_NAME_MAX || is_dot_or_dotdot(name))
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

bool ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > IFNAME_MAX || is_dot_or_dotdot(name))
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

/* Unit types a namespace can be joined by (or that group such units); as in
 * systemd, the suffix decides the type, so "foo.bar" is not a unit name. */
static bool unit_suffix_valid(const char *suffix)
{
	static const char *const types[] = {
		"service", "socket", "target", "device", "mount", "automount",
		"swap",    "timer",  "path",   "slice",  "scope",
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(suffix, types[i]) == 0)
			return true;
	return false;
}

bool unit_name_valid(const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');
	const char *at = strchr(name, '@');

	if (n == 0 || n > 255 || !dot || dot == name || !unit_suffix_valid(dot + 1))
		return false;
	/* A template needs a prefix and an instance: "getty@.service" is not
	 * a unit that can run. */
	if (at && (at == name || at + 1 >= dot || strchr(at + 1, '@')))
		return false;
	for (const char *p = name; p < dot; p++)
		if (!isalnum((unsigned char)*p) && !strchr(":-_.\\@", *p))
			return false;
	return true;
}

bool sysctl_key_valid(const char *key)
{
	size_t seg = 0;

	if (strncmp(key, "net.", 4) != 0 && strncmp(key, "net/", 4) != 0)
		return false;
	if (strlen(key) > 200)
		return false;
	for (const char *p = key; *p; p++) {
		if (*p == '.' || *p == '/') {
			if (seg == 0)
				return false;
			seg = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
		seg++;
	}
	return seg > 0;
}

bool domain_valid(const char *name)
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > 253)
		return false;
	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

const char *join_unit_problem(const char *unit)
{
	const char *dot = strrchr(unit, '.');

	if (!dot || (strcmp(dot, ".service") != 0 && strcmp(dot, ".socket") != 0))
		return "only .service and .socket units run processes that can join a namespace";
	if (strncmp(unit, "netns@", 6) == 0)
		return "netns@ units create namespaces; they cannot join one";
	return NULL;
}
