/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks that need the whole config (required and conflicting keys, unique
 * names) and the defaults that are derived from other values. Nothing here
 * talks to the kernel. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config.h"

#define LINK_HINT "see netnsctl.conf(5), section [Link]"

static int link_err(struct error *e, const struct cfg_loc *loc, const char *fmt, const char *a,
		    const char *b)
{
	int r = err_cfg(e, loc->file, loc->line, fmt, a, b);
	if (e)
		e->hint = LINK_HINT;
	return r;
}

/* ve-NAME for the first veth, ve-NAME-N after; shortened with a stable hash
 * when that does not fit in 15 bytes. */
static void derive_host_name(const char *ns, size_t index, char out[IFNAME_MAX + 1])
{
	char full[128];

	if (index == 0)
		snprintf(full, sizeof(full), "ve-%s", ns);
	else
		snprintf(full, sizeof(full), "ve-%s-%zu", ns, index);
	if (strlen(full) <= IFNAME_MAX) {
		strscpy(out, IFNAME_MAX + 1, full);
		return;
	}
	/* "ve-" + 6 chars of the name + "-" + 5 hex digits = 15 bytes */
	snprintf(out, IFNAME_MAX + 1, "ve-%.6s-%05x", ns, str_hash(full) & 0xfffff);
}

/* Default names come in families; veth and bridge share "eth" because both
 * are veth pairs (and share the ve-NAME-N host names). */
static const char *name_family(enum link_kind k)
{
	switch (k) {
	case LINK_VETH:
	case LINK_BRIDGE:
		return "eth";
	case LINK_MACVLAN:
		return "mv";
	case LINK_WIREGUARD:
		return "wg";
	case LINK_TUN:
		return "tun";
	default:
		return NULL;
	}
}

/* N counts only the earlier links of the same family, so a derived name
 * (eth0, mv0, ...) does not change when an unrelated [Link] is added or
 * removed; a rename would mean deleting and re-creating a live link. */
static int link_defaults(struct cfg *c, struct cfg_link *l, size_t index)
{
	enum link_kind k = (enum link_kind)l->kind.v;
	const char *family = name_family(k);
	unsigned nth = 0;

	for (size_t i = 0; family && i < index; i++) {
		const char *f = name_family((enum link_kind)c->links[i].kind.v);
		if (f && STREQ(f, family))
			nth++;
	}
	if (!l->name.loc.line) {
		if (k == LINK_PHYSICAL)
			strscpy(l->name.v, sizeof(l->name.v), l->device.v);
		else
			snprintf(l->name.v, sizeof(l->name.v), "%s%u", family, nth);
	}
	if ((k == LINK_VETH || k == LINK_BRIDGE) && !l->host_name.loc.line)
		derive_host_name(c->name, nth, l->host_name.v);
	return 0;
}

