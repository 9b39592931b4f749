/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The up/down engine: namespace lifecycle, the undo stack and the order
 * of steps. Links live in apply_link.c, routes in apply_route.c. */
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "apply_int.h"
#include "netns.h"
#include "nft.h"

int undo_push(struct apply_ctx *ctx, const struct undo *u, struct error *e)
{
	struct undo *slot = array_append(&ctx->undo, &ctx->n_undo, sizeof(*slot));

	if (!slot)
		return err_set(e, -ENOMEM, "recording undo step");
	*slot = *u;
	ctx->changes++;
	return 0;
}

static void drop_record(struct apply_ctx *ctx, enum state_kind kind, const char *key)
{
	ssize_t i = state_find(ctx->st, kind, key);
	if (i >= 0)
		state_drop(ctx->st, (size_t)i, NULL);
}

static int undo_sysctl(struct apply_ctx *ctx, const struct undo *u, struct error *e)
{
	int saved = -1, r = ns_enter(ctx->ns_fd, &saved, e);

	if (r < 0)
		return r;
	r = sysctl_write(u->key, u->value, NULL, 0, e);
	ns_leave(&saved);
	return r;
}

static int undo_one(struct apply_ctx *ctx, const struct undo *u, struct error *e)
{
	struct nl_sock *nl = u->host ? &ctx->host : &ctx->ns;
	struct link_req req = LINK_REQ_INIT;
	ssize_t i;
	int r;

	switch (u->kind) {
	case U_NETNS:
		return ns_delete(ctx->c->name, e);
	case U_HOSTLINK:
		r = link_delete(&ctx->host, u->name, e);
		if (r == 0)
			drop_record(ctx, ST_HOSTLINK, u->name);
		return r;
	case U_PHYSICAL: {
		i = state_find(ctx->st, ST_PHYSICAL, u->name);
		if (i < 0)
			return 0;
		_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return err_set(e, -errno, "opening own network namespace");
		r = physical_return(ctx, &ctx->st->v[i], self, e);
		if (r == 0)
			drop_record(ctx, ST_PHYSICAL, u->name);
		return r;
	}
	case U_NSLINK:
		return link_delete(&ctx->ns, u->name, e);
	case U_ADDR:
		return addr_del(nl, u->ifindex, &u->addr, e);
	case U_ADDR_READD:
		return addr_add(nl, u->ifindex, &u->addr, e);
	case U_ROUTE:
		return route_del(nl, &u->route, e);
	case U_ROUTE_READD:
		return route_add(nl, &u->route, e);
	case U_LINKSET:
		req.mtu = u->mtu;
		req.mac = u->has_mac ? u->mac : NULL;
		req.up = u->up;
		req.master = u->master;
		r = link_set(nl, u->ifindex, &req, e);
		return r < 0 ? err_set(e, r, "restoring link '%s'", u->name) : 0;
	case U_SYSCTL:
		return undo_sysctl(ctx, u, e);
	case U_FILE:
		r = u->blob ? file_write_atomic(u->key, u->blob, e) : file_remove(u->key, e);
		if (r == 0 && !u->blob)
			drop_record(ctx, ST_FILE, u->key);
		return r;
	case U_DIR:
		r = file_remove(u->key, e);
		if (r == 0)
			drop_record(ctx, ST_FILE, u->key);
		return r;
	case U_DIR_READD:
		if (mkdir(u->key, 0755) < 0 && errno != EEXIST)
			return err_set(e, -errno, "re-creating %s", u->key);
		return state_add(ctx->st, ST_FILE, (const char *[STATE_FIELDS]){ u->key, "dir" }, e);
	case U_FILE_READD:
		r = file_write_atomic(u->key, u->blob ? u->blob : "", e);
		return r < 0 ? r : state_add(ctx->st, ST_FILE, (const char *[STATE_FIELDS]){ u->key, "file" }, e);
	case U_PROCESS:
		return vpn_undo_process(ctx, u, e);
	case U_NFT:
	case U_HOST_SYSCTL:
		return fw_undo(ctx, u, e);
	}
	return 0;
}

