/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl ps [--json] NAME: the processes inside a namespace. */
#include "cli.h"
#include "ps.h"

int cmd_ps(struct cli *cli _unused_, int argc, char **argv)
{
	struct cmd_flags fl;
	struct ps_result r;
	struct error e = { 0 };
	int first = cli_flags("ps", argc, argv, FLAG_JSON, &fl);

	if (first < 0)
		return EXIT_USAGE;
	if (first == argc)
		return cli_usage("ps", "missing namespace name");
	if (first + 1 < argc)
		return cli_usage("ps", "unexpected argument '%s'", argv[first + 1]);
	if (ps_list(argv[first], &r, &e) < 0)
		return cli_error(&e);
	if (fl.json) {
		ps_json(stdout, &r, fl.pretty);
	} else {
		printf("%-8s %-12s %-28s %s\n", "PID", "USER", "UNIT", "COMMAND");
		for (size_t i = 0; i < r.n; i++)
			printf("%-8d %-12s %-28s %s\n", (int)r.v[i].pid, r.v[i].user,
			       r.v[i].unit[0] ? r.v[i].unit : "-", r.v[i].command);
	}
	if (r.n_denied)
		fprintf(stderr, "netnsctl: %zu process(es) could not be inspected (permission denied)\n",
			r.n_denied);
	ps_result_free(&r);
	return 0;
}
