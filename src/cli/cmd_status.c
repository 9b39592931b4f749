/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl status [--json] [NAME]: one namespace (or every one), read live:
 * links with their addresses and state, routes, the units that join it
 * with the state systemd reports, and the processes inside. --json comes
 * from the library (status.c); the human form is rendered here. */
#include <dirent.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <limits.h>

#include "cli.h"
#include "netns.h"
#include "nft.h"
#include "human.h"
#include "ps.h"
#include "sdl.h"
#include "unitgen.h"

#define MAX_PROCS_SHOWN 20

/* ---- links ------------------------------------------------------------------ */

/* Administrative state, and whether the link can carry traffic: a link
 * that is up but whose peer or cable is not shows "no-carrier". */
static const char *link_state(const struct live_link *l, enum tcolor *ret_color)
{
	if (!(l->flags & IFF_UP)) {
		*ret_color = TC_RED;
		return "down";
	}
	if (l->operstate == IF_OPER_DOWN || l->operstate == IF_OPER_LOWERLAYERDOWN) {
		*ret_color = TC_YELLOW;
		return "no-carrier";
	}
	*ret_color = TC_GREEN;
	return "up";
}

/* The host side of a link: the host end of a veth, or the name a moved
 * physical device had on the host (and gets back on down). */
static void link_host(const struct ns_info *i, const struct live_link *l, char *buf, size_t size)
{
	const char *peer = ns_info_host_peer(i, l);
	const char *orig = strncmp(l->alias, "netnsctl:", 9) == 0 ? strchr(l->alias + 9, ':') : NULL;

	if (peer)
		snprintf(buf, size, "%s", peer);
	else if (orig)
		snprintf(buf, size, "from %s", orig + 1);
	else
		buf[0] = '\0';
}

static void print_links(const struct ns_info *i, bool color)
{
	static const char *const headers[] = { "LINK", "KIND", "STATE", "MTU", "MAC", "ADDRESSES", "HOST" };
	_cleanup_table_ struct table *t = table_new(headers, ELEMENTSOF(headers));
	char buf[64], host[IFNAME_MAX + 16];

	if (!t || i->live.n_links == 0)
		return;
	table_align_right(t, 3);
	for (size_t k = 0; k < i->live.n_links; k++) {
		const struct live_link *l = &i->live.links[k];
		enum tcolor c;
		const char *state = link_state(l, &c);
		bool first = true;

		table_add(t, l->name, TC_NONE);
		table_add(t, ns_info_link_kind(i, l), TC_NONE);
		table_add(t, state, c);
		table_addf(t, TC_NONE, "%u", l->mtu);
		if (l->has_mac && !(l->flags & IFF_LOOPBACK))
			table_addf(t, TC_NONE, "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1], l->mac[2],
				   l->mac[3], l->mac[4], l->mac[5]);
		else
			table_add(t, "-", TC_DIM);
		link_host(i, l, host, sizeof(host));
		/* One address per line, the link's other columns on the first. */
		for (size_t a = 0; a < i->live.n_addrs; a++) {
			/* IPv6 link-local addresses are the kernel's, derived from
			 * the MAC; --json lists them. */
			if (i->live.addrs[a].ifindex != l->ifindex || i->live.addrs[a].scope == RT_SCOPE_LINK)
				continue;
			if (!first)
				for (int col = 0; col < 5; col++)
					table_add(t, NULL, TC_NONE);
			table_add(t, cfg_addr_to_string(&i->live.addrs[a].a, true, buf, sizeof(buf)), TC_NONE);
			table_add(t, first ? host : NULL, TC_NONE);
			first = false;
		}
		if (first) {
			table_add(t, "-", TC_DIM);
			table_add(t, host, TC_NONE);
		}
	}
	fputc('\n', stdout);
	table_print(t, stdout, "  ", color);
}

/* ---- routes ----------------------------------------------------------------- */