/* Unwind in reverse. Errors are reported on stderr only through the CLI's
 * record of the first failure; here we keep going so that as much as
 * possible is undone. */
void undo_all(struct apply_ctx *ctx)
{
	while (ctx->n_undo > 0) {
		struct error e = { 0 };
		struct undo *u = &ctx->undo[--ctx->n_undo];
		if (undo_one(ctx, u, &e) < 0) {
			char buf[1400];
			fprintf(stderr, "netnsctl: rollback: %s\n", err_format(&e, buf, sizeof(buf)));
		}
		free(u->blob);
	}
}

static void ctx_release(struct apply_ctx *ctx)
{
	fw_async_free(ctx);
	nl_close(&ctx->host);
	nl_close(&ctx->ns);
	live_free(&ctx->host_live);
	live_free(&ctx->live);
	for (size_t i = 0; i < ctx->n_undo; i++)
		free(ctx->undo[i].blob);
	free(ctx->undo);
	state_free(ctx->st);
	if (ctx->ns_fd >= 0)
		close(ctx->ns_fd);
}

static int lo_conf_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *af, *c;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_AF_SPEC)
			mnl_attr_for_each_nested(af, a)
				if (mnl_attr_get_type(af) == AF_INET6)
					mnl_attr_for_each_nested(c, af)
						if (mnl_attr_get_type(c) == IFLA_INET6_CONF &&
						    mnl_attr_get_payload_len(c) > DEVCONF_DISABLE_IPV6 * sizeof(int32_t)) {
							const int32_t *v = mnl_attr_get_payload(c);
							*(int *)data = v[DEVCONF_DISABLE_IPV6] != 0;
						}
	return MNL_CB_OK;
}

/* In a namespace made a moment ago, whether IPv6 is disabled on lo: 1 or
 * 0, or -1 if that cannot be told (no IPv6 in the kernel). lo got the
 * namespace's `default` settings when the namespace was made (the kernel's
 * defaults, or copies of the host's if net.core.devconf_inherit_init_net
 * asks for that), as does every device created or moved in afterwards. One request on the socket
 * `up` holds anyway, instead of opening two sysctls: on a machine that
 * has seen many namespaces, the first lookup in a new namespace's
 * /proc/sys walks long dentry hash chains (0.6 ms measured here). */
static int lo_ipv6_disabled(struct apply_ctx *ctx)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int disabled = -1;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = 1; /* lo is always 1 in its namespace */
	if (nl_request(&ctx->ns, nlh, lo_conf_cb, &disabled, NULL) < 0)
		return -1;
	return disabled;
}

/* Namespace-wide sysctls. IPv6 first, since `default` only reaches devices
 * that appear afterwards; user Sysctl= last, since they may name links. */
static int ns_sysctls(struct apply_ctx *ctx, bool user, struct error *e)
{
	static const char *const v6keys[] = { "net.ipv6.conf.all.disable_ipv6",
					       "net.ipv6.conf.default.disable_ipv6" };
	int saved = -1, r;

	if (user && ctx->c->sysctls.n == 0)
		return 0;
	if (!user && ctx->created && ctx->c->ipv6.v && lo_ipv6_disabled(ctx) == 0)
		return 0;
	r = ns_enter(ctx->ns_fd, &saved, e);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < (user ? ctx->c->sysctls.n : ELEMENTSOF(v6keys)); i++) {
		const struct cfg_sysctl *s = user ? &ctx->c->sysctls.v[i] : NULL;
		struct undo u = { .kind = U_SYSCTL };
		const char *key = user ? s->key : v6keys[i];
		const char *want = user ? s->value : (ctx->c->ipv6.v ? "0" : "1");
		char cur[256];

		if (sysctl_read(key, cur, sizeof(cur), NULL) == 0 && STREQ(cur, want))
			continue;
		/* A kernel without IPv6 already has what IPv6=yes can ask for. */
		if (!user && ctx->c->ipv6.v && access("/proc/sys/net/ipv6", F_OK) < 0)
			continue;
		strscpy(u.key, sizeof(u.key), key);
		r = sysctl_write(key, want, u.value, sizeof(u.value), e);
		if (r < 0 && user)
			err_at(e, s->loc.file, s->loc.line);
		if (r == 0)
			r = undo_push(ctx, &u, e);
	}
	ns_leave(&saved);
	return r;
}

