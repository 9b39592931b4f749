/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CNI plugin mode, the output side: the ADD result read back from the live
 * namespace, CHECK against it, VERSION and error documents, and the
 * attachment records GC works from. */
#include "cni.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/stat.h>

#include "apply.h"
#include "live.h"
#include "netlink.h"
#include "netns.h"
#include "state.h"

struct out {
	const struct jsonl *J;
	json_t *res;
	bool old; /* cniVersion before 1.0.0: ips carry "version" */
};

static int set_new(const struct jsonl *J, json_t *o, const char *key, json_t *v)
{
	return v && J->object_set_new(o, key, v) == 0 ? 0 : -ENOMEM;
}

static int set_str(const struct jsonl *J, json_t *o, const char *key, const char *s)
{
	return set_new(J, o, key, J->string(s));
}

/* o[key] as an array, created if absent. */
static json_t *array_of(const struct jsonl *J, json_t *o, const char *key)
{
	json_t *a = J->object_get(o, key);

	if (json_is_array(a))
		return a;
	a = J->array();
	return set_new(J, o, key, a) == 0 ? a : NULL;
}

static int append(const struct jsonl *J, json_t *a, json_t *v)
{
	return a && v && J->array_append_new(a, v) == 0 ? 0 : -ENOMEM;
}

static const char *addr_str(const struct cfg_addr *a, bool prefix, char *buf, size_t size)
{
	return cfg_addr_to_string(a, prefix, buf, size);
}

static int add_iface(struct out *o, const char *name, const struct live_link *ll, const char *sandbox,
		     size_t *ret_idx)
{
	const struct jsonl *J = o->J;
	json_t *ifs = array_of(J, o->res, "interfaces"), *i = J->object();
	char mac[18];
	int r;

	if (!ifs || !i) {
		jl_decref(i);
		return -ENOMEM;
	}
	r = set_str(J, i, "name", name);
	if (r == 0 && ll->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ll->mac[0], ll->mac[1], ll->mac[2],
			 ll->mac[3], ll->mac[4], ll->mac[5]);
		r = set_str(J, i, "mac", mac);
	}
	if (r == 0 && sandbox)
		r = set_str(J, i, "sandbox", sandbox);
	*ret_idx = J->array_size(ifs);
	if (r < 0) {
		jl_decref(i);
		return r;
	}
	return append(J, ifs, i);
}

static int add_ip(struct out *o, const struct cfg_addr *a, const struct cfg_link *l, size_t idx)
{
	const struct jsonl *J = o->J;
	json_t *ip = J->object();
	char buf[64];
	int r;

	if (!ip)
		return -ENOMEM;
	r = set_str(J, ip, "address", addr_str(a, true, buf, sizeof(buf)));
	if (r == 0 && o->old)
		r = set_str(J, ip, "version", a->family == AF_INET ? "4" : "6");
	if (r == 0)
		r = set_new(J, ip, "interface", J->integer((json_int_t)idx));
	for (size_t g = 0; r == 0 && g < l->gateways.n; g++)
		if (l->gateways.v[g].family == a->family)
			r = set_str(J, ip, "gateway", addr_str(&l->gateways.v[g], false, buf, sizeof(buf)));
	if (r < 0) {
		jl_decref(ip);
		return r;
	}
	return append(J, array_of(J, o->res, "ips"), ip);
}

/* dst NULL: the default route of gw's family. */
static int add_route(struct out *o, const struct cfg_addr *dst, const struct cfg_addr *gw)
{
	const struct jsonl *J = o->J;
	json_t *rt = J->object();
	char buf[64];
	int family = dst ? dst->family : gw->family;
	int r;

	if (!rt)
		return -ENOMEM;
	if (dst)
		r = set_str(J, rt, "dst", addr_str(dst, true, buf, sizeof(buf)));
	else
		r = set_str(J, rt, "dst", family == AF_INET ? "0.0.0.0/0" : "::/0");
	if (r == 0 && gw && gw->family)
		r = set_str(J, rt, "gw", addr_str(gw, false, buf, sizeof(buf)));
	if (r < 0) {
		jl_decref(rt);
		return r;
	}
	return append(J, array_of(J, o->res, "routes"), rt);
}

