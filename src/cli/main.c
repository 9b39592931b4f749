/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl: entry point, global options and the subcommand table. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

#ifndef NETNSCTL_VERSION
#define NETNSCTL_VERSION "0.1.0"
#endif

const struct command commands[] = {
	{ "up", cmd_up, "NAME...", "Create or update namespaces from their configs (idempotent)" },
	{ "down", cmd_down, "[--force] NAME...", "Take namespaces down and give devices back" },
	{ "list", cmd_list, "[--json]", "List configured and live namespaces" },
	{ "status", cmd_status, "[--json] [NAME]", "Show links, addresses and routes, read live" },
	{ "check", cmd_check, "[NAME|FILE...]", "Validate configs without applying anything" },
	{ "exec", cmd_exec, "NAME [OPTIONS] [--] CMD [ARGS...]", "Run a command inside a namespace, dropping privileges" },
	{ "ps", cmd_ps, "[--json] NAME", "List the processes inside a namespace" },
	{ "join", cmd_join, "[--reload] UNIT NAME", "Make a systemd unit run inside a namespace (drop-in)" },
	{ "unjoin", cmd_unjoin, "[--reload] UNIT", "Remove the drop-in written by join" },
	{ "forward", cmd_forward, "NAME", "Forward published ports into a namespace (Mode=proxy)" },
	{ "verify", cmd_verify, "[--json] [--disruptive] NAME", "Prove a VPN namespace cannot leak" },
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: netnsctl [--config-dir DIR] COMMAND [ARGS]\n\n"
		   "Declarative network namespaces for systemd services.\n\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-7s %-20s %s\n", c->name, c->args, c->help);
	fprintf(f, "\nOptions:\n"
		   "  --config-dir DIR  read configs from DIR (default $NETNSCTL_CONFIG_DIR or %s)\n"
		   "  -h, --help        show this help (also: netnsctl COMMAND --help)\n"
		   "  --version         show the version\n\n"
		   "Exit status: 0 success, 1 operation failed, 2 usage or config error.\n"
		   "See netnsctl(8) and netnsctl.conf(5).\n",
		   CFG_DEFAULT_DIR);
}

int cli_error(const struct error *e)
{
	char buf[2048];

	fprintf(stderr, "netnsctl: %s\n", err_format(e, buf, sizeof(buf)));
	return err_exit_status(e);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netnsctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'netnsctl %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int cli_help(const char *cmd)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, cmd) == 0) {
			printf("Usage: netnsctl %s %s\n\n%s.\n", c->name, c->args, c->help);
			return 0;
		}
	return EXIT_USAGE;
}

int cli_flags(const char *cmd, int argc, char **argv, unsigned allowed, struct cmd_flags *ret)
{
	static const struct option opts[] = {
		{ "json", optional_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(ret, 0, sizeof(*ret));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fqh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (!(allowed & FLAG_JSON))
				goto bad;
			ret->json = true;
			if (optarg && strcmp(optarg, "pretty") == 0)
				ret->pretty = true;
			else if (optarg && strcmp(optarg, "short") != 0)
				return cli_usage(cmd, "--json takes 'pretty' or 'short'"), -1;
			break;
		case 'f':
			if (!(allowed & FLAG_FORCE))
				goto bad;
			ret->force = true;
			break;
		case 'q':
			if (!(allowed & FLAG_QUIET))
				goto bad;
			ret->quiet = true;
			break;
		case 'h':
			cli_help(cmd);
			exit(0);
		default:
			goto bad;
		}
	}
	return optind;
bad:
	cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cli cli = { 0 };
	const char *base = strrchr(argv[0], '/');
	int c;

	/* A container runtime runs us as a CNI plugin: by name or by the
	 * environment the CNI spec defines. */
	base = base ? base + 1 : argv[0];
	if (strcmp(base, "netnsctl-cni") == 0 || getenv("CNI_COMMAND"))
		return cni_main(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			cli.config_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("netnsctl %s\n", NETNSCTL_VERSION);
			return 0;
		default:
			return cli_usage(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	cli.config_dir = cfg_dir(cli.config_dir);
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const struct command *cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			return cmd->fn(&cli, argc - optind, argv + optind);
	return cli_usage(NULL, "unknown command '%s'", argv[optind]);
}
