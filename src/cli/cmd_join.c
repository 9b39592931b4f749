/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl join [--reload] UNIT NAME / unjoin [--reload] UNIT: for people
 * who prefer not to add Join= to a config. They write or remove a
 * persistent drop-in, /etc/systemd/system/UNIT.d/netnsctl-netns.conf, with
 * the text the generator would write (unitgen.c), and then either say that
 * systemd must reload or, with --reload, ask it to over D-Bus. */
#include <limits.h>
#include "sdl.h"

#include "cli.h"
#include "config.h"
#include "netns.h"
#include "unitgen.h"

#define RELOAD_TIMEOUT_USEC (5ULL * 60 * 1000 * 1000)

static int parse_reload(const char *cmd, int argc, char **argv, bool *ret_reload)
{
	static const struct option opts[] = {
		{ "reload", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*ret_reload = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'r') {
			*ret_reload = true;
		} else if (c == 'h') {
			cli_help(cmd);
			exit(0);
		} else {
			cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

/* Which namespace, if any, a config's Join= puts unit in. Configs that do
 * not load are skipped: the generator reports those. */
static bool config_join(const char *dir, const char *unit, char *ret_ns, size_t ns_size,
			char *ret_where, size_t where_size)
{
	char **names = NULL;
	size_t n = 0;
	bool found = false;
	struct error ignored = { 0 };

	if (unitgen_config_names(dir, &names, &n, NULL, NULL, &ignored) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++) {
		_cleanup_cfg_ struct cfg *c = NULL;
		err_reset(&ignored);
		if (cfg_load(dir, names[i], &c, &ignored) < 0)
			continue;
		for (size_t j = 0; j < c->joins.n && !found; j++) {
			const struct cfg_str *s = &c->joins.v[j];
			if (!STREQ(s->v, unit))
				continue;
			found = true;
			strscpy(ret_ns, ns_size, c->name);
			snprintf(ret_where, where_size, "%s:%u", s->loc.file, s->loc.line);
		}
	}
	strv_free(names, n);
	return found;
}

/* Prefer the system bus; as root, fall back to systemd's private socket
 * (what systemctl uses), which works before dbus runs and without it. */
static int bus_open(const struct sdl *s, sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r = s->bus_open_system(&bus);

	if (r >= 0 || geteuid() != 0) {
		*ret = bus;
		return r;
	}
	r = s->bus_new(&bus);
	if (r < 0)
		return r;
	r = s->bus_set_address(bus, "unix:path=/run/systemd/private");
	if (r >= 0)
		r = s->bus_start(bus);
	if (r < 0) {
		s->bus_unref(bus);
		return r;
	}
	*ret = bus;
	return 0;
}

/* org.freedesktop.systemd1.Manager.Reload, i.e. `systemctl daemon-reload`;
 * systemd answers once the reload is complete. */
static int daemon_reload(struct error *e)
{
	const struct sdl *s = sdl_get();
	sd_bus_error berr = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	int r;

	if (!s)
		return err_set(e, -errno, "loading libsystemd.so.0 to talk to systemd");
	r = bus_open(s, &bus);
	if (r < 0)
		return err_set(e, r, "connecting to systemd");
	r = s->bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
					   "org.freedesktop.systemd1.Manager", "Reload");
	if (r >= 0)
		r = s->bus_call(bus, m, RELOAD_TIMEOUT_USEC, &berr, &reply);
	if (r < 0)
		err_set(e, r, "asking systemd to reload%s%s", berr.message ? ": " : "",
			berr.message ? berr.message : "");
	s->bus_error_free(&berr);
	s->bus_message_unref(reply);
	s->bus_message_unref(m);
	s->bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

static int finish(const char *unit, bool reload)
{
	struct error e = { 0 };

	if (!reload) {
		printf("Run 'systemctl daemon-reload' for systemd to see the change"
		       " (or use --reload), then 'systemctl restart %s' if it is running.\n",
		       unit);
		return 0;
	}
	if (daemon_reload(&e) < 0)
		return cli_error(&e);
	printf("systemd reloaded; 'systemctl restart %s' applies it if the unit is running.\n", unit);
	return 0;
}

int cmd_join(struct cli *cli, int argc, char **argv)
{
	char unit[UNITGEN_UNIT_MAX], ns[NS_NAME_MAX + 1], where[PATH_MAX + 16], path[PATH_MAX], origin[512];
	_cleanup_cfg_ struct cfg *c = NULL;
	_cleanup_free_ char *text = NULL;
	struct error e = { 0 };
	const char *dir = unitgen_system_dir();
	bool reload;
	int first = parse_reload("join", argc, argv, &reload);

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage("join", "expected UNIT and NAME");
	if (unitgen_unit_name(argv[first], unit, sizeof(unit), &e) < 0)
		return cli_error(&e);
	/* netns@NAME.service would fail on a missing or broken config: say so now. */
	if (cfg_load(cli->config_dir, argv[first + 1], &c, &e) < 0)
		return cli_error(&e);
	if (config_join(cli->config_dir, unit, ns, sizeof(ns), where, sizeof(where))) {
		if (STREQ(ns, c->name)) {
			printf("%s already joins '%s' through Join= at %s; nothing to do.\n", unit, ns, where);
			return 0;
		}
		err_cfg(&e, NULL, 0, "%s is joined to namespace '%s' by Join= at %s; remove it there first",
			unit, ns, where);
		return cli_error(&e);
	}
	snprintf(path, sizeof(path), "%s/%s.d/%s", dir, unit, UNITGEN_JOIN_FILE);
	if (unitgen_read_ns(path, ns, sizeof(ns)) == 0 && !STREQ(ns, c->name))
		printf("Moving %s from namespace '%s' to '%s'.\n", unit, ns, c->name);
	snprintf(origin, sizeof(origin), "netnsctl join; undo with 'netnsctl unjoin %s'", unit);
	if (unitgen_join_dropin(unit, c->name, origin, &text, &e) < 0 ||
	    unitgen_write(dir, unit, UNITGEN_JOIN_FILE, text, &e) < 0)
		return cli_error(&e);
	printf("Wrote %s: %s runs in network namespace '%s' (started by netns@%s.service).\n", path, unit,
	       c->name, c->name);
	return finish(unit, reload);
}

int cmd_unjoin(struct cli *cli, int argc, char **argv)
{
	char unit[UNITGEN_UNIT_MAX], ns[NS_NAME_MAX + 1], where[PATH_MAX + 16];
	struct error e = { 0 };
	const char *dir = unitgen_system_dir();
	bool reload, removed;
	int first = parse_reload("unjoin", argc, argv, &reload);

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage("unjoin", "expected UNIT");
	if (unitgen_unit_name(argv[first], unit, sizeof(unit), &e) < 0)
		return cli_error(&e);
	if (unitgen_remove(dir, unit, UNITGEN_JOIN_FILE, &removed, &e) < 0)
		return cli_error(&e);
	if (!removed) {
		if (config_join(cli->config_dir, unit, ns, sizeof(ns), where, sizeof(where))) {
			err_cfg(&e, NULL, 0, "%s joins '%s' through Join= at %s, not through 'netnsctl join'; remove it there",
				unit, ns, where);
			return cli_error(&e);
		}
		printf("%s has no drop-in from 'netnsctl join'; nothing to do.\n", unit);
		return 0;
	}
	printf("Removed %s/%s.d/%s.\n", dir, unit, UNITGEN_JOIN_FILE);
	return finish(unit, reload);
}
