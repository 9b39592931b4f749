/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Link] handling for `up`: checks against the live host, creating or
 * moving each link, its attributes and addresses, and giving physical
 * devices back. */
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>

#include "apply_int.h"
#include "netns.h"

static int link_fail(const struct cfg_link *l, struct error *e, int r)
{
	err_at(e, l->loc.file, l->loc.line);
	return r;
}

static void host_alias(const struct apply_ctx *ctx, char *buf, size_t size)
{
	snprintf(buf, size, ALIAS_PREFIX "%s", ctx->c->name);
}

static void physical_alias(const struct apply_ctx *ctx, const char *orig, char *buf, size_t size)
{
	snprintf(buf, size, ALIAS_PREFIX "%s:%s", ctx->c->name, orig);
}

/* Refuse to move the device carrying a host default route without Force=. */
/* A device the host has given addresses is in use there: the move would
 * drop them (the kernel flushes a device's addresses and per-device
 * settings when it changes namespace) and nothing could bring them back
 * faithfully, so it needs Force=yes too. */
static int check_host_addresses(struct apply_ctx *ctx, const struct cfg_link *l, int ifindex,
				struct error *e)
{
	struct live host = { 0 };
	char txt[64] = "";
	int r = live_read(&ctx->host, LIVE_ADDRS, &host, e);

	if (r < 0)
		return r;
	for (size_t i = 0; i < host.n_addrs && !txt[0]; i++)
		if (host.addrs[i].ifindex == ifindex && host.addrs[i].scope == RT_SCOPE_UNIVERSE)
			cfg_addr_to_string(&host.addrs[i].a, true, txt, sizeof(txt));
	live_free(&host);
	if (!txt[0])
		return 0;
	return err_cfg(e, l->device.loc.file, l->device.loc.line,
		       "refusing to move '%s': the host has addresses on it (%s) that the move would drop (set Force=yes to move it anyway)",
		       l->device.v, txt);
}

static int check_default_route(struct apply_ctx *ctx, const struct cfg_link *l, int ifindex,
			       struct error *e)
{
	bool uses;
	int r;

	if (l->force.v)
		return 0;
	/* Every table and every leg of a multipath route: policy routing can
	 * send the host's traffic out this device just as well as main. */
	r = live_default_route_uses(&ctx->host, ifindex, &uses, e);
	if (r < 0)
		return r;
	if (uses)
		return err_cfg(e, l->device.loc.file, l->device.loc.line,
			       "refusing to move '%s': it carries the host's default route, and moving it could cut this machine off (set Force=yes to move it anyway)",
			       l->device.v);
	return check_host_addresses(ctx, l, ifindex, e);
}

static int preflight_one(struct apply_ctx *ctx, const struct cfg_link *l, bool ns_exists,
			 const struct state *st, struct error *e)
{
	struct live_link hl;
	char alias[400];
	int r;

	switch ((enum link_kind)l->kind.v) {
	case LINK_PHYSICAL:
		r = live_get_link(&ctx->host, l->device.v, &hl, e);
		if (r == -ENODEV && ns_exists)
			return 0; /* probably inside already; links_apply checks */
		if (r == -ENODEV)
			return err_cfg(e, l->device.loc.file, l->device.loc.line,
				       "device '%s' does not exist on the host", l->device.v);
		return r < 0 ? r : check_default_route(ctx, l, hl.ifindex, e);
	case LINK_MACVLAN:
		r = live_get_link(&ctx->host, l->device.v, &hl, e);
		if (r == -ENODEV)
			return err_cfg(e, l->device.loc.file, l->device.loc.line,
				       "parent device '%s' does not exist on the host", l->device.v);
		return r;
	case LINK_BRIDGE:
		r = live_get_link(&ctx->host, l->bridge.v, &hl, e);
		if (r == -ENODEV || (r == 0 && !STREQ(hl.kind, "bridge")))
			return err_cfg(e, l->bridge.loc.file, l->bridge.loc.line,
				       r == 0 ? "'%s' is not a bridge" : "bridge '%s' does not exist on the host",
				       l->bridge.v);
		if (r < 0)
			return r;
		/* the host end is a veth end too */
		__attribute__((fallthrough));
	case LINK_VETH:
		r = live_get_link(&ctx->host, l->host_name.v, &hl, e);
		host_alias(ctx, alias, sizeof(alias));
		/* Ours if it carries our alias or our record lists it. */
		if (r == 0 && !STREQ(hl.alias, alias) && !(st && state_find(st, ST_HOSTLINK, l->host_name.v) >= 0))
			return err_cfg(e, (l->host_name.loc.line ? l->host_name.loc : l->loc).file,
				       (l->host_name.loc.line ? l->host_name.loc : l->loc).line,
				       "host interface name '%s' is already in use (set HostName= to another name)",
				       l->host_name.v);
		return r == -ENODEV ? 0 : r;
	case LINK_WIREGUARD:
	case LINK_TUN:
	default:
		return vpn_preflight(ctx, l, e);
	}
}

