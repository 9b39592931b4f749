/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "status.h"

#include <fcntl.h>
#include <sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "json.h"
#include "netns.h"
#include "nft.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

const char *ns_state_to_string(enum ns_state s)
{
	switch (s) {
	case NS_UP:
		return "up";
	case NS_PARTIAL:
		return "partial";
	case NS_DOWN:
	default:
		return "down";
	}
}

/* A reader without an index (ns_info_read, one name) asks the file system
 * about that one config, as cfg_load does. */
static void read_cfg(const struct ns_reader *rd, struct ns_info *i)
{
	char path[512];
	struct error e = { 0 };
	int r;

	if (rd->cfgs.dir) {
		if (!cfg_dir_index_has(&rd->cfgs, i->name))
			return;
		i->configured = true;
		r = cfg_load_indexed(&rd->cfgs, i->name, &i->cfg, &e);
	} else {
		snprintf(path, sizeof(path), "%s/%s.conf", rd->cfg_dir, i->name);
		if (access(path, F_OK) < 0)
			return;
		i->configured = true;
		r = cfg_load(rd->cfg_dir, i->name, &i->cfg, &e);
	}
	if (r < 0)
		err_format(&e, i->cfg_error, sizeof(i->cfg_error));
}

/* nl_open_in, coming back to the reader's own namespace when it has one
 * open: opening /proc/thread-self/ns/net for every namespace was a path
 * walk through procfs each time. */
static int open_nl_in(const struct ns_reader *rd, struct nl_sock *nl, int ns_fd, struct error *e)
{
	int r;

	if (rd->self_fd < 0)
		return nl_open_in(nl, NETLINK_ROUTE, ns_fd, e);
	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return err_set(e, -errno, "entering network namespace");
	r = nl_open(nl, NETLINK_ROUTE, e);
	if (setns(rd->self_fd, CLONE_NEWNET) < 0) {
		/* Cannot happen for a namespace we were just in; never continue
		 * in the wrong namespace. */
		perror("netnsctl: returning to own network namespace");
		abort();
	}
	return r;
}

int ns_reader_read(const struct ns_reader *rd, const char *name, bool detail, struct ns_info *ret,
		   struct error *e)
{
	struct ns_info i = { 0 };
	struct nl_sock nl;
	int fd = -1, one = 1, r;

	if (!ns_name_valid(name))
		return err_cfg(e, NULL, 0, "invalid namespace name '%.64s'", name);
	strscpy(i.name, sizeof(i.name), name);
	read_cfg(rd, &i);
	r = state_load(name, &i.st, e);
	if (r < 0 && r != -ENOENT)
		goto fail;
	i.managed = r == 0;
	r = ns_open(name, &fd, e);
	if (r < 0 && r != -ENOENT)
		goto fail;
	if (r == -ENOENT) {
		*ret = i;
		return 0;
	}
	i.state = i.managed && !i.st->complete ? NS_PARTIAL : NS_UP;
	r = open_nl_in(rd, &nl, fd, e);
	close(fd);
	if (r < 0)
		goto fail;
	/* Best effort, as `ip route` does: with strict checking the kernel
	 * honours live_read's filter on routes (main table, unicast) and
	 * leaves out the cached exceptions (RTM_F_CLONED) it otherwise adds. */
	if (detail)
		mnl_socket_setsockopt(nl.mnl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	r = live_read(&nl, detail ? LIVE_ALL : LIVE_LINKS, &i.live, e);
	nl_close(&nl);
	if (r < 0)
		goto fail;
	for (size_t k = 0; k < i.live.n_links; k++)
		if (!(i.live.links[k].flags & IFF_LOOPBACK))
			i.n_links++;
	if (detail)
		i.fw = nft_status_for(name, i.st);
	*ret = i;
	return 0;
fail:
	ns_info_free(&i);
	return err_set(e, r, "reading status of '%s'", name);
}

int ns_info_read(const char *cfg_dir, const char *name, bool detail, struct ns_info *ret,
		 struct error *e)
{
	const struct ns_reader one = { .cfg_dir = cfg_dir, .self_fd = -1 };

