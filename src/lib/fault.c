/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fault.h"

#ifdef NETNSCTL_FAULT_INJECTION
#include <signal.h>
#include <stdio.h>

static unsigned long fault_count;
static long fault_at = -1;
static bool fault_init_done;

static void fault_report(void)
{
	fprintf(stderr, "netnsctl-fault: %lu operations\n", fault_count);
}

int fault_check(const char *what, struct error *e)
{
	if (!fault_init_done) {
		const char *s = getenv("NETNSCTL_FAULT_AT");
		fault_at = s ? strtol(s, NULL, 10) : -1;
		if (getenv("NETNSCTL_FAULT_REPORT"))
			atexit(fault_report);
		fault_init_done = true;
	}
	fault_count++;
	if ((long)fault_count == fault_at)
		return err_set(e, -EIO, "injected fault at operation %lu (%s)", fault_count, what);
	return 0;
}

void fault_die(const char *point)
{
	const char *s = getenv("NETNSCTL_FAULT_DIE");

	if (s && STREQ(s, point))
		raise(SIGKILL);
}
#endif