static int loopback_up(struct apply_ctx *ctx, struct error *e)
{
	const struct live_link *lo = live_link_by_name(&ctx->live, "lo");
	struct link_req req = LINK_REQ_INIT;
	int r;

	if (!ctx->c->loopback.v || (lo && (lo->flags & IFF_UP)))
		return 0;
	req.up = 1;
	r = link_set(&ctx->ns, lo ? lo->ifindex : 1, &req, e);
	if (r < 0)
		return err_set(e, r, "bringing up loopback");
	ctx->changes++;
	return 0;
}

/* A state record without its namespace is what a crash between the two
 * leaves. Undo what it lists so that `up` starts clean. */
static int clear_stale_state(const char *name, struct error *e)
{
	struct state *st = NULL;
	int r = state_load(name, &st, e);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	state_free(st);
	return apply_down(name, false, e);
}

/* A namespace someone else owns (a CNI runtime's): opened by path, never
 * created or deleted by us; the record says so for `down`. */
static int open_external(struct apply_ctx *ctx, struct error *e)
{
	const char *name = ctx->c->name, *path = ctx->c->netns_path;
	const char *f[STATE_FIELDS] = { name, path, "external" };
	int r;

	ctx->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ctx->ns_fd < 0)
		return err_set(e, -errno, "opening network namespace %s", path);
	if (!ns_fd_is_netns(ctx->ns_fd))
		return err_set(e, -EINVAL, "%s is not a network namespace", path);
	r = state_load(name, &ctx->st, e);
	if (r != -ENOENT)
		return r;
	ctx->st = state_new(name);
	if (!ctx->st)
		return err_set(e, -ENOMEM, "allocating state");
	ctx->fresh = true;
	ns_self_id(&ctx->st->origin_dev, &ctx->st->origin_ino);
	return state_add(ctx->st, ST_NETNS, f, e);
}

static int open_or_create(struct apply_ctx *ctx, bool *created, struct error *e)
{
	const char *name = ctx->c->name;
	const char *f[STATE_FIELDS] = { name };
	int r;

	if (ctx->c->netns_path)
		return open_external(ctx, e);
	r = ns_open(name, &ctx->ns_fd, e);
	/* Our own crash between creating the placeholder and mounting the
	 * namespace on it: clear it and start over. */
	if (r == -EINVAL && state_exists(name) && ns_is_placeholder(name)) {
		err_reset(e);
		r = ns_delete(name, e);
		if (r == 0)
			r = -ENOENT;
	}

	if (r == 0) {
		r = state_load(name, &ctx->st, e);
		if (r == -ENOENT)
			return err_set(e, -EEXIST,
				       "namespace '%s' exists but is not managed by netnsctl (made by `ip netns add`?); remove it with `netnsctl down --force %s` first",
				       name, name);
		return r;
	}
	if (r != -ENOENT)
		return r;
	r = clear_stale_state(name, e);
	if (r < 0)
		return r;
	ctx->st = state_new(name);
	if (!ctx->st)
		return err_set(e, -ENOMEM, "allocating state");
	ctx->fresh = true; /* whatever happens next, a failure removes the record */
	ns_self_id(&ctx->st->origin_dev, &ctx->st->origin_ino);
	/* Record first: a crash right after ns_create leaves a record to undo. */
	r = state_add(ctx->st, ST_NETNS, f, e);
	if (r < 0)
		return r;
	r = ns_create(name, &ctx->ns_fd, e);
	if (r < 0) {
		state_remove(name, NULL);
		return err_set(e, r, "creating namespace '%s'", name);
	}
	*created = true;
	ctx->created = true;
	return undo_push(ctx, &(struct undo){ .kind = U_NETNS }, e);
}

