/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the exec command lands (work in progress, issue 5). */
#include "cli.h"

int cmd_exec(struct cli *cli _unused_, int argc _unused_, char **argv _unused_)
{
	fprintf(stderr, "netnsctl: 'exec' is not implemented yet\n");
	return EXIT_OP;
}
