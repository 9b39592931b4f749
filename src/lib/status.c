/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "status.h"

#include <dirent.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "json.h"
#include "netns.h"
#include "nft.h"

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

static void read_cfg(const char *cfg_dir, struct ns_info *i)
{
	char path[512];
	struct error e = { 0 };

	snprintf(path, sizeof(path), "%s/%s.conf", cfg_dir, i->name);
	if (access(path, F_OK) < 0)
		return;
	i->configured = true;
	if (cfg_load(cfg_dir, i->name, &i->cfg, &e) < 0)
		err_format(&e, i->cfg_error, sizeof(i->cfg_error));
}

int ns_info_read(const char *cfg_dir, const char *name, bool detail, struct ns_info *ret,
		 struct error *e)
{
	struct ns_info i = { 0 };
	struct nl_sock nl;
	int fd = -1, r;

	if (!ns_name_valid(name))
		return err_cfg(e, NULL, 0, "invalid namespace name '%.64s'", name);
	strscpy(i.name, sizeof(i.name), name);
	read_cfg(cfg_dir, &i);
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
	r = nl_open_in(&nl, NETLINK_ROUTE, fd, e);
	close(fd);
	if (r < 0)
		goto fail;
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

void ns_info_free(struct ns_info *i)
{
	cfg_free(i->cfg);
	state_free(i->st);
	live_free(&i->live);
	nft_status_free(i->fw);
	memset(i, 0, sizeof(*i));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names from /run/netns and from DIR/ *.conf, merged without duplicates. */
int ns_info_names(const char *cfg_dir, char ***ret, size_t *ret_n, struct error *e)
{
	char **v = NULL;
	size_t n = 0, n_live;
	DIR *d;
	int r = ns_list(&v, &n, e);

	if (r < 0)
		return r;
	n_live = n; /* sorted by ns_list: searched with bsearch below */
	d = opendir(cfg_dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		char name[NS_NAME_MAX + 8];
		const char *key = name;
		if (len <= 5 || len > NS_NAME_MAX + 5 || !STREQ(de->d_name + len - 5, ".conf"))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (!ns_name_valid(name))
			continue;
		/* Config names are unique among themselves (one file each). */
		if (n_live && bsearch(&key, v, n_live, sizeof(*v), cmp_name))
			continue;
		char **slot = array_append(&v, &n, sizeof(*slot));
		if (!slot || !(*slot = strdup(name))) {
			if (slot)
				n--;
			r = err_set(e, -ENOMEM, "listing namespaces");
			break;
		}
	}
	if (d)
		closedir(d);
	if (r < 0) {
		strv_free(v, n);
		return r;
	}
	qsort(v, n, sizeof(*v), cmp_name);
	*ret = v;
	*ret_n = n;
	return 0;
}

int ns_info_list(const char *cfg_dir, struct ns_info **ret, size_t *ret_n, struct error *e)
{
	char **names = NULL;
	size_t n = 0;
	struct ns_info *v;
	int r = ns_info_names(cfg_dir, &names, &n, e);


	if (r < 0)
		return r;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		strv_free(names, n);
		return err_set(e, -ENOMEM, "listing namespaces");
	}
	for (size_t k = 0; k < n; k++) {
		struct error one = { 0 };
		/* One broken entry (say, a file in /run/netns that is not a
		 * namespace, as while `ip netns add` runs) must not hide the
		 * others: it is listed with its error instead. */
		if (ns_info_read(cfg_dir, names[k], false, &v[k], &one) < 0) {
			memset(&v[k], 0, sizeof(v[k]));
			strscpy(v[k].name, sizeof(v[k].name), names[k]);
			v[k].state = NS_PARTIAL;
			err_format(&one, v[k].cfg_error, sizeof(v[k].cfg_error));
		}
	}
	strv_free(names, n);
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

static const char *link_kind_live(const struct ns_info *i, const struct live_link *l)
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

static void json_link(struct json *j, const struct ns_info *i, const struct live_link *l)
{
	char buf[64];
	const char *peer = ns_info_host_peer(i, l);

	json_object_begin(j);
	json_kv_string(j, "name", l->name);
	json_kv_int(j, "ifindex", l->ifindex);
	json_kv_string(j, "kind", link_kind_live(i, l));
	json_kv_string(j, "state", (l->flags & IFF_UP) ? "up" : "down");
	json_kv_string(j, "operstate", operstate_name(l->operstate));
	json_kv_int(j, "mtu", l->mtu);
	if (l->has_mac) {
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1], l->mac[2],
			 l->mac[3], l->mac[4], l->mac[5]);
		json_kv_string(j, "mac", buf);
	}
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