static bool has_host_end(const struct cfg_link *l)
{
	return l->kind.v == LINK_VETH || l->kind.v == LINK_BRIDGE;
}

/* Interfaces as the bridge plugin lists them: a veth's host end first (no
 * sandbox), then the end inside. ips point at the inside end. */
static int add_links(struct out *o, const struct cfg *c, const char *sandbox, struct nl_sock *ns,
		     struct nl_sock *host, struct error *e)
{
	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		struct live_link in, he;
		size_t idx = 0;
		int r;

		if (has_host_end(l)) {
			r = live_get_link(host, l->host_name.v, &he, e);
			if (r == 0)
				r = add_iface(o, l->host_name.v, &he, NULL, &idx);
			if (r < 0)
				return err_set(e, r, "reading host end '%s'", l->host_name.v);
		}
		r = live_get_link(ns, l->name.v, &in, e);
		if (r == 0)
			r = add_iface(o, l->name.v, &in, sandbox, &idx);
		for (size_t a = 0; r == 0 && a < l->addrs.n; a++)
			r = add_ip(o, &l->addrs.v[a], l, idx);
		for (size_t g = 0; r == 0 && g < l->gateways.n; g++)
			r = add_route(o, NULL, &l->gateways.v[g]);
		if (r < 0)
			return err_set(e, r, "reading link '%s'", l->name.v);
	}
	return 0;
}

/* Our dns replaces prevResult's: the config says who answers inside. */
static int add_dns(struct out *o, const struct cfg *c)
{
	const struct jsonl *J = o->J;
	json_t *dns, *ns, *search = NULL;
	char buf[64];
	int r = 0;

	if (c->nameservers.n == 0)
		return J->object_get(o->res, "dns") ? 0 : set_new(J, o->res, "dns", J->object());
	dns = J->object();
	if (set_new(J, o->res, "dns", dns) < 0 || !(ns = array_of(J, dns, "nameservers")))
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < c->nameservers.n; i++)
		r = append(J, ns, J->string(addr_str(&c->nameservers.v[i], false, buf, sizeof(buf))));
	if (r == 0 && c->search.n && !(search = array_of(J, dns, "search")))
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < c->search.n; i++)
		r = append(J, search, J->string(c->search.v[i].v));
	return r;
}

static int build_result(struct out *o, const struct cni_conf *conf, const char *sandbox, struct nl_sock *ns,
			struct nl_sock *host, struct error *e)
{
	const struct cfg *c = conf->cfg;
	int r;

	if (set_str(o->J, o->res, "cniVersion", conf->version) < 0 || !array_of(o->J, o->res, "interfaces") ||
	    !array_of(o->J, o->res, "ips"))
		return err_set(e, -ENOMEM, "rendering the result");
	r = add_links(o, c, sandbox, ns, host, e);
	for (size_t i = 0; r == 0 && i < c->n_routes; i++)
		r = add_route(o, &c->routes[i].dst, &c->routes[i].gw);
	if (r == 0)
		r = add_dns(o, c);
	return r < 0 ? err_set(e, r, "rendering the result") : 0;
}