static int up_steps(struct apply_ctx *ctx, struct apply_result *res, struct error *e)
{
	int r;

	/* First: the host firewall part gets ready alongside (apply_fw.c). */
	fw_async_start(ctx);
	r = nl_open(&ctx->host, NETLINK_ROUTE, e);
	if (r < 0)
		return r;
	r = links_preflight(ctx, e);
	if (r < 0)
		return r;
	r = open_or_create(ctx, &res->created, e);
	if (r < 0)
		return r;
	r = fw_async_go(ctx, e);
	if (r < 0)
		return r;
	r = nl_open_in(&ctx->ns, NETLINK_ROUTE, ctx->ns_fd, e);
	if (r < 0)
		return r;
	/* A namespace made by this run holds only a down lo: nothing to read. */
	r = ctx->created ? 0 : live_read(&ctx->ns, LIVE_ALL, &ctx->live, e);
	if (r < 0)
		return r;
	if ((r = ns_sysctls(ctx, false, e)) < 0 || (r = loopback_up(ctx, e)) < 0 ||
	    (r = links_apply(ctx, e)) < 0 || (r = ns_sysctls(ctx, true, e)) < 0 ||
	    (r = routes_apply(ctx, e)) < 0 || (r = firewall_apply(ctx, e)) < 0 ||
	    (r = files_apply(ctx, e)) < 0)
		return r;
	if (!ctx->st->complete || ctx->changes) {
		ctx->st->complete = true;
		r = state_save(ctx->st, e);
		if (r < 0)
			return r;
	}
	/* Removing links the config no longer has cannot be undone (a deleted
	 * macvlan is gone), so it runs after everything else has succeeded,
	 * the record included. */
	return links_remove_stale(ctx, e);
}

int apply_up(const struct cfg *c, struct apply_result *ret, struct error *e)
{
	struct apply_ctx ctx = { .c = c, .ns_fd = -1 };
	struct apply_result res = { 0 };
	int r = up_steps(&ctx, &res, e);

	if (r < 0) {
		fw_async_finish(&ctx, NULL);
		undo_all(&ctx);
		if (ctx.fresh)
			state_remove(c->name, NULL);
		else if (ctx.st)
			state_save(ctx.st, NULL);
		err_set(e, r, "bringing up '%s'", c->name);
	} else {
		res.changes = ctx.changes;
		if (ret)
			*ret = res;
	}
	ctx_release(&ctx);
	return r;
}

/* The namespace devices return to: the one `up` ran from, if it can be
 * found; otherwise the caller's. */
static int origin_fd(const struct state *st, struct error *e)
{
	uint64_t dev, ino;
	char **names = NULL;
	size_t n = 0;
	int fd = -1;

	if (ns_self_id(&dev, &ino) == 0 && (dev != st->origin_dev || ino != st->origin_ino) &&
	    ns_list(&names, &n, NULL) == 0) {
		for (size_t i = 0; i < n && fd < 0; i++) {
			int cand;
			uint64_t d, in;
			if (ns_open(names[i], &cand, NULL) < 0)
				continue;
			if (ns_fd_id(cand, &d, &in) == 0 && d == st->origin_dev && in == st->origin_ino)
				fd = cand;
			else
				close(cand);
		}
		strv_free(names, n);
	}
	if (fd < 0)
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "opening own network namespace");
	return fd;
}

/* Return every device that carries our alias, even if the record for it
 * was lost: a physical NIC must never stay behind. */