static void print_routes(const struct ns_info *i, bool color)
{
	static const char *const headers[] = { "ROUTE", "VIA", "DEV", "METRIC", "FROM" };
	_cleanup_table_ struct table *t = table_new(headers, ELEMENTSOF(headers));
	char buf[64];

	if (!t)
		return;
	table_align_right(t, 3);
	for (size_t k = 0; k < i->live.n_routes; k++) {
		const struct live_route *rt = &i->live.routes[k];
		const struct live_link *l = live_link_by_index(&i->live, rt->oif);

		/* The kernel's own prefix routes repeat the addresses above. */
		if (rt->protocol == RTPROT_KERNEL)
			continue;
		if (rt->dst.prefixlen)
			table_add(t, cfg_addr_to_string(&rt->dst, true, buf, sizeof(buf)), TC_NONE);
		else
			table_add(t, rt->dst.family == AF_INET6 ? "default (IPv6)" : "default", TC_NONE);
		table_add(t, rt->gw.family ? cfg_addr_to_string(&rt->gw, false, buf, sizeof(buf)) : "-",
			  rt->gw.family ? TC_NONE : TC_DIM);
		table_add(t, l ? l->name : "-", TC_NONE);
		table_addf(t, TC_NONE, "%u", rt->metric);
		table_add(t, rt->protocol == RTPROT_STATIC ? "netnsctl" : "other", TC_NONE);
	}
	if (table_rows(t) == 0)
		return;
	fputc('\n', stdout);
	table_print(t, stdout, "  ", color);
}

/* ---- joined units ----------------------------------------------------------- */

/* One system bus connection for the whole command, opened on first use. */
struct sd_query {
	const struct sdl *s;
	sd_bus *bus;
	bool tried;
	char why[160]; /* why states are not shown; "" when they are */
};

/* Prefer the system bus; as root, fall back to systemd's private socket,
 * as systemctl does, so states show before dbus runs or without it. */
static int sd_query_open(struct sd_query *q)
{
	int r;

	if (q->tried)
		return q->bus ? 0 : -ENOTCONN;
	q->tried = true;
	/* sd_booted(): systemd creates this directory when it is PID 1. */
	if (access("/run/systemd/system", F_OK) < 0) {
		snprintf(q->why, sizeof(q->why), "systemd is not running");
		return -ENOTCONN;
	}
	q->s = sdl_get();
	if (!q->s) {
		snprintf(q->why, sizeof(q->why), "libsystemd.so.0 is not available");
		return -ENOTCONN;
	}
	r = q->s->bus_open_system(&q->bus);
	if (r < 0 && geteuid() == 0) {
		q->bus = NULL;
		r = q->s->bus_new(&q->bus);
		if (r >= 0 && (r = q->s->bus_set_address(q->bus, "unix:path=/run/systemd/private")) >= 0)
			r = q->s->bus_start(q->bus);
	}
	if (r < 0) {
		if (q->bus)
			q->s->bus_unref(q->bus);
		q->bus = NULL;
		snprintf(q->why, sizeof(q->why), "cannot connect to systemd: %s", strerror(-r));
		return -ENOTCONN;
	}
	return 0;
}

static void sd_query_close(struct sd_query *q)
{
	if (q->bus)
		q->s->bus_flush_close_unref(q->bus);
	q->bus = NULL;
}

static int unit_prop(struct sd_query *q, const char *path, const char *prop, char *buf, size_t size)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char *v = NULL;
	int r = q->s->bus_get_property_string(q->bus, "org.freedesktop.systemd1", path,
					      "org.freedesktop.systemd1.Unit", prop, &err, &v);

	q->s->bus_error_free(&err);
	if (r >= 0)
		snprintf(buf, size, "%s", v);
	free(v);
	return r;
}

/* "active (running)", "failed (failed)", "not-found", ... as systemctl
 * would say; "-" when it cannot be asked. */
