/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state record, /run/netnsctl/NAME.state: everything netnsctl created
 * outside the namespace itself, written *before* each step is carried out,
 * so that `down` (or the next `up`) can undo exactly that even after a
 * crash. Objects inside the namespace need no record: they die with it. */
#pragma once

#include <stdint.h>

#include "error.h"

#define STATE_FIELDS 5
#define STATE_FIELD_MAX 256

enum state_kind {
	ST_NETNS,    /* f0 = namespace name */
	ST_HOSTLINK, /* f0 = host-side ifname (veth end): deleted on down */
	ST_PHYSICAL, /* f0 = original name, f1 = name inside, f2 = original mtu, f3 = original MAC,
		     * f4 = original alias */
	ST_FILE,     /* f0 = path we wrote: removed on down */
	ST_SYSCTL,   /* f0 = host sysctl key, f1 = value before we changed it: restored on down */
	ST_NFT,      /* f0 = family, f1 = table in the host namespace, or "netnsctl/NAME" for
		      * this namespace's part of the shared table: deleted on down */
	ST_PROCESS,  /* f0 = pid, f1 = /proc/PID/comm, f2 = start time: a helper process we
		      * started (e.g. wireguard-go); terminated on down */
	_ST_KIND_MAX,
};

struct state_rec {
	enum state_kind kind;
	char f[STATE_FIELDS][STATE_FIELD_MAX];
};

struct state {
	char name[72];
	bool complete;            /* the last `up` finished */
	uint64_t origin_dev, origin_ino; /* namespace `up` ran from: where devices go back */
	struct state_rec *v;
	size_t n;
};

/* -ENOENT if there is no record for name. */
int state_load(const char *name, struct state **ret, struct error *e);
/* Write atomically (temporary file + rename). */
int state_save(const struct state *s, struct error *e);
int state_remove(const char *name, struct error *e);
bool state_exists(const char *name);

struct state *state_new(const char *name);
void state_free(struct state *s);
static inline void state_freep(struct state **s) { state_free(*s); }
#define _cleanup_state_ _cleanup_(state_freep)

/* Append a record and save. Fields may be NULL. */
int state_add(struct state *s, enum state_kind kind, const char *const f[STATE_FIELDS],
	      struct error *e);
/* Drop record i and save. */
int state_drop(struct state *s, size_t i, struct error *e);
/* Index of the first record of kind with f0 == key, or -1. */
ssize_t state_find(const struct state *s, enum state_kind kind, const char *key);
