/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the config parser: ini_parse, the schema handlers
 * and cfg_validate, on one main file plus drop-ins.
 *
 * The input is split on the line FILE_MARKER; the first part is parsed as
 * fuzz.conf and each further part as a drop-in, in order, into the same
 * struct cfg (as cfg_load does), so repeated sections, list resets and
 * continuations across several files are reached. Each part is copied to
 * its own exact-size buffer so an over-read past a file's end is caught.
 *
 * Beyond "no crash, no leak", it checks the promises later stages rely on:
 * a config error always names a file and a line, and a validated config
 * holds only valid names and fully-typed routes. A broken promise aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "config.h"

#define FILE_MARKER "\n#--next-file--\n"

static void check(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_config: broken invariant: %s\n", what);
		abort();
	}
}

static void check_error(const struct error *e, int r)
{
	char buf[2048];

	check(r < 0 && e->code == r, "a failure returns the recorded code");
	err_format(e, buf, sizeof(buf));
	if (r == -ENOMEM)
		return;
	check(e->kind == ERR_CONFIG && err_exit_status(e) == 2, "a parse error is a config error");
	check(e->file[0] != '\0', "a config error names a file");
	check(e->line > 0, "a config error names a line");
	check(e->msg[0] != '\0', "a config error has a message");
}

static void check_addr(const struct cfg_addr *a)
{
	char buf[64];

	check(a->family == AF_INET || a->family == AF_INET6, "address has a family");
	check(a->prefixlen <= (a->family == AF_INET ? 32 : 128), "prefix length in range");
	check(a->loc.file && a->loc.line > 0, "address has a location");
	cfg_addr_to_string(a, true, buf, sizeof(buf));
}

static void check_addrs(const struct cfg_addr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		check_addr(&l->v[i]);
}

static void check_valid(const struct cfg *c)
{
	check(ns_name_valid(c->name), "namespace name is valid");
	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		check(l->kind.v >= 0 && l->kind.v < _LINK_KIND_MAX, "link kind in range");
		check(ifname_valid(l->name.v), "link name is a valid interface name");
		if (l->kind.v == LINK_VETH || l->kind.v == LINK_BRIDGE)
			check(ifname_valid(l->host_name.v), "host name is a valid interface name");
		for (size_t j = 0; j < i; j++)
			check(!STREQ(l->name.v, c->links[j].name.v), "link names are unique");
		check_addrs(&l->addrs);
		check_addrs(&l->gateways);
		check_addrs(&l->host_addrs);
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct cfg_route *rt = &c->routes[i];
		check(rt->dst.family == AF_INET || rt->dst.family == AF_INET6, "route destination has a family");
		check(!rt->gw.family || rt->gw.family == rt->dst.family, "route families agree");
		if (rt->gw.family)
			check_addr(&rt->gw);
	}
	check_addrs(&c->nameservers);
	check(!c->dns_loc.line || c->nameservers.n > 0, "[DNS] has a nameserver");
	for (size_t i = 0; i < c->sysctls.n; i++)
		check(sysctl_key_valid(c->sysctls.v[i].key), "sysctl key is valid");
	for (size_t i = 0; i < c->joins.n; i++)
		check(unit_name_valid(c->joins.v[i].v), "joined unit name is valid");
}

/* Parse one part from its own exact-size copy. */
static int parse_part(struct cfg *c, const uint8_t *p, size_t n, unsigned index, struct error *e)
{
	char name[64];
	char *copy = malloc(n ? n : 1);
	int r;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, n);
	if (index == 0)
		snprintf(name, sizeof(name), "fuzz.conf");
	else
		snprintf(name, sizeof(name), "fuzz.conf.d/%02u.conf", index);
	r = cfg_parse_text(c, copy, n, name, e);
	free(copy);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t mlen = sizeof(FILE_MARKER) - 1;
	struct cfg *c = cfg_new();
	struct error e = { 0 };
	size_t pos = 0;
	unsigned index = 0;
	int r = 0;

	if (!c)
		return 0;
	strscpy(c->name, sizeof(c->name), "fuzz");
	while (r == 0) {
		const uint8_t *m = size - pos >= mlen ? memmem(data + pos, size - pos, FILE_MARKER, mlen) : NULL;
		size_t n = m ? (size_t)(m - (data + pos)) : size - pos;

		r = parse_part(c, data + pos, n, index++, &e);
		if (!m)
			break;
		pos += n + mlen;
	}
	if (r == 0)
		r = cfg_validate(c, &e);
	if (r < 0)
		check_error(&e, r);
	else
		check_valid(c);
	cfg_free(c);
	return 0;
}
