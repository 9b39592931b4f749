/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl down [--force] NAME...: undo what `up` created. Absent is fine. */
#include "apply.h"
#include "cli.h"
#include "netns.h"

int cmd_down(struct cli *cli _unused_, int argc, char **argv)
{
	struct cmd_flags fl;
	struct error e = { 0 };
	_cleanup_close_ int lock = -1;
	int first = cli_flags("down", argc, argv, FLAG_FORCE | FLAG_QUIET, &fl), status = 0;

	if (first < 0)
		return EXIT_USAGE;
	if (first >= argc)
		return cli_usage("down", "missing namespace name");
	for (int i = first; i < argc; i++)
		if (!ns_name_valid(argv[i]))
			return cli_usage("down", "invalid namespace name '%.64s' (A-Z a-z 0-9 _ . -, at most 64)",
					 argv[i]);
	if (lock_take(&lock, &e) < 0)
		return cli_error(&e);
	for (int i = first; i < argc; i++) {
		struct error de = { 0 };
		if (apply_down(argv[i], fl.force, &de) < 0) {
			int r = cli_error(&de);
			if (r > status)
				status = r;
		} else if (!fl.quiet) {
			printf("%s: down\n", argv[i]);
		}
	}
	return status;
}