int links_preflight(struct apply_ctx *ctx, struct error *e)
{
	char path[256];
	struct state *st = NULL;
	bool ns_exists;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, ctx->c->name);
	ns_exists = access(ctx->c->netns_path ? ctx->c->netns_path : path, F_OK) == 0;
	if (ns_exists)
		state_load(ctx->c->name, &st, NULL);
	for (size_t i = 0; r == 0 && i < ctx->c->n_links; i++)
		r = preflight_one(ctx, &ctx->c->links[i], ns_exists, st, e);
	state_free(st);
	return r;
}

static void mac_to_string(const uint8_t *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int create_physical(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	struct link_req req = LINK_REQ_INIT;
	struct live_link hl;
	char mtu[16], mac[24] = "", alias[400];
	int r;

	r = live_get_link(&ctx->host, l->device.v, &hl, e);
	if (r == -ENODEV)
		return err_cfg(e, l->device.loc.file, l->device.loc.line,
			       "device '%s' does not exist, neither on the host nor in the namespace",
			       l->device.v);
	if (r < 0)
		return r;
	snprintf(mtu, sizeof(mtu), "%u", hl.mtu);
	if (hl.has_mac)
		mac_to_string(hl.mac, mac, sizeof(mac));
	/* The record goes first, so that a crash mid-move still knows the
	 * original name; the alias is a second copy that travels with the
	 * device. */
	r = state_add(ctx->st, ST_PHYSICAL, (const char *[STATE_FIELDS]){ l->device.v, l->name.v, mtu, mac, hl.alias },
		      e);
	if (r < 0)
		return r;
	physical_alias(ctx, l->device.v, alias, sizeof(alias));
	req.ns_fd = ctx->ns_fd;
	req.name = l->name.v;
	req.alias = alias;
	r = link_set(&ctx->host, hl.ifindex, &req, e);
	if (r < 0) {
		state_drop(ctx->st, (size_t)state_find(ctx->st, ST_PHYSICAL, l->device.v), NULL);
		return err_set(e, r, "moving '%s' into the namespace as '%s'", l->device.v, l->name.v);
	}
	struct undo u = { .kind = U_PHYSICAL };
	strscpy(u.name, sizeof(u.name), l->device.v);
	return undo_push(ctx, &u, e);
}

static int create_veth(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	struct veth_req req = {
		.host_name = l->host_name.v,
		.peer_name = l->name.v,
		.peer_ns_fd = ctx->ns_fd,
		.mtu = l->mtu.v,
		.peer_mac = l->mac.loc.line ? l->mac.v : NULL,
	};
	struct live_link br;
	int r;

	if (l->kind.v == LINK_BRIDGE) {
		r = live_get_link(&ctx->host, l->bridge.v, &br, e);
		if (r < 0)
			return err_set(e, r, "looking up bridge '%s'", l->bridge.v);
		req.master = br.ifindex;
	}
	r = state_add(ctx->st, ST_HOSTLINK, (const char *[STATE_FIELDS]){ l->host_name.v }, e);
	if (r < 0)
		return r;
	r = link_create_veth(&ctx->host, &req, e);
	if (r < 0) {
		state_drop(ctx->st, (size_t)state_find(ctx->st, ST_HOSTLINK, l->host_name.v), NULL);
		return err_set(e, r, "creating veth '%s' (inside: '%s')", l->host_name.v, l->name.v);
	}
	struct undo u = { .kind = U_HOSTLINK };
	strscpy(u.name, sizeof(u.name), l->host_name.v);
	return undo_push(ctx, &u, e);
}

static uint32_t macvlan_mode_flag(enum mv_mode m)
{
	switch (m) {
	case MV_PRIVATE:
		return MACVLAN_MODE_PRIVATE;
	case MV_VEPA:
		return MACVLAN_MODE_VEPA;
	case MV_PASSTHRU:
		return MACVLAN_MODE_PASSTHRU;
	case MV_BRIDGE:
	default:
		return MACVLAN_MODE_BRIDGE;
	}
}

static int create_macvlan(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	struct live_link parent;
	int r = live_get_link(&ctx->host, l->device.v, &parent, e);

	if (r < 0)
		return err_set(e, r, "looking up parent '%s'", l->device.v);
	r = link_create_macvlan(&ctx->host, parent.ifindex, l->name.v, ctx->ns_fd,
				macvlan_mode_flag((enum mv_mode)l->mode.v), l->mtu.v,
				l->mac.loc.line ? l->mac.v : NULL, e);
	if (r < 0)
		return err_set(e, r, "creating macvlan '%s' on '%s'", l->name.v, l->device.v);
	struct undo u = { .kind = U_NSLINK };
	strscpy(u.name, sizeof(u.name), l->name.v);
	return undo_push(ctx, &u, e);
}

/* Is the live link what the config describes? Changing a live link's kind
 * is refused rather than guessed at. */
static int check_kind(struct apply_ctx *ctx, const struct cfg_link *l, const struct live_link *ll,
		      struct error *e)
{
	char alias[400];
	bool ok;

	physical_alias(ctx, l->device.v, alias, sizeof(alias));
	switch ((enum link_kind)l->kind.v) {
	case LINK_PHYSICAL:
		ok = STREQ(ll->alias, alias);
		break;
	case LINK_MACVLAN:
		ok = STREQ(ll->kind, "macvlan");
		break;
	case LINK_WIREGUARD:
		/* wireguard-go's device is a TUN; the kernel's is "wireguard". */
		ok = STREQ(ll->kind, "wireguard") || STREQ(ll->kind, "tun");
		break;
	case LINK_TUN:
		ok = STREQ(ll->kind, "tun");
		break;
	default:
		ok = STREQ(ll->kind, "veth") && strncmp(ll->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) != 0;
		break;
	}
	if (ok)
		return 0;
	return err_cfg(e, l->loc.file, l->loc.line,
		       "link '%s' in namespace '%s' is not the Kind=%s this config describes; changing a live link is unsafe: run `netnsctl down %s` first",
		       l->name.v, ctx->c->name, link_kind_to_string((enum link_kind)l->kind.v), ctx->c->name);
}

/* MTU, MAC and the up flag in one request; undo restores the old values
 * when the link existed before this run. */
static int ensure_attrs(struct apply_ctx *ctx, const struct cfg_link *l, const struct live_link *ll,
			bool existed, struct error *e)
{
	struct link_req req = LINK_REQ_INIT;
	struct undo u = { .kind = U_LINKSET, .ifindex = ll->ifindex, .up = -1 };
	int r;

	if (l->mtu.loc.line && ll->mtu != l->mtu.v) {
		req.mtu = l->mtu.v;
		u.mtu = ll->mtu;
	}
	if (l->mac.loc.line && (!ll->has_mac || memcmp(ll->mac, l->mac.v, 6) != 0)) {
		req.mac = l->mac.v;
		memcpy(u.mac, ll->mac, 6);
		u.has_mac = ll->has_mac;
	}
	if (!(ll->flags & IFF_UP)) {
		req.up = 1;
		u.up = 0;
	}
	/* Links created inside carry the namespace marker, so that a later
	 * up can tell them from links someone else added. */
	char alias[400];
	host_alias(ctx, alias, sizeof(alias));
	if (l->kind.v == LINK_MACVLAN && !STREQ(ll->alias, alias))
		req.alias = alias;
	if (!req.mtu && !req.mac && req.up < 0 && !req.alias)
		return 0;
	strscpy(u.name, sizeof(u.name), l->name.v);
	r = link_set(&ctx->ns, ll->ifindex, &req, e);
	if (r < 0)
		return err_set(e, r, "configuring link '%s'", l->name.v);
	if (existed)
		return undo_push(ctx, &u, e);
	ctx->changes++;
	return 0;
}

/* Push an undo that re-adds each gatewayed route leaving through ifindex
 * (route_add replaces, so re-adding one that survived is harmless). */
static int keep_routes_via(struct apply_ctx *ctx, int ifindex, struct error *e)
{
	for (size_t i = 0; i < ctx->live.n_routes; i++) {
		const struct live_route *lr = &ctx->live.routes[i];
		struct undo u = { .kind = U_ROUTE_READD };
		int r;

		if (lr->oif != ifindex || !lr->gw.family)
			continue;
		u.route.dst = lr->dst;
		u.route.gw = lr->gw;
		u.route.oif = lr->oif;
		u.route.metric = lr->metric;
		u.route.protocol = lr->protocol;
		r = undo_push(ctx, &u, e);
		if (r < 0)
			return r;
		ctx->changes--; /* bookkeeping only: nothing changed yet */
	}
	return 0;
}

/* Make the addresses on ifindex exactly `want`, ignoring link-local ones
 * the kernel manages. */
static int ensure_addrs(struct apply_ctx *ctx, struct nl_sock *nl, bool host, int ifindex,
			const struct cfg_addr_list *want, const struct live_addr *have, size_t n_have,
			struct error *e)
{
	int r;

	for (size_t i = 0; i < n_have; i++) {
		const struct live_addr *a = &have[i];
		bool wanted = false;
		if (a->ifindex != ifindex || a->scope == RT_SCOPE_LINK || a->scope == RT_SCOPE_HOST)
			continue;
		for (size_t j = 0; j < want->n; j++)
			wanted |= cfg_addr_equal(&want->v[j], &a->a);
		if (wanted)
			continue;
		/* Removing the address makes the kernel drop the routes through
		 * gateways it made reachable; a rollback must put those back after
		 * the address, so their undo goes on the stack first. */
		if (!host && (r = keep_routes_via(ctx, ifindex, e)) < 0)
			return r;
		r = addr_del(nl, ifindex, &a->a, e);
		if (r < 0)
			return r;
		r = undo_push(ctx, &(struct undo){ .kind = U_ADDR_READD, .host = host, .ifindex = ifindex, .addr = a->a }, e);
		if (r < 0)
			return r;
	}
	for (size_t j = 0; j < want->n; j++) {
		bool present = false;
		for (size_t i = 0; i < n_have; i++)
			present |= have[i].ifindex == ifindex && cfg_addr_equal(&want->v[j], &have[i].a);
		if (present)
			continue;
		r = addr_add(nl, ifindex, &want->v[j], e);
		if (r < 0) {
			err_at(e, want->v[j].loc.file, want->v[j].loc.line);
			return r;
		}
		r = undo_push(ctx, &(struct undo){ .kind = U_ADDR, .host = host, .ifindex = ifindex, .addr = want->v[j] }, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The bridge the host end must be a port of (Kind=bridge) or none
 * (Kind=veth): *ret is the link_req.master value to send, 0 if right. */
static int host_end_master(struct apply_ctx *ctx, const struct cfg_link *l, const struct live_link *hl,
			   int *ret, struct error *e)
{
	struct live_link br;
	int want = 0, r;

	if (l->kind.v == LINK_BRIDGE) {
		r = live_get_link(&ctx->host, l->bridge.v, &br, e);
		if (r < 0)
			return err_set(e, r, "looking up bridge '%s'", l->bridge.v);
		want = br.ifindex;
	}
	*ret = want == hl->master ? 0 : want ? want : LINK_NOMASTER;
	return 0;
}

static int host_end_addrs(struct apply_ctx *ctx, const struct cfg_link *l, bool created,
			  struct error *e)
{
	struct live_link hl;
	struct live host = { 0 };
	char alias[400];
	int r;

	if (l->kind.v != LINK_VETH && l->kind.v != LINK_BRIDGE)
		return 0;
	r = live_get_link(&ctx->host, l->host_name.v, &hl, e);
	if (r < 0)
		return err_set(e, r, "looking up host end '%s'", l->host_name.v);
	/* RTM_NEWLINK ignores IFLA_IFALIAS at creation, so the alias that
	 * marks the host end as ours is set here, with the bridge port. */
	host_alias(ctx, alias, sizeof(alias));
	int master = 0;
	r = host_end_master(ctx, l, &hl, &master, e);
	if (r < 0)
		return r;
	if (!(hl.flags & IFF_UP) || !STREQ(hl.alias, alias) || master) {
		struct link_req req = LINK_REQ_INIT;
		req.up = 1;
		req.alias = alias;
		req.master = master;
		r = link_set(&ctx->host, hl.ifindex, &req, e);
		if (r < 0)
			return err_set(e, r, "configuring host end '%s'", l->host_name.v);
		struct undo u = { .kind = U_LINKSET, .host = true, .ifindex = hl.ifindex, .up = -1,
				  .master = hl.master ? hl.master : LINK_NOMASTER };
		strscpy(u.name, sizeof(u.name), l->host_name.v);
		if (!created && master && (r = undo_push(ctx, &u, e)) < 0)
			return r;
	}
	/* A new host end has no addresses; only a live one needs the dump
	 * that finds stale ones. */
	if (created)
		return ensure_addrs(ctx, &ctx->host, true, hl.ifindex, &l->host_addrs, NULL, 0, e);
	r = live_read(&ctx->host, LIVE_ADDRS, &host, e);
	if (r < 0)
		return r;
	r = ensure_addrs(ctx, &ctx->host, true, hl.ifindex, &l->host_addrs, host.addrs, host.n_addrs, e);
	live_free(&host);
	return r;
}

static int apply_one(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	const struct live_link *existing = live_link_by_name(&ctx->live, l->name.v);
	struct live_link ll;
	int r;

	if (existing) {
		r = check_kind(ctx, l, existing, e);
		if (r < 0)
			return r;
		/* A live tunnel keeps its device; only its peers and keys are
		 * brought in line with the config. */
		if (l->kind.v == LINK_WIREGUARD && (r = vpn_update(ctx, l, existing, e)) < 0)
			return r;
		ll = *existing;
	} else {
		switch ((enum link_kind)l->kind.v) {
		case LINK_PHYSICAL:
			r = create_physical(ctx, l, e);
			break;
		case LINK_MACVLAN:
			r = create_macvlan(ctx, l, e);
			break;
		case LINK_WIREGUARD:
		case LINK_TUN:
			r = vpn_create(ctx, l, e);
			break;
		default:
			r = create_veth(ctx, l, e);
			break;
		}
		if (r < 0)
			return r;
		r = live_get_link(&ctx->ns, l->name.v, &ll, e);
		if (r < 0)
			return err_set(e, r, "looking up new link '%s'", l->name.v);
	}
	r = ensure_addrs(ctx, &ctx->ns, false, ll.ifindex, &l->addrs, existing ? ctx->live.addrs : NULL,
			 existing ? ctx->live.n_addrs : 0, e);
	if (r < 0)
		return r;
	r = ensure_attrs(ctx, l, &ll, existing != NULL, e);
	if (r < 0)
		return r;
	return host_end_addrs(ctx, l, existing == NULL, e);
}

int links_apply(struct apply_ctx *ctx, struct error *e)
{
	for (size_t i = 0; i < ctx->c->n_links; i++) {
		int r = apply_one(ctx, &ctx->c->links[i], e);
		if (r < 0)
			return link_fail(&ctx->c->links[i], e, r);
	}
	return 0;
}

/* Links inside that carry our marker but are no longer configured. */
static int remove_stale_inside(struct apply_ctx *ctx, struct error *e)
{
	char alias[400];
	int r = 0;

	host_alias(ctx, alias, sizeof(alias));
	for (size_t i = 0; r == 0 && i < ctx->live.n_links; i++) {
		const struct live_link *ll = &ctx->live.links[i];
		bool wanted = false;
		if (!STREQ(ll->alias, alias))
			continue;
		for (size_t k = 0; k < ctx->c->n_links; k++)
			wanted |= STREQ(ctx->c->links[k].name.v, ll->name);
		if (wanted)
			continue;
		r = link_delete(&ctx->ns, ll->name, e);
		ctx->changes++;
	}
	return r;
}

/* Links in the state record (or marked inside) that the config no longer
 * has. */
int links_remove_stale(struct apply_ctx *ctx, struct error *e)
{
	int r = remove_stale_inside(ctx, e);

	if (r < 0)
		return r;
	for (size_t k = ctx->st->n; k-- > 0;) {
		const struct state_rec *rec = &ctx->st->v[k];
		bool wanted = false;

		if (rec->kind != ST_PHYSICAL && rec->kind != ST_HOSTLINK)
			continue;
		for (size_t i = 0; i < ctx->c->n_links; i++) {
			const struct cfg_link *l = &ctx->c->links[i];
			if (rec->kind == ST_PHYSICAL)
				wanted |= l->kind.v == LINK_PHYSICAL && STREQ(l->device.v, rec->f[0]);
			else
				wanted |= l->host_name.v[0] && STREQ(l->host_name.v, rec->f[0]);
		}
		if (wanted)
			continue;
		if (rec->kind == ST_PHYSICAL) {
			_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
			r = self < 0 ? err_set(e, -errno, "opening own namespace")
				     : physical_return(ctx, rec, self, e);
		} else {
			r = link_delete(&ctx->host, rec->f[0], e);
		}
		if (r < 0)
			return r;
		ctx->changes++;
		state_drop(ctx->st, k, NULL);
	}
	return 0;
}

static int find_marked(struct apply_ctx *ctx, const char *orig, int *ret_ifindex, struct error *e)
{
	struct live live;
	char alias[400];
	int r;

	physical_alias(ctx, orig, alias, sizeof(alias));
	r = live_read(&ctx->ns, LIVE_LINKS, &live, e);
	if (r < 0)
		return r;
	r = -ENODEV;
	for (size_t i = 0; i < live.n_links; i++)
		if (STREQ(live.links[i].alias, alias)) {
			*ret_ifindex = live.links[i].ifindex;
			r = 0;
		}
	live_free(&live);
	return r;
}

static bool host_has_marker(struct apply_ctx *ctx, int ifindex, const char *orig)
{
	struct live live;
	char alias[400];
	bool found = false;

	physical_alias(ctx, orig, alias, sizeof(alias));
	if (live_read(&ctx->host, LIVE_LINKS, &live, NULL) < 0)
		return false;
	for (size_t i = 0; i < live.n_links; i++)
		found |= live.links[i].ifindex == ifindex && STREQ(live.links[i].alias, alias);
	live_free(&live);
	return found;
}

/* Fill in the attributes a returning device gets back from the record. */
static void restore_req(const struct state_rec *rec, struct link_req *req, uint8_t mac[6])
{
	unsigned m[6];

	req->up = 0;
	req->name = rec->f[0];
	req->mtu = (uint32_t)strtoul(rec->f[2], NULL, 10);
	if (sscanf(rec->f[3], "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		req->mac = mac;
	}
	req->alias = rec->f[4];
}

static int physical_rename_home(struct apply_ctx *ctx, const struct state_rec *rec, int ifindex,
				struct error *e)
{
	struct link_req req = LINK_REQ_INIT;
	uint8_t mac[6];
	int r;

	restore_req(rec, &req, mac);
	r = link_set(&ctx->host, ifindex, &req, e);
	return r < 0 ? err_set(e, r, "renaming returned device back to '%s'", rec->f[0]) : 0;
}

int physical_return(struct apply_ctx *ctx, const struct state_rec *rec, int host_ns_fd,
		    struct error *e)
{
	const char *orig = rec->f[0], *inside = rec->f[1];
	struct link_req req = LINK_REQ_INIT;
	uint8_t mac[6];
	int ifindex, r;

	/* Without the namespace (deleted behind our back) only the host can
	 * hold the device: the kernel refunds physical devices on its own. */
	r = ctx->ns.mnl ? link_index(&ctx->ns, inside, &ifindex, e) : -ENODEV;
	if (r == -ENODEV && ctx->ns.mnl)
		r = find_marked(ctx, orig, &ifindex, e);
	if (r == -ENODEV) {
		/* Not inside: if the host has it back already, we are done. */
		if (link_index(&ctx->host, orig, &ifindex, NULL) == 0)
			return 0;
		/* The kernel gives a physical device back on its own when the
		 * namespace dies, under the name it had inside. */
		if (link_index(&ctx->host, inside, &ifindex, NULL) == 0 && host_has_marker(ctx, ifindex, orig))
			return physical_rename_home(ctx, rec, ifindex, e);
		return err_set(e, -ENODEV, "device '%s' is neither in namespace '%s' nor on the host", orig,
			       ctx->c->name);
	}
	if (r < 0)
		return r;
	restore_req(rec, &req, mac);
	req.ns_fd = host_ns_fd;
	r = link_set(&ctx->ns, ifindex, &req, e);
	if (r == -EEXIST) {
		/* Say where the device is now, so that nobody goes looking for
		 * it under a name it does not have. */
		int where;
		if (link_index(&ctx->ns, inside, &where, NULL) == 0)
			return err_set(e, r,
				       "returning '%s' to the host: a device of that name exists there now; it stays in namespace '%s' as '%s' until that name is free and down runs again",
				       orig, ctx->c->name, inside);
		if (link_index(&ctx->host, inside, &where, NULL) == 0)
			return err_set(e, r,
				       "returning '%s' to the host: a device of that name exists there now; it is on the host as '%s' (alias netnsctl:%s:%s)",
				       orig, inside, ctx->c->name, orig);
		return err_set(e, r, "returning '%s' to the host: a device of that name exists there now", orig);
	}
	return r < 0 ? err_set(e, r, "returning '%s' to the host", orig) : 0;
}
