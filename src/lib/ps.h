/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netnsctl ps: the processes whose network namespace is NAME, found by
 * comparing the identity (st_dev, st_ino) of /proc/PID/ns/net with that of
 * /run/netns/NAME. One pass over /proc with one stat per process; files are
 * read only for the processes that match. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct ps_proc {
	pid_t pid;
	uid_t uid;         /* effective uid */
	char user[64];     /* its name, or the number when it has none */
	char *command;     /* cmdline joined with spaces, or "[comm]" when empty */
	char unit[256];    /* systemd unit from /proc/PID/cgroup; "" if none */
};

struct ps_result {
	struct ps_proc *v; /* in /proc order, that is by pid */
	size_t n;
	size_t n_denied;   /* processes whose namespace could not be read */
};

/* List the processes in namespace name. Invalid names are config errors,
 * a missing namespace is -ENOENT (with a message). */
int ps_list(const char *name, struct ps_result *ret, struct error *e);
void ps_result_free(struct ps_result *r);

/* The systemd unit in the text of a /proc/PID/cgroup file: the last path
 * component ending in .service or .scope of the unified hierarchy (or of
 * name=systemd on a hybrid system). Empty if there is none. */
void ps_unit_from_cgroup(const char *text, char *unit, size_t size);

/* Write r as a JSON array of {pid, uid, user, command, unit|null}. */
void ps_json(FILE *f, const struct ps_result *r, bool pretty);
