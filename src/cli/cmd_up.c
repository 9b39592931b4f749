/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl up NAME...: parse, validate, then apply under the global lock.
 * Several names are handled in one process, one after the other. */
#include "apply.h"
#include "cli.h"
#include "config.h"
#include "netns.h"
#include "sdl.h"

static int up_one(struct cli *cli, const char *name, bool quiet)
{
	_cleanup_cfg_ struct cfg *c = NULL;
	struct apply_result res;
	struct error e = { 0 };

	/* Under systemd (netns@.service with NotifyAccess=main) the unit's
	 * status line says what is going on; elsewhere this is a no-op. */
	sdl_notifyf("STATUS=Bringing up namespace %s", name);
	if (cfg_load(cli->config_dir, name, &c, &e) < 0 || apply_up(c, &res, &e) < 0) {
		sdl_notifyf("STATUS=Failed to bring up namespace %s", name);
		return cli_error(&e);
	}
	sdl_notifyf("STATUS=Namespace %s is up (%s)", name,
		   res.created ? "created" : res.changes ? "updated" : "unchanged");
	if (!quiet)
		printf("%s: %s\n", name, res.created ? "created" : res.changes ? "updated" : "unchanged");
	return 0;
}

int cmd_up(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	struct error e = { 0 };
	_cleanup_close_ int lock = -1;
	int first = cli_flags("up", argc, argv, FLAG_QUIET, &fl), status = 0;

	if (first < 0)
		return EXIT_USAGE;
	if (first >= argc)
		return cli_usage("up", "missing namespace name");
	/* Validate every name before taking the lock or touching anything. */
	for (int i = first; i < argc; i++)
		if (!ns_name_valid(argv[i]))
			return cli_usage("up", "invalid namespace name '%.64s' (A-Z a-z 0-9 _ . -, at most 64)",
					 argv[i]);
	if (lock_take(&lock, &e) < 0)
		return cli_error(&e);
	for (int i = first; i < argc; i++) {
		int r = up_one(cli, argv[i], fl.quiet);
		if (r > status)
			status = r;
	}
	return status;
}