int cni_result(const struct cni_conf *conf, const struct cni_env *env, char **ret, struct error *e)
{
	const struct jsonl *J = jsonl_get();
	_cleanup_close_ int fd = open(env->netns, O_RDONLY | O_CLOEXEC);
	struct nl_sock ns = { 0 }, host = { 0 };
	json_t *prev = J->object_get(conf->root, "prevResult");
	struct out o = { .J = J, .old = strcmp(conf->version, "1.0.0") < 0 };
	char *s = NULL;
	int r;

	if (fd < 0)
		return err_set(e, -errno, "opening %s", env->netns);
	o.res = json_is_object(prev) ? J->deep_copy(prev) : J->object();
	if (!o.res)
		return err_set(e, -ENOMEM, "rendering the result");
	r = nl_open_in(&ns, NETLINK_ROUTE, fd, e);
	if (r == 0)
		r = nl_open(&host, NETLINK_ROUTE, e);
	if (r == 0)
		r = build_result(&o, conf, env->netns, &ns, &host, e);
	if (r == 0 && !(s = J->dumps(o.res, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		r = err_set(e, -ENOMEM, "rendering the result");
	nl_close(&ns);
	nl_close(&host);
	jl_decref(o.res);
	if (r == 0)
		*ret = s;
	return r;
}

/* ---- CHECK -------------------------------------------------------------- */

static int check_fail(struct error *e, const struct cfg_loc *loc, int code, const char *fmt, const char *a,
		      const char *b)
{
	err_set(e, code, fmt, a, b);
	e->no_errno_text = true;
	err_at(e, loc->file, loc->line);
	return code;
}

static bool same_ip(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && memcmp(a->raw, b->raw, a->family == AF_INET ? 4 : 16) == 0;
}

static bool has_route(const struct live *live, const struct cfg_addr *dst, int family, const struct cfg_addr *gw,
		      int oif)
{
	for (size_t i = 0; i < live->n_routes; i++) {
		const struct live_route *lr = &live->routes[i];
		bool dst_ok = dst && dst->family ? lr->dst.family == dst->family && lr->dst.prefixlen == dst->prefixlen &&
							   same_ip(&lr->dst, dst)
						 : lr->dst.prefixlen == 0 && (lr->dst.family == family || !lr->dst.family);
		if (dst_ok && (!gw || !gw->family || same_ip(&lr->gw, gw)) && (!oif || lr->oif == oif))
			return true;
	}
	return false;
}

static int check_link(const struct live *live, const struct cfg_link *l, struct error *e)
{
	const struct live_link *ll = live_link_by_name(live, l->name.v);
	char buf[64];

	if (!ll)
		return check_fail(e, &l->loc, -ENODEV, "link '%s' is missing%s", l->name.v, "");
	if (!(ll->flags & IFF_UP))
		return check_fail(e, &l->loc, -ENETDOWN, "link '%s' is down%s", l->name.v, "");
	if (l->mac.loc.line && (!ll->has_mac || memcmp(ll->mac, l->mac.v, 6) != 0))
		return check_fail(e, &l->mac.loc, -EINVAL, "link '%s' has another MAC address%s", l->name.v, "");
	if (l->mtu.loc.line && ll->mtu != l->mtu.v)
		return check_fail(e, &l->mtu.loc, -EINVAL, "link '%s' has another MTU%s", l->name.v, "");
	for (size_t i = 0; i < l->addrs.n; i++) {
		bool found = false;
		for (size_t k = 0; k < live->n_addrs; k++)
			found |= live->addrs[k].ifindex == ll->ifindex && cfg_addr_equal(&live->addrs[k].a, &l->addrs.v[i]);
		if (!found)
			return check_fail(e, &l->addrs.v[i].loc, -EADDRNOTAVAIL, "address %s is missing on '%s'",
					  addr_str(&l->addrs.v[i], true, buf, sizeof(buf)), l->name.v);
	}
	for (size_t i = 0; i < l->gateways.n; i++)
		if (!has_route(live, NULL, l->gateways.v[i].family, &l->gateways.v[i], ll->ifindex))
			return check_fail(e, &l->gateways.v[i].loc, -ENETUNREACH, "default route via %s on '%s' is missing",
					  addr_str(&l->gateways.v[i], false, buf, sizeof(buf)), l->name.v);
	return 0;
}

/* Interfaces an earlier plugin of the chain put in this sandbox. */
static int check_prev(const struct jsonl *J, const struct cni_conf *conf, const char *netns, const struct live *live,
		      struct error *e)
{
	json_t *ifs = J->object_get(J->object_get(conf->root, "prevResult"), "interfaces");

	for (size_t i = 0; json_is_array(ifs) && i < J->array_size(ifs); i++) {
		json_t *itf = J->array_get(ifs, i);
		json_t *name = J->object_get(itf, "name"), *sb = J->object_get(itf, "sandbox");
		if (!json_is_string(name) || !json_is_string(sb) || !STREQ(J->string_value(sb), netns))
			continue;
		if (!live_link_by_name(live, J->string_value(name))) {
			err_set(e, -ENODEV, "prevResult.interfaces[%zu]: '%s' is missing in the sandbox", i,
				J->string_value(name));
			e->no_errno_text = true;
			return -ENODEV;
		}
	}
	return 0;
}

static int check_live(const struct cni_conf *conf, const char *netns, const struct live *live, struct nl_sock *host,
		      struct error *e)
{
	const struct cfg *c = conf->cfg;
	struct live_link he;
	char buf[64];
	int r;

	for (size_t i = 0; i < c->n_links; i++) {
		r = check_link(live, &c->links[i], e);
		if (r == 0 && has_host_end(&c->links[i]) && live_get_link(host, c->links[i].host_name.v, &he, NULL) < 0)
			r = check_fail(e, &c->links[i].loc, -ENODEV, "host end '%s' is missing%s",
				       c->links[i].host_name.v, "");
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct cfg_route *rt = &c->routes[i];
		if (!has_route(live, &rt->dst, rt->dst.family, &rt->gw, 0))
			return check_fail(e, &rt->loc, -ENETUNREACH, "route to %s is missing%s",
					  addr_str(&rt->dst, true, buf, sizeof(buf)), "");
	}
	return check_prev(jsonl_get(), conf, netns, live, e);
}

int cni_check(const struct cni_conf *conf, const struct cni_env *env, struct error *e)
{
	_cleanup_close_ int fd = -1;
	struct nl_sock ns = { 0 }, host = { 0 };
	struct live live = { 0 };
	int r;

	if (!state_exists(conf->cfg->name)) {
		r = err_set(e, -ENOENT, "no attachment for this container and interface (was ADD run?)");
		e->no_errno_text = true;
		return r;
	}
	fd = open(env->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "opening %s", env->netns);
	r = nl_open_in(&ns, NETLINK_ROUTE, fd, e);
	if (r == 0)
		r = nl_open(&host, NETLINK_ROUTE, e);
	if (r == 0)
		r = live_read(&ns, LIVE_ALL, &live, e);
	if (r == 0)
		r = check_live(conf, env->netns, &live, &host, e);
	live_free(&live);
	nl_close(&ns);
	nl_close(&host);
	return r;
}

/* ---- documents ---------------------------------------------------------- */

char *cni_version_json(const char *requested)
{
	char *s = NULL;

	if (asprintf(&s, "{\"cniVersion\":\"%s\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}\n",
		     cni_version_supported(requested) ? requested : "1.0.0") < 0)
		return NULL;
	return s;
}

char *cni_error_json(const char *version, const struct cni_error *ce)
{
	const struct jsonl *J = jsonl_get();
	json_t *o;
	char *s = NULL, *line = NULL;

	/* Without jansson, a fixed text that needs no escaping still obeys
	 * the protocol. */
	if (!J) {
		if (asprintf(&line, "{\"cniVersion\":\"1.0.0\",\"code\":%d,\"msg\":\"netnsctl: error (libjansson.so.4 is missing)\"}\n",
			     ce->code) < 0)
			return NULL;
		return line;
	}
	o = J->object();
	if (o && set_str(J, o, "cniVersion", cni_version_supported(version) ? version : "1.0.0") == 0 &&
	    set_new(J, o, "code", J->integer(ce->code)) == 0 && set_str(J, o, "msg", ce->msg) == 0 &&
	    (!ce->details[0] || set_str(J, o, "details", ce->details) == 0))
		s = J->dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	jl_decref(o);
	if (s && asprintf(&line, "%s\n", s) < 0)
		line = NULL;
	free(s);
	return line;
}

/* ---- attachment records and GC ------------------------------------------ */

static int attach_dir(char *buf, size_t size)
{
	return snprintf(buf, size, "%s/cni", state_dir()) < (int)size ? 0 : -ENAMETOOLONG;
}

static int write_file(const char *dir, const char *name, const char *text, struct error *e)
{
	char tmp[PATH_MAX + 320], path[PATH_MAX + 320];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text), off = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(e, -errno, "writing %s", tmp);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			unlink(tmp);
			return err_set(e, r, "writing %s", tmp);
		}
		off += (size_t)n;
	}
	if (rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return err_set(e, r, "renaming %s", tmp);
	}
	return 0;
}

