/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until join/unjoin land (work in progress, issue 4). */
#include "cli.h"

int cmd_join(struct cli *cli _unused_, int argc _unused_, char **argv _unused_)
{
	fprintf(stderr, "netnsctl: 'join' is not implemented yet\n");
	return EXIT_OP;
}

int cmd_unjoin(struct cli *cli _unused_, int argc _unused_, char **argv _unused_)
{
	fprintf(stderr, "netnsctl: 'unjoin' is not implemented yet\n");
	return EXIT_OP;
}
