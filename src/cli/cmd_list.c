/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl list [--json]: one line per namespace, configured or live:
 * managed or not, up or down, how many links, which units join it. */
#include "cli.h"
#include "human.h"

static void list_row(struct table *t, const struct ns_info *in)
{
	char joins[1024] = "";
	size_t off = 0;

	table_add(t, in->name, TC_NONE);
	table_add(t, ns_managed_word(in), in->managed ? TC_NONE : TC_DIM);
	table_add(t, ns_state_to_string(in->state), ns_state_color(in->state));
	table_addf(t, TC_NONE, "%zu", in->n_links);
	for (size_t k = 0; in->cfg && k < in->cfg->joins.n && off < sizeof(joins); k++)
		off += (size_t)snprintf(joins + off, sizeof(joins) - off, "%s%s", k ? "," : "",
					in->cfg->joins.v[k].v);
	if (in->cfg_error[0])
		table_add(t, "(config error)", TC_RED);
	else
		table_add(t, joins[0] ? joins : "-", joins[0] ? TC_NONE : TC_DIM);
}

static int list_human(const struct ns_info *v, size_t n)
{
	static const char *const headers[] = { "NAME", "MANAGED", "STATE", "LINKS", "JOINS" };
	_cleanup_table_ struct table *t = table_new(headers, ELEMENTSOF(headers));

	if (!t)
		return -ENOMEM;
	table_align_right(t, 3);
	for (size_t i = 0; i < n; i++)
		list_row(t, &v[i]);
	return table_print(t, stdout, "", use_color(stdout));
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	struct ns_info *v = NULL;
	struct error e = { 0 };
	size_t n = 0;
	int first = cli_flags("list", argc, argv, FLAG_JSON, &fl), r = 0;

	if (first < 0)
		return EXIT_USAGE;
	if (first < argc)
		return cli_usage("list", "unexpected argument '%s'", argv[first]);
	if (ns_info_list(cli->config_dir, &v, &n, &e) < 0)
		return cli_error(&e);
	if (fl.json)
		list_json(stdout, v, n, fl.pretty);
	else
		r = list_human(v, n);
	ns_info_list_free(v, n);
	if (r < 0) {
		err_set(&e, r, "listing namespaces");
		return cli_error(&e);
	}
	return 0;
}