static int return_marked(struct apply_ctx *ctx, int host_fd, struct error *e)
{
	struct live live;
	char prefix[128];
	int r, first = 0;

	snprintf(prefix, sizeof(prefix), ALIAS_PREFIX "%s:", ctx->c->name);
	r = live_read(&ctx->ns, LIVE_LINKS, &live, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < live.n_links; i++) {
		const struct live_link *l = &live.links[i];
		struct state_rec rec = { .kind = ST_PHYSICAL };
		if (strncmp(l->alias, prefix, strlen(prefix)) != 0)
			continue;
		strscpy(rec.f[0], sizeof(rec.f[0]), l->alias + strlen(prefix));
		strscpy(rec.f[1], sizeof(rec.f[1]), l->name);
		r = physical_return(ctx, &rec, host_fd, e);
		if (r < 0 && !first)
			first = r;
	}
	live_free(&live);
	return first;
}

/* Put back a host sysctl in the namespace `up` ran from. */
static int host_sysctl_restore(int host_fd, const char *key, const char *value, struct error *e)
{
	int saved = -1, r = ns_enter(host_fd, &saved, e);

	if (r < 0)
		return r;
	r = sysctl_write(key, value, NULL, 0, e);
	ns_leave(&saved);
	return r == -ENOENT ? 0 : r;
}

/* Stop a helper process we started, if it is still the same process: the
 * pid, its comm and its start time must all match the record. */
int process_stop(const struct state_rec *rec, struct error *e)
{
	char path[64], stat[1024], comm[64] = "";
	unsigned long long start = 0;
	pid_t pid = (pid_t)strtol(rec->f[0], NULL, 10);
	FILE *f;

	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0; /* gone already */
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = '\0';
	fclose(f);
	/* comm is in parentheses and may contain spaces; fields follow the last ')'. */
	char *lp = strchr(stat, '('), *rp = strrchr(stat, ')');
	if (lp && rp && rp > lp) {
		snprintf(comm, sizeof(comm), "%.*s", (int)(rp - lp - 1), lp + 1);
		sscanf(rp + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		       &start);
	}
	if (!STREQ(comm, rec->f[1]) || (rec->f[2][0] && start != strtoull(rec->f[2], NULL, 10)))
		return 0; /* the pid was reused: not ours to kill */
	/* A pidfd, opened before the signal, lets us wait for exactly this
	 * process to end, so that `down` returns only once its sockets are
	 * gone. */
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (kill(pid, SIGTERM) < 0 && errno != ESRCH) {
		int r = -errno;
		if (pfd >= 0)
			close(pfd);
		return err_set(e, r, "stopping %s (pid %d)", comm, (int)pid);
	}
	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		if (poll(&p, 1, 3000) == 0)
			kill(pid, SIGKILL);
		close(pfd);
	}
	return 0;
}

/* Undo one record; 1 for records handled elsewhere (the namespace itself). */
static int down_one(struct apply_ctx *ctx, const struct state_rec *rec, int host_fd, struct error *e)
{
	switch (rec->kind) {
	case ST_PHYSICAL:
		return physical_return(ctx, rec, host_fd, e);
	case ST_HOSTLINK:
		return link_delete(&ctx->host, rec->f[0], e);
	case ST_FILE:
		return file_remove(rec->f[0], e);
	case ST_SYSCTL:
		return host_sysctl_restore(host_fd, rec->f[0], rec->f[1], e);
	case ST_NFT:
		return nft_table_delete(host_fd, rec->f[0], rec->f[1], e);
	case ST_PROCESS:
		return process_stop(rec, e);
	case ST_NETNS:
	default:
		return 1; /* last, by the caller */
	}
}

/* Records are undone newest first, except the firewall's, which go after
 * the links: its socket is closed (and waited for) once, at the end. */
