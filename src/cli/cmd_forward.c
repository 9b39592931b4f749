/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the forward command lands (work in progress). */
#include "cli.h"

int cmd_forward(struct cli *cli _unused_, int argc _unused_, char **argv _unused_)
{
	fprintf(stderr, "netnsctl: 'forward' is not implemented yet\n");
	return EXIT_OP;
}
