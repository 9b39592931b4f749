/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent TUN devices (Kind=tun): made with TUNSETIFF in the caller's
 * network namespace, owned by a user and group so that an unprivileged
 * OpenVPN or OpenConnect can attach to it later with --dev NAME. */
#pragma once

#include <sys/types.h>

#include "error.h"

#define TUN_DEVICE "/dev/net/tun"

/* Create the persistent TUN device `name` here. uid/gid (uid_t)-1 and
 * (gid_t)-1 leave the owner unset (root only). The device has no packet
 * information header (IFF_NO_PI), which is what openvpn and openconnect
 * ask for. -EEXIST if a device of that name exists. */
int tun_create_persistent(const char *name, uid_t uid, gid_t gid, struct error *e);

/* Resolve User= and Group= (a name or a number) for a TUN owner. -ENOENT
 * (with a message) for an unknown name. */
int tun_resolve_user(const char *s, uid_t *ret, struct error *e);
int tun_resolve_group(const char *s, gid_t *ret, struct error *e);
