/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl verify [--json] [--disruptive] NAME: prove from inside a running
 * VPN namespace that traffic leaves only through its tunnel links. One line
 * per check; exit 1 if any check fails. */
#include "cli.h"
#include "config.h"
#include "netns.h"
#include "verify.h"

struct verify_args {
	bool json, pretty, disruptive;
	const char *name;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	static const struct option opts[] = {
		{ "json", optional_argument, NULL, 'j' },
		{ "disruptive", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (optarg && !STREQ(optarg, "pretty") && !STREQ(optarg, "short"))
				return cli_usage("verify", "--json takes 'pretty' or 'short'");
			a->json = true;
			a->pretty = optarg && STREQ(optarg, "pretty");
			break;
		case 'd':
			a->disruptive = true;
			break;
		case 'h':
			cli_help("verify");
			exit(0);
		default:
			return cli_usage("verify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage("verify", "missing namespace name");
	if (optind + 1 < argc)
		return cli_usage("verify", "too many arguments");
	a->name = argv[optind];
	if (!ns_name_valid(a->name))
		return cli_usage("verify", "invalid namespace name '%.64s'", a->name);
	return 0;
}

static void print_human(const struct verify_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		printf("%-4s  %-12s  %s\n", verify_result_to_string(r->v[i].result), r->v[i].id, r->v[i].detail);
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	_cleanup_cfg_ struct cfg *c = NULL;
	_cleanup_close_ int lock = -1;
	struct verify_report rep;
	struct verify_args a;
	struct error e = { 0 };
	int r = parse_args(argc, argv, &a);

	if (r != 0)
		return r;
	if (cfg_load(cli->config_dir, a.name, &c, &e) < 0)
		return cli_error(&e);
	/* Taking the tunnel down is a change: not while `up` or `down` runs. */
	if (a.disruptive && lock_take(&lock, &e) < 0)
		return cli_error(&e);
	if (verify_run(c, a.disruptive, &rep, &e) < 0)
		return cli_error(&e);
	if (a.json)
		verify_json(stdout, a.name, a.disruptive, &rep, a.pretty);
	else
		print_human(&rep);
	if (rep.restore_error[0])
		fprintf(stderr, "netnsctl: %s\n", rep.restore_error);
	r = rep.failed || rep.restore_error[0] ? EXIT_OP : 0;
	verify_report_free(&rep);
	return r;
}