int cni_attach_save(const struct cni_conf *conf, const struct cni_env *env, struct error *e)
{
	const struct jsonl *J = jsonl_get();
	char dir[PATH_MAX];
	json_t *o = J->object();
	char *s = NULL;
	int r = attach_dir(dir, sizeof(dir));

	if (r == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = err_set(e, -errno, "creating %s", dir);
	if (r == 0 && (!o || set_str(J, o, "network", conf->network) < 0 ||
		       set_str(J, o, "containerID", env->containerid) < 0 || set_str(J, o, "ifname", env->ifname) < 0 ||
		       set_str(J, o, "netns", env->netns) < 0 || !(s = J->dumps(o, JSON_COMPACT))))
		r = err_set(e, -ENOMEM, "recording the attachment");
	if (r == 0)
		r = write_file(dir, conf->state_name, s, e);
	free(s);
	jl_decref(o);
	return r;
}

int cni_attach_remove(const char *state_name, struct error *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 80];

	if (attach_dir(dir, sizeof(dir)) < 0)
		return err_set(e, -ENAMETOOLONG, "state directory");
	snprintf(path, sizeof(path), "%s/%s", dir, state_name);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, -errno, "removing %s", path);
	return 0;
}

/* The attachment record's JSON, or NULL if unreadable. */
static json_t *attach_load(const char *dir, const char *name)
{
	const struct jsonl *J = jsonl_get();
	char path[PATH_MAX + 320], buf[4096];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf))) <= 0)
		return NULL;
	return J->loadb(buf, (size_t)n, 0, NULL);
}

