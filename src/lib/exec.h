/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netnsctl exec: run one program inside a named network namespace, the way
 * `ip netns exec` does (files of /etc/netns/NAME bound over /etc, /sys
 * showing the namespace's devices), plus what it lacks: host resolver
 * sockets hidden (DNSLeakGuard), and a privilege drop to a user, groups and
 * a capability set before execve. Nothing is left running: the calling
 * process becomes the program. See docs/EXEC.md. */
#pragma once

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum exec_sys {
	EXEC_SYS_AUTO, /* remount /sys when a mount namespace is made anyway */
	EXEC_SYS_YES,  /* always (forces a mount namespace) */
	EXEC_SYS_NO,   /* never */
};

/* What the caller asked for; strings are borrowed and must outlive the plan. */
struct exec_opts {
	const char *name;     /* namespace in /run/netns */
	char **argv;          /* NULL-terminated; argv[0] is looked up in $PATH */
	const char *user;     /* name or numeric UID; NULL keeps the caller's */
	const char *group;    /* name or numeric GID; NULL: the user's primary group */
	const char *caps;     /* "none" or "CAP,CAP"; NULL: none with user, else unchanged */
	bool no_new_privs;
	bool clear_env;
	char **env;           /* KEY=VALUE, applied after clear_env */
	size_t n_env;
	const char *cwd;      /* NULL keeps the current directory */
	enum exec_sys sys;
};

/* Everything resolved before the first change to the process, so that name
 * lookups (NSS) run against the host's configuration and every usage error
 * is reported before anything happens. */
struct exec_plan {
	const struct exec_opts *o;
	int ns_fd;
	char etc_dir[PATH_MAX]; /* /etc/netns/NAME */
	char **files;         /* entries of etc_dir to bind over /etc */
	size_t n_files;
	bool guard;           /* DNSLeakGuard: hide host resolver sockets */
	bool mount_ns;        /* a private mount namespace is needed */
	bool remount_sys;

	bool change_ids;
	uid_t uid;
	gid_t gid;
	gid_t *groups;        /* supplementary groups */
	size_t n_groups;

	bool set_caps;
	uint64_t caps;        /* bit n = capability n */

	bool exec_failed;     /* exec_run failed at execve itself (126/127) */
};

/* Validate o and resolve user, group, capabilities and the files to bind.
 * Invalid names and unknown users, groups or capabilities are config
 * errors (exit 2); a missing namespace is -ENOENT. Free with exec_plan_free. */
int exec_prepare(const struct exec_opts *o, struct exec_plan *ret, struct error *e);

/* Enter the namespace, set up the mount namespace, drop privileges and
 * execve. Returns only on failure, with the process in an unspecified
 * state: the caller must exit. p->exec_failed tells a failing execve (exit
 * 127 for -ENOENT, else 126) from a failing setup step. */
int exec_run(struct exec_plan *p, struct error *e);

void exec_plan_free(struct exec_plan *p);

/* Parse "none" or a comma-separated list of capability names (with or
 * without the CAP_ prefix, any case) into a bit mask. */
int exec_parse_caps(const char *s, uint64_t *ret, struct error *e);