static const char *unit_state(struct sd_query *q, const char *unit, char *buf, size_t size,
			      enum tcolor *ret_color)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path = NULL;
	char load[32] = "", active[32] = "", sub[32] = "";
	int r;

	*ret_color = TC_DIM;
	if (sd_query_open(q) < 0)
		return "-";
	/* LoadUnit, as `systemctl show` does: a unit nothing has loaded yet
	 * still has a state (inactive, or not-found). */
	r = q->s->bus_call_method(q->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				  "org.freedesktop.systemd1.Manager", "LoadUnit", &err, &reply, "s", unit);
	if (r >= 0)
		r = q->s->bus_message_read(reply, "o", &path);
	if (r >= 0 && (r = unit_prop(q, path, "LoadState", load, sizeof(load))) >= 0 &&
	    (r = unit_prop(q, path, "ActiveState", active, sizeof(active))) >= 0)
		r = unit_prop(q, path, "SubState", sub, sizeof(sub));
	q->s->bus_message_unref(reply);
	q->s->bus_error_free(&err);
	if (r < 0)
		snprintf(buf, size, "? (%s)", strerror(-r));
	else if (STREQ(load, "not-found") || STREQ(load, "bad-setting") || STREQ(load, "error"))
		snprintf(buf, size, "%s", load);
	else
		snprintf(buf, size, "%s (%s)", active, sub);
	if (r >= 0 && STREQ(active, "active"))
		*ret_color = TC_GREEN;
	else if (r < 0 || STREQ(active, "failed") || !STREQ(load, "loaded"))
		*ret_color = TC_RED;
	else if (!STREQ(active, "inactive"))
		*ret_color = TC_YELLOW;
	return buf;
}

static void unit_row(struct table *t, struct sd_query *q, const char *unit, const char *from)
{
	char buf[128];
	enum tcolor c;
	const char *state = unit_state(q, unit, buf, sizeof(buf), &c);

	table_add(t, unit, TC_NONE);
	table_add(t, state, c);
	table_add(t, from, TC_NONE);
}

/* Units put into this namespace by `netnsctl join`: drop-ins of ours under
 * the persistent unit directory that name it. */
static void joined_by_cli(struct table *t, struct sd_query *q, const char *ns)
{
	const char *dir = unitgen_system_dir();
	DIR *d = opendir(dir);

	for (struct dirent *de; d && (de = readdir(d));) {
		char path[PATH_MAX], who[NS_NAME_MAX + 1], unit[UNITGEN_UNIT_MAX];
		size_t len = strlen(de->d_name);

		if (len < 3 || len - 2 >= sizeof(unit) || !STREQ(de->d_name + len - 2, ".d"))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, UNITGEN_JOIN_FILE);
		if (unitgen_read_ns(path, who, sizeof(who)) < 0 || !STREQ(who, ns))
			continue;
		memcpy(unit, de->d_name, len - 2);
		unit[len - 2] = '\0';
		unit_row(t, q, unit, "netnsctl join");
	}
	if (d)
		closedir(d);
}

static void print_units(const struct ns_info *i, struct sd_query *q, bool color)
{
	static const char *const headers[] = { "UNIT", "STATE", "JOINED BY" };
	_cleanup_table_ struct table *t = table_new(headers, ELEMENTSOF(headers));
	char from[PATH_MAX + 32];

	if (!t)
		return;
	for (size_t k = 0; i->cfg && k < i->cfg->joins.n; k++) {
		const struct cfg_str *s = &i->cfg->joins.v[k];
		snprintf(from, sizeof(from), "Join= (%s:%u)", s->loc.file, s->loc.line);
		unit_row(t, q, s->v, from);
	}
	joined_by_cli(t, q, i->name);
	if (table_rows(t) == 0)
		return;
	fputc('\n', stdout);
	table_print(t, stdout, "  ", color);
	if (q->why[0])
		printf("  %s(unit states not shown: %s)%s\n", color_on(TC_DIM, color), q->why,
		       color_off(TC_DIM, color));
}

/* ---- processes -------------------------------------------------------------- */

static void print_processes(const struct ns_info *i, bool color)
{
	static const char *const headers[] = { "PID", "USER", "UNIT", "COMMAND" };
	_cleanup_table_ struct table *t = table_new(headers, ELEMENTSOF(headers));
	struct ps_result r;
	struct error e = { 0 };

	if (!t || i->state == NS_DOWN || ps_list(i->name, &r, &e) < 0)
		return;
	table_align_right(t, 0);
	for (size_t k = 0; k < r.n && k < MAX_PROCS_SHOWN; k++) {
		table_addf(t, TC_NONE, "%d", (int)r.v[k].pid);
		table_add(t, r.v[k].user, TC_NONE);
		table_add(t, r.v[k].unit[0] ? r.v[k].unit : "-", r.v[k].unit[0] ? TC_NONE : TC_DIM);
		table_add(t, r.v[k].command, TC_NONE);
	}
	if (r.n) {
		fputc('\n', stdout);
		table_print(t, stdout, "  ", color);
	}
	if (r.n > MAX_PROCS_SHOWN)
		printf("  ... and %zu more (netnsctl ps %s)\n", r.n - MAX_PROCS_SHOWN, i->name);
	ps_result_free(&r);
}