/* Keys that make no sense for a kind. */
static int link_conflicts(const struct cfg_link *l, struct error *e)
{
	enum link_kind k = (enum link_kind)l->kind.v;
	const char *kind = link_kind_to_string(k);
	bool has_host_end = k == LINK_VETH || k == LINK_BRIDGE;

	if (l->device.loc.line && k != LINK_PHYSICAL && k != LINK_MACVLAN)
		return link_err(e, &l->device.loc, "Device= does not apply to Kind=%s%s", kind, "");
	if (l->bridge.loc.line && k != LINK_BRIDGE)
		return link_err(e, &l->bridge.loc, "Bridge= needs Kind=bridge, not Kind=%s%s", kind, "");
	if (l->mode.loc.line && k != LINK_MACVLAN)
		return link_err(e, &l->mode.loc, "Mode= applies only to Kind=macvlan, not Kind=%s%s", kind, "");
	if (l->host_name.loc.line && !has_host_end)
		return link_err(e, &l->host_name.loc, "HostName= applies only to veth and bridge links, not Kind=%s%s",
				kind, "");
	if (l->host_addrs.n && !has_host_end)
		return link_err(e, &l->host_addrs.v[0].loc,
				"HostAddress= applies only to veth and bridge links, not Kind=%s%s", kind, "");
	if (l->host_addrs.n && k == LINK_BRIDGE)
		return link_err(e, &l->host_addrs.v[0].loc,
				"HostAddress= cannot be used with Kind=bridge: the host end is a bridge port; address the bridge itself%s%s",
				"", "");
	if (l->masquerade.loc.line && l->masquerade.v && !has_host_end)
		return link_err(e, &l->masquerade.loc,
				"Masquerade= needs a link with a host end (Kind=veth or bridge), not Kind=%s%s", kind, "");
	if (l->force.loc.line && k != LINK_PHYSICAL)
		return link_err(e, &l->force.loc, "Force= applies only to Kind=physical%s%s", "", "");
	if (l->wait_for_device.loc.line && k != LINK_PHYSICAL)
		return link_err(e, &l->wait_for_device.loc, "WaitForDevice= applies only to Kind=physical%s%s", "", "");
	return 0;
}

/* ---- Kind=wireguard and Kind=tun ----------------------------------------- */

#define WG_HINT "see docs/VPN.md"

static int vpn_err(struct error *e, const struct cfg_loc *loc, const char *fmt, ...) _printf_(3, 4);
static int vpn_err(struct error *e, const struct cfg_loc *loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r = err_cfg(e, loc->file, loc->line, "%s", msg);
	if (e)
		e->hint = WG_HINT;
	return r;
}

/* Keys of one kind used on another. */
static int vpn_conflicts(const struct cfg_link *l, struct error *e)
{
	const char *kind = link_kind_to_string((enum link_kind)l->kind.v);
	const struct {
		const char *key;
		const struct cfg_loc *loc;
		enum link_kind needs;
	} keys[] = {
		{ "PrivateKeyFile", &l->private_key_file.loc, LINK_WIREGUARD },
		{ "ListenPort", &l->listen_port.loc, LINK_WIREGUARD },
		{ "FirewallMark", &l->fwmark.loc, LINK_WIREGUARD },
		{ "Implementation", &l->impl.loc, LINK_WIREGUARD },
		{ "User", &l->user.loc, LINK_TUN },
		{ "Group", &l->group.loc, LINK_TUN },
	};

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (keys[i].loc->line && l->kind.v != (int)keys[i].needs)
			return vpn_err(e, keys[i].loc, "%s= applies only to Kind=%s, not Kind=%s", keys[i].key,
				       link_kind_to_string(keys[i].needs), kind);
	if (l->n_peers && l->kind.v != LINK_WIREGUARD)
		return vpn_err(e, &l->peers[0].loc,
			       "[WireGuardPeer] belongs to the [Link] before it, which is Kind=%s, not Kind=wireguard",
			       kind);
	if (l->kind.v == LINK_WIREGUARD && !l->private_key_file.v)
		return vpn_err(e, &l->kind.loc,
			       "Kind=wireguard needs PrivateKeyFile= (a root-owned file of mode 0600 holding the key, as `wg genkey` writes it)");
	return 0;
}

static bool host_bits_clear(const struct cfg_addr *a);

static int check_allowed_ips(const struct cfg *c, const struct cfg_link *l, const struct cfg_wg_peer *p,
			     struct error *e)
{
	char txt[64];

