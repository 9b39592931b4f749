/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validators for names that end up in paths, the kernel or unit files. */
#pragma once

#include <stdbool.h>

#define NS_NAME_MAX 64
#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

/* [A-Za-z0-9_.-]{1,64}, not "." or "..". */
bool ns_name_valid(const char *name);

/* 1..15 bytes, no '/', ':', whitespace or control characters, not "." or "..". */
bool ifname_valid(const char *name);

/* A systemd unit name such as nginx.service or getty@tty1.service. */
bool unit_name_valid(const char *name);

/* net.ipv4.ip_forward style: starts with "net.", [A-Za-z0-9_.-] segments
 * (a '/' is accepted in place of '.'), no empty segment or "..". */
bool sysctl_key_valid(const char *key);

/* A DNS search domain: labels of [A-Za-z0-9-_], dots between, at most 253. */
bool domain_valid(const char *name);

/* Why a (valid) unit name cannot join a namespace, or NULL if it can: only
 * .service and .socket units run processes there, and netns@ units make
 * namespaces rather than join them. */
const char *join_unit_problem(const char *unit);
