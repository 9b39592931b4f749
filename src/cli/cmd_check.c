/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl check [NAME|FILE...]: parse and validate, apply nothing. With no
 * operand, every *.conf in the config directory is checked. */
#include <dirent.h>
#include <string.h>

#include "cli.h"
#include "config.h"

static int check_one(struct cli *cli, const char *arg)
{
	_cleanup_cfg_ struct cfg *c = NULL;
	struct error e = { 0 };
	size_t n = strlen(arg);
	int r;

	if (strchr(arg, '/') || (n > 5 && strcmp(arg + n - 5, ".conf") == 0))
		r = cfg_load_path(arg, &c, &e);
	else
		r = cfg_load(cli->config_dir, arg, &c, &e);
	if (r < 0)
		return cli_error(&e);
	printf("%s: ok (%zu link%s, %zu route%s)\n", c->name, c->n_links, c->n_links == 1 ? "" : "s",
	       c->n_routes, c->n_routes == 1 ? "" : "s");
	return 0;
}

static int check_all(struct cli *cli)
{
	DIR *d = opendir(cli->config_dir);
	int status = 0, count = 0;

	if (!d) {
		fprintf(stderr, "netnsctl: %s: %m\n", cli->config_dir);
		return EXIT_OP;
	}
	for (struct dirent *de; (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		char name[300];
		if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".conf") != 0 || n >= sizeof(name))
			continue;
		memcpy(name, de->d_name, n - 5);
		name[n - 5] = '\0';
		int r = check_one(cli, name);
		if (r > status)
			status = r;
		count++;
	}
	closedir(d);
	if (count == 0)
		printf("no configs in %s\n", cli->config_dir);
	return status;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	int first = cli_flags("check", argc, argv, 0, &fl), status = 0;

	if (first < 0)
		return EXIT_USAGE;
	if (first >= argc)
		return check_all(cli);
	for (int i = first; i < argc; i++) {
		int r = check_one(cli, argv[i]);
		if (r > status)
			status = r;
	}
	return status;
}