	return ns_reader_read(&one, name, detail, ret, e);
}

void ns_info_free(struct ns_info *i)
{
	cfg_free(i->cfg);
	state_free(i->st);
	live_free(&i->live);
	nft_status_free(i->fw);
	memset(i, 0, sizeof(*i));
}

int ns_reader_open(struct ns_reader *rd, const char *cfg_dir, struct error *e)
{
	int r;

	memset(rd, 0, sizeof(*rd));
	rd->cfg_dir = cfg_dir;
	/* If this fails, nl_open_in tries again per namespace and reports it
	 * there, against the namespace, as it did before the reader. */
	rd->self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	r = cfg_dir_index_read(&rd->cfgs, cfg_dir, e);
	if (r < 0)
		ns_reader_close(rd);
	return r;
}

void ns_reader_close(struct ns_reader *rd)
{
	if (rd->self_fd >= 0)
		close(rd->self_fd);
	cfg_dir_index_free(&rd->cfgs);
	memset(rd, 0, sizeof(*rd));
	rd->self_fd = -1;
}

/* Names from /run/netns and from DIR/ *.conf: two sorted lists merged, a
 * name in both taken once. */
int ns_reader_names(const struct ns_reader *rd, char ***ret, size_t *ret_n, struct error *e)
{
	char **live = NULL, **v = NULL, *const *cf = rd->cfgs.confs;
	size_t n_live = 0, n = 0, a = 0, b = 0, n_cf = rd->cfgs.n_confs;
	int r = ns_list(&live, &n_live, e);

	if (r < 0)
		return r;
	v = calloc(n_live + n_cf + 1, sizeof(*v));
	while (v && (a < n_live || b < n_cf)) {
		int c = a == n_live ? 1 : b == n_cf ? -1 : strcmp(live[a], cf[b]);
		if (c < 0) {
			v[n++] = live[a];
			live[a++] = NULL;
			continue;
		}
		if (c == 0)
			a++; /* the same name: live[a] is freed below */
		if (!(v[n++] = strdup(cf[b++]))) {
			n--;
			strv_free(v, n);
			v = NULL;
		}
	}
	strv_free(live, n_live);
	if (!v)
		return err_set(e, -ENOMEM, "listing namespaces");
	*ret = v;
	*ret_n = n;
	return 0;
}

int ns_info_names(const char *cfg_dir, char ***ret, size_t *ret_n, struct error *e)
{
	struct ns_reader rd;
	int r = ns_reader_open(&rd, cfg_dir, e);

	if (r < 0)
		return r;
	r = ns_reader_names(&rd, ret, ret_n, e);
	ns_reader_close(&rd);
	return r;
}

int ns_info_list(const char *cfg_dir, struct ns_info **ret, size_t *ret_n, struct error *e)
{
	struct ns_reader rd;
	char **names = NULL;
	size_t n = 0;
	struct ns_info *v = NULL;
	int r = ns_reader_open(&rd, cfg_dir, e);

	if (r >= 0)
		r = ns_reader_names(&rd, &names, &n, e);
	if (r >= 0 && !(v = calloc(n ? n : 1, sizeof(*v))))
		r = err_set(e, -ENOMEM, "listing namespaces");
	for (size_t k = 0; r >= 0 && k < n; k++) {
		struct error one = { 0 };
		/* One broken entry (say, a file in /run/netns that is not a
		 * namespace, as while `ip netns add` runs) must not hide the
		 * others: it is listed with its error instead. */
		if (ns_reader_read(&rd, names[k], false, &v[k], &one) < 0) {
			memset(&v[k], 0, sizeof(v[k]));
			strscpy(v[k].name, sizeof(v[k].name), names[k]);
			v[k].state = NS_PARTIAL;
			err_format(&one, v[k].cfg_error, sizeof(v[k].cfg_error));
		}
		/* The list keeps the counts and flags, not what they came from:
		 * the state records (1.3 KB each) and the links made the peak
		 * memory of `list` grow by about 5 KB per namespace. */
		state_free(TAKE_PTR(v[k].st));
		live_free(&v[k].live);
	}
	strv_free(names, n);
	ns_reader_close(&rd);
	if (r < 0)
		return r;
	*ret = v;
	*ret_n = n;
	return 0;
}

void ns_info_list_free(struct ns_info *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		ns_info_free(&v[k]);
	free(v);
}

const char *ns_info_host_peer(const struct ns_info *i, const struct live_link *l)
{
	if (!i->cfg || !STREQ(l->kind, "veth"))
		return NULL;
	for (size_t k = 0; k < i->cfg->n_links; k++) {
		const struct cfg_link *cl = &i->cfg->links[k];
		if (STREQ(cl->name.v, l->name) && cl->host_name.v[0])
			return cl->host_name.v;
	}
	return NULL;
}

const char *ns_info_link_kind(const struct ns_info *i, const struct live_link *l)
{
	if (l->flags & IFF_LOOPBACK)
		return "loopback";
	/* Only a moved device carries the two-part marker netnsctl:NS:ORIG. */
	if (strncmp(l->alias, "netnsctl:", 9) == 0 && strchr(l->alias + 9, ':'))
		return "physical";
	if (i->cfg)
		for (size_t k = 0; k < i->cfg->n_links; k++)
			if (STREQ(i->cfg->links[k].name.v, l->name))
				return link_kind_to_string((enum link_kind)i->cfg->links[k].kind.v);
	return l->kind[0] ? l->kind : "device";
}

static const char *operstate_name(uint8_t s)
{
	static const char *const names[] = { "unknown", "notpresent", "down", "lowerlayerdown",
					     "testing", "dormant", "up" };
	return s < ELEMENTSOF(names) ? names[s] : "unknown";
}

/* "xx:xx:xx:xx:xx:xx"; by hand, as snprintf's format parsing cost more
 * than the rest of a link's JSON. */
static const char *mac_to_string(const uint8_t mac[6], char buf[18])
{
	static const char hex[] = "0123456789abcdef";

	for (int k = 0; k < 6; k++) {
		buf[3 * k] = hex[mac[k] >> 4];
		buf[3 * k + 1] = hex[mac[k] & 15];
		buf[3 * k + 2] = k < 5 ? ':' : '\0';
	}
	return buf;
}

static void json_link(struct json *j, const struct ns_info *i, const struct live_link *l)
{
	char buf[64];
	const char *peer = ns_info_host_peer(i, l);

	json_object_begin(j);
	json_kv_string(j, "name", l->name);
	json_kv_int(j, "ifindex", l->ifindex);
	json_kv_string(j, "kind", ns_info_link_kind(i, l));
	json_kv_string(j, "state", (l->flags & IFF_UP) ? "up" : "down");
	json_kv_string(j, "operstate", operstate_name(l->operstate));
	json_kv_int(j, "mtu", l->mtu);
	if (l->has_mac)
		json_kv_string(j, "mac", mac_to_string(l->mac, buf));
	json_key(j, "host_peer");
	if (peer)
		json_string(j, peer);
	else
		json_null(j);
	if (strncmp(l->alias, "netnsctl:", 9) == 0 && strchr(l->alias + 9, ':'))
		json_kv_string(j, "original_name", strchr(l->alias + 9, ':') + 1);
	json_key(j, "addresses");
	json_array_begin(j);
	for (size_t k = 0; k < i->live.n_addrs; k++)
		if (i->live.addrs[k].ifindex == l->ifindex)
			json_string(j, cfg_addr_to_string(&i->live.addrs[k].a, true, buf, sizeof(buf)));
	json_array_end(j);
	json_object_end(j);
}

static void json_route(struct json *j, const struct ns_info *i, const struct live_route *rt)
{
	char buf[64];
	const struct live_link *l = live_link_by_index(&i->live, rt->oif);

	json_object_begin(j);
	json_kv_string(j, "family", rt->dst.family == AF_INET ? "ipv4" : "ipv6");
	json_kv_string(j, "destination",
		       rt->dst.prefixlen ? cfg_addr_to_string(&rt->dst, true, buf, sizeof(buf)) : "default");
	json_key(j, "gateway");
	if (rt->gw.family)
		json_string(j, cfg_addr_to_string(&rt->gw, false, buf, sizeof(buf)));
	else
		json_null(j);
	json_key(j, "device");
	if (l)
		json_string(j, l->name);
	else
		json_null(j);
	json_kv_int(j, "metric", rt->metric);
	json_kv_string(j, "protocol", rt->protocol == RTPROT_KERNEL ? "kernel"
				     : rt->protocol == RTPROT_STATIC ? "netnsctl"
								      : "other");
	json_object_end(j);
}

static void json_common(struct json *j, const struct ns_info *i)
{
	json_kv_string(j, "name", i->name);
	json_kv_bool(j, "managed", i->managed);
	json_kv_bool(j, "configured", i->configured);
	json_kv_string(j, "state", ns_state_to_string(i->state));
	json_kv_int(j, "links", (int64_t)i->n_links);
	json_key(j, "joins");
	json_array_begin(j);
	for (size_t k = 0; i->cfg && k < i->cfg->joins.n; k++)
		json_string(j, i->cfg->joins.v[k].v);
	json_array_end(j);
	if (i->cfg_error[0])
		json_kv_string(j, "config_error", i->cfg_error);
}

void status_json(FILE *f, const struct ns_info *i, bool pretty)
{
	struct json j;

	json_init(&j, f, pretty);
	json_object_begin(&j);
	json_common(&j, i);
	if (i->cfg && i->cfg->description.v)
		json_kv_string(&j, "description", i->cfg->description.v);
	json_key(&j, "interfaces");
	json_array_begin(&j);
	for (size_t k = 0; k < i->live.n_links; k++)
		json_link(&j, i, &i->live.links[k]);
	json_array_end(&j);
	json_key(&j, "routes");
	json_array_begin(&j);
	for (size_t k = 0; k < i->live.n_routes; k++)
		json_route(&j, i, &i->live.routes[k]);
	json_array_end(&j);
	if (i->fw) {
		json_key(&j, "firewall");
		nft_status_json(&j, i->fw);
	}
	json_object_end(&j);
	json_finish(&j);
}

void list_json(FILE *f, const struct ns_info *v, size_t n, bool pretty)
{
	struct json j;

	json_init(&j, f, pretty);
	json_array_begin(&j);
	for (size_t k = 0; k < n; k++) {
		json_object_begin(&j);
		json_common(&j, &v[k]);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}