/* ---- the whole ---------------------------------------------------------------- */

static void print_human(const struct ns_info *i, struct sd_query *q)
{
	bool color = use_color(stdout);

	printf("%s%s%s: %s%s%s, %s\n", color_on(TC_BOLD, color), i->name, color_off(TC_BOLD, color),
	       color_on(ns_state_color(i->state), color), ns_state_to_string(i->state),
	       color_off(ns_state_color(i->state), color),
	       i->managed ? "managed" : i->state != NS_DOWN ? "unmanaged (not made by netnsctl)"
							     : "configured, not created");
	if (i->cfg && i->cfg->description.v && i->cfg->description.v[0])
		printf("  %s\n", i->cfg->description.v);
	if (i->cfg && i->cfg->n_files)
		printf("  config: %s\n", i->cfg->files[0]);
	if (i->cfg_error[0])
		printf("  %sconfig error: %s%s\n", color_on(TC_RED, color), i->cfg_error, color_off(TC_RED, color));
	print_links(i, color);
	print_routes(i, color);
	if (i->fw)
		nft_status_print(stdout, i->fw);
	print_units(i, q, color);
	print_processes(i, color);
	fflush(stdout);
}

static int status_all(struct cli *cli, const struct cmd_flags *fl, struct sd_query *q)
{
	static char outbuf[1 << 16];
	struct ns_reader rd;
	char **names = NULL;
	struct error e = { 0 };
	size_t n = 0;

	/* A namespace's JSON is about 800 bytes: stdio's default 4 KiB
	 * buffer made a write every few namespaces. */
	if (fl->json)
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/* One pass: each namespace is read once, with detail. */
	if (ns_reader_open(&rd, cli->config_dir, &e) < 0)
		return cli_error(&e);
	if (ns_reader_names(&rd, &names, &n, &e) < 0) {
		ns_reader_close(&rd);
		return cli_error(&e);
	}
	if (fl->json)
		printf("[");
	for (size_t k = 0; k < n; k++) {
		struct ns_info full;
		struct error fe = { 0 };
		if (ns_reader_read(&rd, names[k], true, &full, &fe) < 0) {
			cli_error(&fe);
			continue;
		}
		if (fl->json) {
			if (k)
				printf(",");
			status_json(stdout, &full, false);
		} else {
			if (k)
				printf("\n");
			print_human(&full, q);
		}
		ns_info_free(&full);
	}
	if (fl->json)
		printf("]\n");
	strv_free(names, n);
	ns_reader_close(&rd);
	return 0;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	struct error e = { 0 };
	struct sd_query q = { 0 };
	struct ns_info i;
	int first = cli_flags("status", argc, argv, FLAG_JSON, &fl), r = 0;

	if (first < 0)
		return EXIT_USAGE;
	if (first + 1 < argc)
		return cli_usage("status", "too many arguments");
	if (first == argc) {
		r = status_all(cli, &fl, &q);
		sd_query_close(&q);
		return r;
	}
	if (ns_info_read(cli->config_dir, argv[first], true, &i, &e) < 0)
		return cli_error(&e);
	if (!i.configured && i.state == NS_DOWN) {
		ns_info_free(&i);
		fprintf(stderr, "netnsctl: no namespace or config named '%s' in /run/netns or %s (see netnsctl list)\n",
			argv[first], cli->config_dir);
		return EXIT_OP;
	}
	if (fl.json)
		status_json(stdout, &i, fl.pretty);
	else
		print_human(&i, &q);
	ns_info_free(&i);
	sd_query_close(&q);
	return 0;
}
