/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl list [--json]: one line per namespace, configured or live. */
#include "cli.h"
#include "status.h"

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	struct ns_info *v = NULL;
	struct error e = { 0 };
	size_t n = 0;
	int first = cli_flags("list", argc, argv, FLAG_JSON, &fl);

	if (first < 0)
		return EXIT_USAGE;
	if (first < argc)
		return cli_usage("list", "unexpected argument '%s'", argv[first]);
	if (ns_info_list(cli->config_dir, &v, &n, &e) < 0)
		return cli_error(&e);
	if (fl.json) {
		list_json(stdout, v, n, fl.pretty);
	} else {
		printf("%-24s %-9s %-7s %5s  %s\n", "NAME", "MANAGED", "STATE", "LINKS", "JOINS");
		for (size_t i = 0; i < n; i++) {
			const struct ns_info *in = &v[i];
			printf("%-24s %-9s %-7s %5zu  ", in->name, in->managed ? "managed" : in->configured && in->state == NS_DOWN ? "-" : "unmanaged",
			       ns_state_to_string(in->state), in->n_links);
			for (size_t k = 0; in->cfg && k < in->cfg->joins.n; k++)
				printf("%s%s", k ? "," : "", in->cfg->joins.v[k].v);
			if (in->cfg_error[0])
				printf("(config error)");
			printf("\n");
		}
	}
	ns_info_list_free(v, n);
	return 0;
}
