/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Routes for `up`: per-link Gateway= defaults and [Route] entries. Routes
 * netnsctl adds carry ROUTE_PROTO_NETNSCTL; reconcile removes only those. */
#include <linux/rtnetlink.h>

#include "apply_int.h"

struct want {
	struct route_spec rt;
	struct cfg_loc loc;
};

static bool same_route(const struct route_spec *a, const struct live_route *b)
{
	size_t n = a->dst.family == AF_INET ? 4 : 16;

	if (a->dst.family != b->dst.family || a->dst.prefixlen != b->dst.prefixlen)
		return false;
	if (a->dst.prefixlen && memcmp(a->dst.raw, b->dst.raw, n) != 0)
		return false;
	if (a->gw.family != b->gw.family || (a->gw.family && memcmp(a->gw.raw, b->gw.raw, n) != 0))
		return false;
	if (a->oif && a->oif != b->oif)
		return false;
	/* The kernel reports IPv6 routes added without a metric as 1024. */
	uint32_t am = a->metric ? a->metric : (a->dst.family == AF_INET6 ? 1024 : 0);
	return am == b->metric;
}

static int ifindex_of(struct apply_ctx *ctx, const char *name, int *ret, struct error *e)
{
	int r = link_index(&ctx->ns, name, ret, e);
	return r == -ENODEV ? err_set(e, r, "link '%s' is missing", name) : r;
}

static int build_wants(struct apply_ctx *ctx, struct want **ret, size_t *ret_n, struct error *e)
{
	struct want *v = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < ctx->c->n_links; i++) {
		const struct cfg_link *l = &ctx->c->links[i];
		int oif;
		if (l->gateways.n == 0)
			continue;
		r = ifindex_of(ctx, l->name.v, &oif, e);
		for (size_t j = 0; r == 0 && j < l->gateways.n; j++) {
			struct want *w = array_append(&v, &n, sizeof(*w));
			if (!w) {
				r = err_set(e, -ENOMEM, "planning routes");
				break;
			}
			w->rt.dst.family = l->gateways.v[j].family;
			w->rt.gw = l->gateways.v[j];
			w->rt.oif = oif;
			w->loc = l->gateways.v[j].loc;
		}
	}
	for (size_t i = 0; r == 0 && i < ctx->c->n_routes; i++) {
		const struct cfg_route *cr = &ctx->c->routes[i];
		struct want *w = array_append(&v, &n, sizeof(*w));
		if (!w) {
			r = err_set(e, -ENOMEM, "planning routes");
			break;
		}
		w->rt.dst = cr->dst;
		w->rt.gw = cr->gw;
		w->rt.metric = cr->metric.v;
		w->loc = cr->loc;
		if (cr->link.loc.line)
			r = ifindex_of(ctx, cr->link.v, &w->rt.oif, e);
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int remove_stale(struct apply_ctx *ctx, const struct want *w, size_t n, struct error *e)
{
	for (size_t i = 0; i < ctx->live.n_routes; i++) {
		const struct live_route *lr = &ctx->live.routes[i];
		bool wanted = false;
		if (lr->protocol != ROUTE_PROTO_NETNSCTL)
			continue;
		for (size_t j = 0; j < n; j++)
			wanted |= same_route(&w[j].rt, lr);
		if (wanted)
			continue;
		struct undo u = { .kind = U_ROUTE_READD };
		u.route.dst = lr->dst;
		u.route.gw = lr->gw;
		u.route.oif = lr->oif;
		u.route.metric = lr->metric;
		int r = route_del(&ctx->ns, &u.route, e);
		if (r < 0)
			return r;
		r = undo_push(ctx, &u, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int routes_apply(struct apply_ctx *ctx, struct error *e)
{
	struct want *w = NULL;
	struct live fresh;
	size_t n = 0;
	int r;

	/* Link and address changes above may have made the kernel drop
	 * routes, so look again; a namespace made by this run has no routes
	 * of ours to find. */
	memset(&fresh, 0, sizeof(fresh));
	r = ctx->created ? 0 : live_read(&ctx->ns, LIVE_ROUTES, &fresh, e);
	if (r < 0)
		return r;
	free(ctx->live.routes);
	ctx->live.routes = TAKE_PTR(fresh.routes);
	ctx->live.n_routes = fresh.n_routes;
	r = build_wants(ctx, &w, &n, e);
	if (r < 0)
		return r;
	r = remove_stale(ctx, w, n, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool present = false;
		for (size_t k = 0; k < ctx->live.n_routes; k++)
			present |= same_route(&w[i].rt, &ctx->live.routes[k]) &&
				   ctx->live.routes[k].protocol == ROUTE_PROTO_NETNSCTL;
		if (present)
			continue;
		r = route_add(&ctx->ns, &w[i].rt, e);
		if (r < 0)
			err_at(e, w[i].loc.file, w[i].loc.line);
		else
			r = undo_push(ctx, &(struct undo){ .kind = U_ROUTE, .route = w[i].rt }, e);
	}
	free(w);
	return r;
}