static const char *str_of(const json_t *o, const char *key)
{
	const struct jsonl *J = jsonl_get();
	json_t *v = J->object_get(o, key);
	return json_is_string(v) ? J->string_value(v) : "";
}

static bool attachment_valid(const json_t *valid, const json_t *rec)
{
	const struct jsonl *J = jsonl_get();

	for (size_t i = 0; i < J->array_size(valid); i++) {
		json_t *v = J->array_get(valid, i);
		if (STREQ(str_of(v, "containerID"), str_of(rec, "containerID")) &&
		    STREQ(str_of(v, "ifname"), str_of(rec, "ifname")))
			return true;
	}
	return false;
}

/* Take down one attachment of ours that the runtime no longer knows. */
static int gc_one(const char *dir, const char *name, const struct cni_conf *conf, const json_t *valid,
		  struct error *e)
{
	json_t *rec = attach_load(dir, name);
	int r = 0;

	if (rec && STREQ(str_of(rec, "network"), conf->network) && !attachment_valid(valid, rec) &&
	    ns_name_valid(name)) {
		r = apply_down(name, false, e);
		if (r == 0)
			r = cni_attach_remove(name, e);
	}
	jl_decref(rec);
	return r;
}

int cni_gc(const struct cni_conf *conf, struct error *e)
{
	const struct jsonl *J = jsonl_get();
	json_t *valid = J->object_get(conf->root, "cni.dev/valid-attachments");
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int first = 0;

	if (!json_is_array(valid)) {
		int r = err_cfg(e, NULL, 0, "cni.dev/valid-attachments: missing or not an array");
		return r;
	}
	if (attach_dir(dir, sizeof(dir)) < 0)
		return err_set(e, -ENAMETOOLONG, "state directory");
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_set(e, -errno, "opening %s", dir);
	while ((de = readdir(d))) {
		struct error one = { 0 };
		if (de->d_name[0] == '.')
			continue;
		int r = gc_one(dir, de->d_name, conf, valid, first ? &one : e);
		if (r < 0 && !first)
			first = r;
	}
	closedir(d);
	return first;
}
