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

bool unit_name_valid(const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');

	if (n == 0 || n > 255 || !dot || dot == name || dot[1] == '\0')
		return false;
	for (const char *p = name; *p; p++)
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
