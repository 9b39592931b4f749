/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl status [--json] [NAME]: links, addresses and routes, read live.
 * Without NAME, every namespace in turn. */
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "cli.h"
#include "status.h"

static void print_human(const struct ns_info *i)
{
	char buf[64], gw[64];

	printf("%s: %s%s%s\n", i->name, ns_state_to_string(i->state), i->managed ? " (managed)" : i->state != NS_DOWN ? " (unmanaged)" : "",
	       i->cfg && i->cfg->description.v ? "" : "");
	if (i->cfg && i->cfg->description.v)
		printf("  description: %s\n", i->cfg->description.v);
	if (i->cfg_error[0])
		printf("  config error: %s\n", i->cfg_error);
	for (size_t k = 0; i->cfg && k < i->cfg->joins.n; k++)
		printf("  joined unit: %s\n", i->cfg->joins.v[k].v);
	for (size_t k = 0; k < i->live.n_links; k++) {
		const struct live_link *l = &i->live.links[k];
		const char *peer = ns_info_host_peer(i, l);
		printf("  link %-15s %-4s mtu %-5u", l->name, (l->flags & IFF_UP) ? "up" : "down", l->mtu);
		if (l->has_mac && !(l->flags & IFF_LOOPBACK))
			printf(" %02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1], l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
		if (peer)
			printf(" host:%s", peer);
		if (strncmp(l->alias, "netnsctl:", 9) == 0 && strchr(l->alias + 9, ':'))
			printf(" (host device %s)", strchr(l->alias + 9, ':') + 1);
		printf("\n");
		for (size_t a = 0; a < i->live.n_addrs; a++)
			if (i->live.addrs[a].ifindex == l->ifindex)
				printf("    %s\n", cfg_addr_to_string(&i->live.addrs[a].a, true, buf, sizeof(buf)));
	}
	for (size_t k = 0; k < i->live.n_routes; k++) {
		const struct live_route *rt = &i->live.routes[k];
		const struct live_link *l = live_link_by_index(&i->live, rt->oif);
		if (rt->protocol == RTPROT_KERNEL)
			continue;
		printf("  route %s", rt->dst.prefixlen ? cfg_addr_to_string(&rt->dst, true, buf, sizeof(buf)) : "default");
		if (rt->gw.family)
			printf(" via %s", cfg_addr_to_string(&rt->gw, false, gw, sizeof(gw)));
		if (l)
			printf(" dev %s", l->name);
		printf("\n");
	}
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	struct error e = { 0 };
	int first = cli_flags("status", argc, argv, FLAG_JSON, &fl);

	if (first < 0)
		return EXIT_USAGE;
	if (first + 1 < argc)
		return cli_usage("status", "too many arguments");
	if (first == argc) {
		struct ns_info *v = NULL;
		size_t n = 0;
		if (ns_info_list(cli->config_dir, &v, &n, &e) < 0)
			return cli_error(&e);
		if (fl.json)
			printf("[");
		for (size_t k = 0; k < n; k++) {
			struct ns_info full;
			struct error fe = { 0 };
			if (ns_info_read(cli->config_dir, v[k].name, true, &full, &fe) < 0) {
				cli_error(&fe);
				continue;
			}
			if (fl.json) {
				if (k)
					printf(",");
				fflush(stdout);
				status_json(stdout, &full, false);
			} else {
				print_human(&full);
			}
			ns_info_free(&full);
		}
		if (fl.json)
			printf("]\n");
		ns_info_list_free(v, n);
		return 0;
	}
	struct ns_info i;
	if (ns_info_read(cli->config_dir, argv[first], true, &i, &e) < 0)
		return cli_error(&e);
	if (!i.configured && i.state == NS_DOWN) {
		ns_info_free(&i);
		fprintf(stderr, "netnsctl: no namespace or config named '%s'\n", argv[first]);
		return EXIT_OP;
	}
	if (fl.json)
		status_json(stdout, &i, fl.pretty);
	else
		print_human(&i);
	ns_info_free(&i);
	return 0;
}