static int down_records(struct apply_ctx *ctx, struct error *e)
{
	_cleanup_close_ int host_fd = origin_fd(ctx->st, e);
	int first = 0, r;

	if (host_fd < 0)
		return host_fd;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = ctx->st->n; k-- > 0;) {
			const struct state_rec *rec = &ctx->st->v[k];
			struct error tmp = { 0 };

			if ((rec->kind == ST_NFT) != (pass == 1))
				continue;
			r = down_one(ctx, rec, host_fd, first ? &tmp : e);
			if (r < 0 && !first)
				first = r;
			if (r == 0)
				state_drop(ctx->st, k, NULL);
		}
	if (ctx->ns_fd >= 0 && !first)
		first = return_marked(ctx, host_fd, e);
	return first;
}

/* A runtime's namespace (CNI) outlives the attachment: what `up` made
 * inside it, which would otherwise die with a namespace netnsctl deletes,
 * is removed here. Links carry our marker (veth ends went with their host
 * end); the firewall table inside is this attachment's own. */
static int external_inside_down(struct apply_ctx *ctx, struct error *e)
{
	struct live live;
	char alias[128];
	int r, first = 0;

	snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s", ctx->c->name);
	r = live_read(&ctx->ns, LIVE_LINKS, &live, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < live.n_links; i++) {
		if (!STREQ(live.links[i].alias, alias))
			continue;
		r = link_delete(&ctx->ns, live.links[i].name, first ? NULL : e);
		if (r < 0 && !first)
			first = r;
	}
	live_free(&live);
	r = nft_table_delete(ctx->ns_fd, "inet", NFT_TABLE, first ? NULL : e);
	return first ? first : r;
}

int apply_down(const char *name, bool force, struct error *e)
{
	_cleanup_cfg_ struct cfg *fake = cfg_new();
	struct apply_ctx ctx = { .ns_fd = -1 };
	int r;

	if (!fake)
		return err_set(e, -ENOMEM, "taking down '%s'", name);
	strscpy(fake->name, sizeof(fake->name), name);
	ctx.c = fake;
	r = state_load(name, &ctx.st, e);
	if (r == -ENOENT) {
		r = ns_open(name, &ctx.ns_fd, e);
		if (r == -ENOENT)
			return state_remove(name, e); /* nothing there but perhaps a crashed save's temporary */
		if (r == 0 && !force) {
			r = err_set(e, -EPERM,
				    "namespace '%s' is not managed by netnsctl; use --force to delete it anyway", name);
			e->no_errno_text = true;
		}
		else if (r == 0)
			r = ns_delete(name, e);
		goto out;
	}
	if (r < 0)
		goto out;
	ssize_t nsrec = state_find(ctx.st, ST_NETNS, name);
	bool external = nsrec >= 0 && STREQ(ctx.st->v[nsrec].f[2], "external");
	if (external) {
		/* A runtime's namespace may be gone already (CNI DEL after the
		 * container died): then only host-side records remain to undo. */
		ctx.ns_fd = open(ctx.st->v[nsrec].f[1], O_RDONLY | O_CLOEXEC);
		if (ctx.ns_fd >= 0 && !ns_fd_is_netns(ctx.ns_fd)) {
			close(ctx.ns_fd);
			ctx.ns_fd = -1;
		}
		r = 0;
	} else {
		r = ns_open(name, &ctx.ns_fd, e);
		if (r == -EINVAL && ns_is_placeholder(name)) {
			err_reset(e); /* a crash left the placeholder: ns_delete below removes it */
			r = -ENOENT;
		}
		if (r < 0 && r != -ENOENT)
			goto out;
	}
	if ((r = nl_open(&ctx.host, NETLINK_ROUTE, e)) < 0)
		goto out;
	if (ctx.ns_fd >= 0 && (r = nl_open_in(&ctx.ns, NETLINK_ROUTE, ctx.ns_fd, e)) < 0)
		goto out;
	r = down_records(&ctx, e);
	if (r == 0 && external && ctx.ns_fd >= 0)
		r = external_inside_down(&ctx, e);
	if (r == 0 && !external)
		r = ns_delete(name, e);
	if (r == 0)
		r = state_remove(name, e);
out:
	if (r < 0)
		err_set(e, r, "taking down '%s'", name);
	ctx_release(&ctx);
	return r;
}