	for (size_t i = 0; i < p->allowed_ips.n; i++) {
		const struct cfg_addr *a = &p->allowed_ips.v[i];
		if (!host_bits_clear(a))
			return vpn_err(e, &a->loc, "AllowedIPs=%s has host bits set",
				       cfg_addr_to_string(a, true, txt, sizeof(txt)));
		if (a->family == AF_INET6 && !c->ipv6.v)
			return vpn_err(e, &a->loc, "IPv6 AllowedIPs=%s, but [Namespace] IPv6=no",
				       cfg_addr_to_string(a, true, txt, sizeof(txt)));
		/* WireGuard routes a prefix to exactly one peer of a device. */
		for (const struct cfg_wg_peer *q = l->peers; q <= p; q++)
			for (size_t j = 0; j < (q == p ? i : q->allowed_ips.n); j++)
				if (cfg_addr_equal(&q->allowed_ips.v[j], a))
					return vpn_err(e, &a->loc, "AllowedIPs=%s is given twice on link '%s'",
						       cfg_addr_to_string(a, true, txt, sizeof(txt)), l->name.v);
	}
	return 0;
}

static int validate_peers(const struct cfg *c, const struct cfg_link *l, struct error *e)
{
	for (size_t i = 0; i < l->n_peers; i++) {
		const struct cfg_wg_peer *p = &l->peers[i];
		int r;

		if (!p->public_key_loc.line)
			return vpn_err(e, &p->loc, "[WireGuardPeer] needs PublicKey=");
		for (size_t j = 0; j < i; j++)
			if (memcmp(l->peers[j].public_key, p->public_key, CFG_KEY_LEN) == 0)
				return vpn_err(e, &p->public_key_loc,
					       "the same PublicKey= is used by an earlier [WireGuardPeer] (line %u)",
					       l->peers[j].public_key_loc.line);
		r = check_allowed_ips(c, l, p, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The default route of a family a tunnel link claims (AllowedIPs covers
 * 0.0.0.0/0 or ::/0), or NULL. */
static const struct cfg_addr *tunnel_default(const struct cfg_link *l, int family)
{
	for (size_t i = 0; i < l->n_peers; i++)
		for (size_t j = 0; j < l->peers[i].allowed_ips.n; j++) {
			const struct cfg_addr *a = &l->peers[i].allowed_ips.v[j];
			if (a->family == family && a->prefixlen == 0)
				return a;
		}
	return NULL;
}

/* A second default route of the same family and metric would replace the
 * tunnel's (netnsctl adds routes with NLM_F_REPLACE) and send everything
 * around the tunnel: refuse it rather than let the order decide. */
static int check_vpn_defaults(const struct cfg *c, struct error *e)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		const struct cfg_link *owner = NULL;
		for (size_t i = 0; i < c->n_links; i++) {
			const struct cfg_link *l = &c->links[i];
			const struct cfg_addr *d = tunnel_default(l, families[f]);
			if (!d)
				continue;
			if (owner)
				return vpn_err(e, &d->loc, "links '%s' and '%s' both claim the default route (AllowedIPs=%s)",
					       owner->name.v, l->name.v, families[f] == AF_INET ? "0.0.0.0/0" : "::/0");
			owner = l;
		}
		for (size_t i = 0; owner && i < c->n_links; i++)
			for (size_t j = 0; j < c->links[i].gateways.n; j++)
				if (c->links[i].gateways.v[j].family == families[f])
					return vpn_err(e, &c->links[i].gateways.v[j].loc,
						       "Gateway= would replace the default route through the tunnel '%s' (its AllowedIPs cover %s); use a [Route] with a higher Metric= for a fallback",
						       owner->name.v, families[f] == AF_INET ? "0.0.0.0/0" : "::/0");
		for (size_t i = 0; owner && i < c->n_routes; i++) {
			const struct cfg_route *rt = &c->routes[i];
			if (rt->dst.family == families[f] && rt->dst.prefixlen == 0 && rt->metric.v == 0)
				return vpn_err(e, &rt->dst.loc,
					       "this default route would replace the one through the tunnel '%s'; give it a Metric= for a fallback",
					       owner->name.v);
		}
	}
	return 0;
}

static int validate_vpn(const struct cfg *c, struct error *e)
{
	for (size_t i = 0; i < c->n_links; i++) {
		int r = validate_peers(c, &c->links[i], e);
		if (r < 0)
			return r;
	}
	return check_vpn_defaults(c, e);
}

static int check_gateways(const struct cfg_link *l, struct error *e)
{
	for (size_t i = 0; i < l->gateways.n; i++) {
		const struct cfg_addr *g = &l->gateways.v[i];
		bool have_family = false;

		for (size_t j = 0; j < i; j++)
			if (l->gateways.v[j].family == g->family)
				return link_err(e, &g->loc, "more than one %s Gateway= on this link%s",
						g->family == AF_INET ? "IPv4" : "IPv6", "");
		for (size_t j = 0; j < l->addrs.n; j++)
			if (l->addrs.v[j].family == g->family)
				have_family = true;
		/* An IPv6 gateway may be link-local; IPv6 links always have one. */
		if (!have_family && g->family == AF_INET)
			return link_err(e, &g->loc,
					"IPv4 Gateway= on a link without an IPv4 Address= cannot be reached%s%s", "", "");
	}
	return 0;
}

static int validate_link(struct cfg *c, struct cfg_link *l, size_t index, struct error *e)
{
	enum link_kind k;
	int r;

	if (l->kind.v < 0)
		return link_err(e, &l->loc, "[Link] needs Kind= (physical, veth, macvlan, bridge, wireguard or tun)%s%s",
				"", "");
	k = (enum link_kind)l->kind.v;
	if ((k == LINK_PHYSICAL || k == LINK_MACVLAN) && !l->device.loc.line)
		return link_err(e, &l->kind.loc, "Kind=%s needs Device=%s",
				link_kind_to_string(k),
				k == LINK_PHYSICAL ? " (the host interface to move in)" : " (the parent interface)");
	if (k == LINK_BRIDGE && !l->bridge.loc.line)
		return link_err(e, &l->kind.loc, "Kind=bridge needs Bridge= (an existing bridge on the host)%s%s", "",
				"");
	r = link_conflicts(l, e);
	if (r < 0)
		return r;
	r = vpn_conflicts(l, e);
	if (r < 0)
		return r;
	if (l->mtu.loc.line && (l->mtu.v < 68 || l->mtu.v > 65535)) {
		r = err_cfg(e, l->mtu.loc.file, l->mtu.loc.line, "MTU=%u out of range (68-65535)", l->mtu.v);
		if (e)
			e->hint = LINK_HINT;
		return r;
	}
	link_defaults(c, l, index);
	return check_gateways(l, e);
}

/* A physical link's default name is its Device=, which the user chose. */
static bool name_derived(const struct cfg_link *l)
{
	return !l->name.loc.line && l->kind.v != LINK_PHYSICAL;
}

static int check_unique_names(const struct cfg *c, struct error *e)
{
	for (size_t i = 0; i < c->n_links; i++)
		for (size_t j = 0; j < i; j++) {
			const struct cfg_link *a = &c->links[j], *b = &c->links[i];
			if (STREQ(a->name.v, b->name.v)) {
				const struct cfg_link *d = name_derived(b) ? b : name_derived(a) ? a : NULL;
				if (d)
					return link_err(e, &d->loc,
							"the default name of this link, '%s', is used by another link; set Name=%s",
							d->name.v, "");
				return link_err(e, &b->loc,
						"two links are named '%s' inside the namespace; set a different Name=%s",
						b->name.v, "");
			}
			if (a->host_name.v[0] && STREQ(a->host_name.v, b->host_name.v))
				return link_err(e, &b->loc, "two links use host name '%s'; set HostName=%s",
						b->host_name.v, "");
			if (a->kind.v == LINK_PHYSICAL && b->kind.v == LINK_PHYSICAL &&
			    STREQ(a->device.v, b->device.v))
				return link_err(e, &b->loc, "device '%s' is moved in twice%s", b->device.v, "");
		}
	for (size_t i = 0; i < c->n_links; i++)
		if (STREQ(c->links[i].name.v, "lo"))
			return link_err(e, &c->links[i].loc, "'lo' is reserved for the loopback device%s%s", "", "");
	return 0;
}

/* True if no bit past the prefix length is set (the kernel refuses a route
 * to 10.0.0.1/8). */
static bool host_bits_clear(const struct cfg_addr *a)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	for (size_t bit = a->prefixlen; bit < n * 8; bit++)
		if (a->raw[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static int check_destination(const struct cfg *c, struct cfg_route *rt, struct error *e)
{
	char have[64], want[64];

	if (!rt->dst.loc.line)
		return err_cfg(e, rt->loc.file, rt->loc.line,
			       "[Route] needs Destination= (a prefix such as 10.0.0.0/8, or 'default')");
	/* 'default' is stored without a family: it is the default route of the
	 * gateway's family, IPv4 when there is no gateway. */
	if (!rt->dst.family)
		rt->dst.family = rt->gw.family ? rt->gw.family : AF_INET;
	if (!host_bits_clear(&rt->dst)) {
		struct cfg_addr net = rt->dst;
		for (size_t bit = net.prefixlen; bit < sizeof(net.raw) * 8; bit++)
			net.raw[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		return err_cfg(e, rt->dst.loc.file, rt->dst.loc.line,
			       "Destination=%s has host bits set (did you mean %s?)",
			       cfg_addr_to_string(&rt->dst, true, have, sizeof(have)),
			       cfg_addr_to_string(&net, true, want, sizeof(want)));
	}
	if (rt->dst.family == AF_INET6 && !c->ipv6.v)
		return err_cfg(e, rt->dst.loc.file, rt->dst.loc.line, "IPv6 route, but [Namespace] IPv6=no");
	return 0;
}

static int validate_route(const struct cfg *c, struct cfg_route *rt, struct error *e)
{
	bool found = false;
	int r;

	r = check_destination(c, rt, e);
	if (r < 0)
		return r;
	if (!rt->gw.family && !rt->link.loc.line)
		return err_cfg(e, rt->loc.file, rt->loc.line, "[Route] needs Gateway= or Link=");
	if (rt->gw.family && rt->gw.family != rt->dst.family)
		return err_cfg(e, rt->gw.loc.file, rt->gw.loc.line,
			       "Gateway= and Destination= are of different address families");
	if (rt->link.loc.line) {
		for (size_t i = 0; i < c->n_links; i++)
			if (STREQ(c->links[i].name.v, rt->link.v))
				found = true;
		if (!found)
			return err_cfg(e, rt->link.loc.file, rt->link.loc.line,
				       "Link=%s names no link of this namespace", rt->link.v);
	}
	return 0;
}

static int check_ipv6_off(const struct cfg *c, struct error *e)
{
	if (c->ipv6.v)
		return 0;
	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		for (size_t j = 0; j < l->addrs.n; j++)
			if (l->addrs.v[j].family == AF_INET6)
				return err_cfg(e, l->addrs.v[j].loc.file, l->addrs.v[j].loc.line,
					       "IPv6 address, but [Namespace] IPv6=no");
		for (size_t j = 0; j < l->gateways.n; j++)
			if (l->gateways.v[j].family == AF_INET6)
				return err_cfg(e, l->gateways.v[j].loc.file, l->gateways.v[j].loc.line,
					       "IPv6 gateway, but [Namespace] IPv6=no");
	}
	for (size_t i = 0; i < c->nameservers.n; i++)
		if (c->nameservers.v[i].family == AF_INET6)
			return err_cfg(e, c->nameservers.v[i].loc.file, c->nameservers.v[i].loc.line,
				       "IPv6 Nameserver=, but [Namespace] IPv6=no");
	return 0;
}

bool cfg_has_host_link(const struct cfg *c)
{
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].kind.v == LINK_VETH || c->links[i].kind.v == LINK_BRIDGE)
			return true;
	return false;
}

#define PUBLISH_HINT "see netnsctl.conf(5), section [Publish]"

static int publish_err(struct error *e, const struct cfg_loc *loc, const char *msg)
{
	int r = err_cfg(e, loc->file, loc->line, "%s", msg);
	if (e)
		e->hint = PUBLISH_HINT;
	return r;
}

static bool ports_overlap(const struct cfg_ports *a, const struct cfg_ports *b)
{
	return a->lo <= b->hi && b->lo <= a->hi;
}

static int validate_publish(struct cfg *c, struct cfg_publish *p, size_t index, struct error *e)
{
	if (!p->host_port.lo)
		return publish_err(e, &p->loc, "[Publish] needs HostPort=");
	if (!p->port.lo)
		p->port = p->host_port;
	if (p->port.hi - p->port.lo != p->host_port.hi - p->host_port.lo)
		return publish_err(e, &p->port.loc, "Port= and HostPort= ranges must have the same length");
	if (!p->mode.loc.line)
		p->mode.v = cfg_has_host_link(c) ? PUBLISH_NAT : PUBLISH_PROXY;
	if (p->mode.v == PUBLISH_NAT && !cfg_has_host_link(c))
		return publish_err(e, &p->mode.loc,
				   "Mode=nat needs a link with a host end (Kind=veth or bridge); use Mode=proxy");
	if (p->mode.v == PUBLISH_PROXY && p->proto.v != FW_TCP)
		return publish_err(e, &p->proto.loc, "Mode=proxy forwards TCP only");
	if (p->host_addr.family == AF_INET6 && !c->ipv6.v)
		return publish_err(e, &p->host_addr.loc, "IPv6 HostAddress=, but IPv6=no");
	if (!p->max_conn.loc.line)
		p->max_conn.v = 4096;
	if (p->max_conn.v == 0)
		return publish_err(e, &p->max_conn.loc, "MaxConnections= must be at least 1");
	for (size_t j = 0; j < index; j++) {
		const struct cfg_publish *q = &c->publish[j];
		bool same_addr = !p->host_addr.family || !q->host_addr.family ||
				 cfg_addr_equal(&p->host_addr, &q->host_addr);
		if (q->proto.v == p->proto.v && same_addr && ports_overlap(&q->host_port, &p->host_port))
			return publish_err(e, &p->host_port.loc, "HostPort= overlaps an earlier [Publish]");
	}
	return 0;
}

int cfg_validate(struct cfg *c, struct error *e)
{
	int r;

	for (size_t i = 0; i < c->n_links; i++) {
		r = validate_link(c, &c->links[i], i, e);
		if (r < 0)
			return r;
	}
	r = check_unique_names(c, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_routes; i++) {
		r = validate_route(c, &c->routes[i], e);
		if (r < 0)
			return r;
	}
	r = validate_vpn(c, e);
	if (r < 0)
		return r;
	if (c->dns_loc.line && c->nameservers.n == 0)
		return err_cfg(e, c->dns_loc.file, c->dns_loc.line, "[DNS] needs at least one Nameserver=");
	if (c->dns_loc.line && !c->dns_leak_guard.loc.line)
		c->dns_leak_guard.v = true;
	for (size_t i = 0; i < c->n_links; i++)
		if (!c->links[i].tunnel.loc.line)
			c->links[i].tunnel.v = c->links[i].kind.v == LINK_WIREGUARD;
	for (size_t i = 0; i < c->n_publish; i++) {
		r = validate_publish(c, &c->publish[i], i, e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->joins.n; i++) {
		const char *why = join_unit_problem(c->joins.v[i].v);
		if (why)
			return err_cfg(e, c->joins.v[i].loc.file, c->joins.v[i].loc.line,
				       "Join=%s cannot join a namespace: %s", c->joins.v[i].v, why);
	}
	return check_ipv6_off(c, e);
}
