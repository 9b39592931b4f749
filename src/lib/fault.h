/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test-only fault injection. In a build with -DNETNSCTL_FAULT_INJECTION,
 * every kernel operation that changes state calls fault_check(); when the
 * environment variable NETNSCTL_FAULT_AT=k is set, the k-th call fails with
 * -EIO. NETNSCTL_FAULT_REPORT=1 prints the number of operations seen at exit,
 * so a test can iterate k over all of them. fault_die(point) kills the
 * calling process with SIGKILL when NETNSCTL_FAULT_DIE=point, for the
 * processes `up` forks (apply_fw.c), whose operations are not counted. In
 * normal builds both compile to nothing. */
#pragma once

#include "error.h"

#ifdef NETNSCTL_FAULT_INJECTION
int fault_check(const char *what, struct error *e);
void fault_die(const char *point);
#else
static inline int fault_check(const char *what _unused_, struct error *e _unused_) { return 0; }
static inline void fault_die(const char *point _unused_) {}
#endif
