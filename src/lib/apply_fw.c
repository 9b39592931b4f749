/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firewall, NAT and published ports for `up` (issue 6; docs/FIREWALL.md):
 * [Link] Masquerade=, [Publish] Mode=nat and [Firewall].
 *
 * Host side: this namespace's part of the shared table `inet netnsctl`
 * (base chains pre-NAME, out-NAME, post-NAME, fwd-NAME and the claims of
 * its published ports), added in one transaction, plus the forwarding and
 * route_localnet sysctls that NAT and publishing need. Inside: the table
 * `inet netnsctl` with the inbound policy and the kill switch, also one
 * transaction. Every rule is rendered here, one command per line, and each
 * line remembers the config line it came from, so that an error from
 * libnftables points at the config. */
#include <linux/close_range.h>
#include <net/if.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdio.h>

#include "apply_int.h"
#include "fault.h"
#include "fileio.h"
#include "netns.h"
#include "nft.h"

#define FW_HINT "see docs/FIREWALL.md"
#define HASH_PLACEHOLDER "########"
/* ct mark bit for connections that came in through a non-tunnel link: the
 * kill switch lets their replies out (published ports, inbound SSH). */
#define KS_MARK "0x10000000"
#define T "inet " NFT_TABLE

/* ---- batches ------------------------------------------------------------------------ */

void fw_batch_free(struct fw_batch *b)
{
	free(b->text);
	free(b->locs);
	*b = (struct fw_batch){ 0 };
}

/* Append one command (one line) produced by the config line loc. */
int fw_line(struct fw_batch *b, const struct cfg_loc *loc, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL, *nt;
	const struct cfg_loc **nl;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	nt = realloc(b->text, b->len + (size_t)n + 2);
	nl = nt ? realloc(b->locs, (b->n_lines + 1) * sizeof(*nl)) : NULL;
	if (nt)
		b->text = nt;
	if (!nl) {
		free(line);
		return -ENOMEM;
	}
	b->locs = nl;
	memcpy(b->text + b->len, line, (size_t)n);
	b->len += (size_t)n;
	b->text[b->len++] = '\n';
	b->text[b->len] = '\0';
	b->locs[b->n_lines++] = loc && loc->line ? loc : NULL;
	free(line);
	return 0;
}

static int batch_append(struct fw_batch *dst, const struct fw_batch *src)
{
	const char *p = src->text;

	for (size_t i = 0; p && i < src->n_lines; i++) {
		size_t n = strcspn(p, "\n");
		if (fw_line(dst, src->locs[i], "%.*s", (int)n, p) < 0)
			return -ENOMEM;
		p += n + 1;
	}
	dst->deletes |= src->deletes;
	return 0;
}

/* Replace the placeholder with a hash of everything else, so that `up`
 * can tell whether what is loaded is what the config says. */
static void batch_seal(struct fw_batch *b, char ret_hash[9])
{
	char *p;

	snprintf(ret_hash, 9, "%08x", b->text ? str_hash(b->text) : 0u);
	for (p = b->text; p && (p = strstr(p, HASH_PLACEHOLDER)); p += 8)
		memcpy(p, ret_hash, 8);
}

/* ---- what the config asks for ---------------------------------------------------------- */

static bool has_host_end(const struct cfg_link *l)
{
	return l->kind.v == LINK_VETH || l->kind.v == LINK_BRIDGE;
}

/* The host interface the namespace's traffic enters the host's IP layer
 * through: the veth's host end, or the bridge its host end is a port of. */
static const char *host_if(const struct cfg_link *l)
{
	return l->kind.v == LINK_BRIDGE ? l->bridge.v : l->host_name.v;
}

static bool addr_global(const struct cfg_addr *a)
{
	return a->family == AF_INET || !(a->raw[0] == 0xfe && (a->raw[1] & 0xc0) == 0x80);
}

static bool publishes_nat(const struct cfg *c)
{
	for (size_t i = 0; i < c->n_publish; i++)
		if (c->publish[i].mode.v == PUBLISH_NAT)
			return true;
	return false;
}

bool fw_wants_host(const struct cfg *c)
{
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].masquerade.v && has_host_end(&c->links[i]))
			return true;
	return publishes_nat(c);
}

bool fw_wants_ns(const struct cfg *c)
{
	return c->fw_policy.v == FW_DROP || c->kill_switch.v;
}

/* Where published ports of a family go: the first global address of that
 * family on a link with a host end. */
static const struct cfg_link *publish_target(const struct cfg *c, int family, const struct cfg_addr **ret)
{
	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		for (size_t k = 0; has_host_end(l) && k < l->addrs.n; k++)
			if (l->addrs.v[k].family == family && addr_global(&l->addrs.v[k])) {
				*ret = &l->addrs.v[k];
				return l;
			}
	}
	*ret = NULL;
	return NULL;
}

/* "web.conf:12": the config line, short enough for a rule comment. */
static const char *loc_text(const struct cfg_loc *loc, char *buf, size_t size)
{
	const char *base = loc && loc->file ? strrchr(loc->file, '/') : NULL;

	base = base ? base + 1 : loc && loc->file ? loc->file : "";
	snprintf(buf, size, "%.60s:%u", base, loc ? loc->line : 0);
	for (char *p = buf; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '_';
	return buf;
}

/* A name that goes inside "..." in a rule. */
static int check_quotable(const char *s, const struct cfg_loc *loc, struct error *e)
{
	if (!strpbrk(s, "\"\\"))
		return 0;
	return err_cfg(e, loc->file, loc->line, "'%s' cannot be used in a firewall rule (it contains '\"' or '\\')", s);
}

/* ---- the host part ------------------------------------------------------------------------ */

/* The link's global addresses of family, "a, b", or NULL if none (or
 * out of memory: the caller's fw_line fails the same way). */
static char *addr_list(const struct cfg_link *l, int family)
{
	char *list = NULL, a[64];
	size_t size = 0;
	FILE *f = open_memstream(&list, &size);
	bool any = false;

	if (!f)
		return NULL;
	for (size_t k = 0; k < l->addrs.n; k++) {
		const struct cfg_addr *x = &l->addrs.v[k];
		if (x->family != family || !addr_global(x))
			continue;
		fprintf(f, "%s%s", any ? ", " : "", cfg_addr_to_string(x, false, a, sizeof(a)));
		any = true;
	}
	if (fclose(f) != 0 || !any) {
		free(list);
		return NULL;
	}
	return list;
}

static int render_masq_link(const struct cfg *c, const struct cfg_link *l, struct fw_batch *b, struct error *e)
{
	const struct cfg_loc *loc = l->masquerade.loc.line ? &l->masquerade.loc : &l->loc;
	char where[80];
	int n = 0;

	for (int f = 0; f < 2; f++) {
		_cleanup_free_ char *list = addr_list(l, f ? AF_INET6 : AF_INET);
		if (!list)
			continue;
		n++;
		if (fw_line(b, loc, "add rule " T " post-%s %s saddr { %s } oifname != \"%s\" counter masquerade comment \"Masquerade=yes %s\"",
			    c->name, f ? "ip6" : "ip", list, host_if(l), loc_text(loc, where, sizeof(where))) < 0)
			return -ENOMEM;
	}
	if (n == 0)
		return err_cfg(e, loc->file, loc->line, "Masquerade=yes, but link '%s' has no Address= to masquerade", l->name.v);
	return 0;
}

/* "8080" or "8000-8010" */
static const char *ports_text(const struct cfg_ports *p, char *buf, size_t size)
{
	if (p->hi > p->lo)
		snprintf(buf, size, "%u-%u", p->lo, p->hi);
	else
		snprintf(buf, size, "%u", p->lo);
	return buf;
}

/* The DNAT target: the address, ":PORT", or a per-port map for a range
 * that moves (nftables has no port offset). */
static int dnat_target(const struct cfg_publish *p, int family, const struct cfg_addr *to, char **ret)
{
	const char *proto = p->proto.v == FW_UDP ? "udp" : "tcp";
	bool v6 = family == AF_INET6;
	size_t size = 0;
	char a[64];
	FILE *f;

	cfg_addr_to_string(to, false, a, sizeof(a));
	*ret = NULL;
	f = open_memstream(ret, &size);
	if (!f)
		return -ENOMEM;
	if (p->port.lo == p->host_port.lo)
		fprintf(f, "%s", a);
	else if (p->port.hi == p->port.lo)
		fprintf(f, v6 ? "[%s]:%u" : "%s:%u", a, p->port.lo);
	else {
		fprintf(f, v6 ? "[%s] : %s dport map {" : "%s : %s dport map {", a, proto);
		for (unsigned k = 0; k <= (unsigned)(p->host_port.hi - p->host_port.lo); k++)
			fprintf(f, "%s %u : %u", k ? "," : "", p->host_port.lo + k, p->port.lo + k);
		fprintf(f, " }");
	}
	if (fclose(f) != 0) {
		free(*ret);
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The claim of every published host port, one element per port, so that
 * the kernel refuses a port another namespace already publishes. */
static int render_claims(const struct cfg *c, const struct cfg_publish *p, int family, struct fw_batch *b)
{
	const char *proto = p->proto.v == FW_UDP ? "udp" : "tcp";
	_cleanup_free_ char *list = NULL;
	char addr[64] = "";
	size_t size = 0;
	FILE *f = open_memstream(&list, &size);

	if (!f)
		return -ENOMEM;
	if (p->host_addr.family)
		cfg_addr_to_string(&p->host_addr, false, addr, sizeof(addr));
	else
		strscpy(addr, sizeof(addr), family == AF_INET ? "0.0.0.0" : "::");
	for (unsigned k = p->host_port.lo; k <= p->host_port.hi; k++)
		fprintf(f, "%s%s . %s . %u comment \"ns=%s\"", k > p->host_port.lo ? ", " : "", addr, proto, k, c->name);
	if (fclose(f) != 0)
		return -ENOMEM;
	return fw_line(b, &p->host_port.loc, "create element " T " published%d { %s }", family == AF_INET ? 4 : 6, list);
}

static int render_publish_family(const struct cfg *c, const struct cfg_publish *p, int family,
				 const struct cfg_addr *to, struct fw_batch *b)
{
	const char *proto = p->proto.v == FW_UDP ? "udp" : "tcp", *ip = family == AF_INET ? "ip" : "ip6";
	char ports[32], where[80], daddr[100] = "", a[64];
	_cleanup_free_ char *target = NULL;
	int r;

	if (p->host_addr.family)
		snprintf(daddr, sizeof(daddr), "%s daddr %s ", ip, cfg_addr_to_string(&p->host_addr, false, a, sizeof(a)));
	r = dnat_target(p, family, to, &target);
	if (r < 0)
		return r;
	ports_text(&p->host_port, ports, sizeof(ports));
	loc_text(&p->loc, where, sizeof(where));
	for (int hook = 0; hook < 2; hook++) {
		r = fw_line(b, &p->loc, "add rule " T " %s-%s meta nfproto ipv%d fib daddr type local %s%s dport %s counter dnat %s to %s comment \"[Publish] %s\"",
			    hook ? "out" : "pre", c->name, family == AF_INET ? 4 : 6, daddr, proto, ports, ip, target, where);
		if (r < 0)
			return r;
	}
	return render_claims(c, p, family, b);
}

static int render_publish(const struct cfg *c, const struct cfg_publish *p, struct fw_batch *b, struct error *e)
{
	const struct cfg_loc *loc = p->mode.loc.line ? &p->mode.loc : &p->loc;
	int done = 0, r;

	if (p->host_addr.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&p->host_addr.v6))
		return err_cfg(e, p->host_addr.loc.file, p->host_addr.loc.line,
			       "HostAddress=::1 cannot be published with Mode=nat: the kernel never routes IPv6 loopback traffic out of lo (use 127.0.0.1, or Mode=proxy)");
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		const struct cfg_addr *to;
		if ((p->host_addr.family && p->host_addr.family != family) || (f && !c->ipv6.v) ||
		    !publish_target(c, family, &to))
			continue;
		r = render_publish_family(c, p, family, to, b);
		if (r < 0)
			return r;
		done++;
	}
	if (!done)
		return err_cfg(e, loc->file, loc->line, "Mode=nat needs an %s Address= on a veth or bridge link to forward to",
			       p->host_addr.family == AF_INET6 ? "IPv6" : "IPv4");
	return 0;
}

static int render_chain(const struct cfg *c, struct fw_batch *b, const char *which, const char *spec)
{
	if (fw_line(b, NULL, "add chain " T " %s-%s { %s; policy accept; comment \"ns=%s hash=" HASH_PLACEHOLDER "\"; }",
		    which, c->name, spec, c->name) < 0 ||
	    fw_line(b, NULL, "flush chain " T " %s-%s", which, c->name) < 0)
		return -ENOMEM;
	return 0;
}

/* Accept (and count) what crosses the host ends. An accept cannot
 * override another table's drop: see docs/FIREWALL.md. */
static int render_forward(const struct cfg *c, struct fw_batch *b)
{
	const char *seen[64];
	size_t n = 0;

	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		const char *h = host_if(l);
		bool dup = false;
		if (!has_host_end(l) || n == ELEMENTSOF(seen))
			continue;
		for (size_t k = 0; k < n; k++)
			dup |= STREQ(seen[k], h);
		if (dup)
			continue;
		seen[n++] = h;
		if (fw_line(b, &l->loc, "add rule " T " fwd-%s iifname \"%s\" counter accept comment \"from the namespace\"", c->name, h) < 0 ||
		    fw_line(b, &l->loc, "add rule " T " fwd-%s oifname \"%s\" counter accept comment \"to the namespace\"", c->name, h) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Host-sourced connections to a published port (127.0.0.1 or a host
 * address) leave with the host end's address, so the namespace can answer
 * them without a route back. */
static int render_local_masq(const struct cfg *c, struct fw_batch *b)
{
	for (int f = 0; f < 2; f++) {
		const struct cfg_addr *to;
		const struct cfg_link *l = publish_target(c, f ? AF_INET6 : AF_INET, &to);
		if (l && fw_line(b, &c->publish[0].loc,
				 "add rule " T " post-%s meta nfproto ipv%d fib saddr type local ct status dnat oifname \"%s\" counter masquerade comment \"[Publish] from the host\"",
				 c->name, f ? 6 : 4, host_if(l)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int fw_render_host(const struct cfg *c, struct fw_batch *b, char ret_hash[9], struct error *e)
{
	bool nat = publishes_nat(c), masq = false;
	int r = 0;

	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		masq |= l->masquerade.v && has_host_end(l);
		if (has_host_end(l) && (r = check_quotable(host_if(l), &l->loc, e)) < 0)
			return r;
	}
	if (nat && ((r = render_chain(c, b, "pre", "type nat hook prerouting priority dstnat + 10")) < 0 ||
		    (r = render_chain(c, b, "out", "type nat hook output priority -90")) < 0))
		return err_set(e, r, "rendering rules");
	if ((masq || nat) && ((r = render_chain(c, b, "post", "type nat hook postrouting priority srcnat + 10")) < 0 ||
			      (r = render_chain(c, b, "fwd", "type filter hook forward priority filter + 10")) < 0 ||
			      (r = render_forward(c, b)) < 0))
		return err_set(e, r, "rendering rules");
	for (size_t i = 0; i < c->n_links && r == 0; i++)
		if (c->links[i].masquerade.v && has_host_end(&c->links[i]))
			r = render_masq_link(c, &c->links[i], b, e);
	for (size_t i = 0; i < c->n_publish && r == 0; i++)
		if (c->publish[i].mode.v == PUBLISH_NAT)
			r = render_publish(c, &c->publish[i], b, e);
	if (r == 0 && nat && render_local_masq(c, b) < 0)
		r = err_set(e, -ENOMEM, "rendering rules");
	if (r == 0)
		batch_seal(b, ret_hash);
	return r;
}

/* ---- the table inside ------------------------------------------------------------------------ */

static int tunnel_list(const struct cfg *c, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].tunnel.v && strlen(buf) + IFNAME_MAX + 5 < size)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s\"%s\"", buf[0] ? ", " : "", c->links[i].name.v);
	return 0;
}

static int render_allow(const struct cfg_allow *a, struct fw_batch *b)
{
	char ports[32], where[80];

	loc_text(&a->loc, where, sizeof(where));
	if (a->proto == FW_ICMP)
		return fw_line(b, &a->loc, "add rule " T " input meta l4proto { icmp, ipv6-icmp } counter accept comment \"Allow=icmp %s\"", where);
	ports_text(&a->ports, ports, sizeof(ports));
	return fw_line(b, &a->loc, "add rule " T " input %s dport %s counter accept comment \"Allow=%s/%s %s\"",
		       fw_proto_to_string(a->proto), ports, fw_proto_to_string(a->proto), ports, where);
}

static int render_policy(const struct cfg *c, struct fw_batch *b)
{
	const struct cfg_loc *loc = &c->fw_policy.loc;
	char where[80];
	int r;

	loc_text(loc, where, sizeof(where));
	if (fw_line(b, loc, "add counter " T " input_dropped") < 0 ||
	    fw_line(b, loc, "add chain " T " input { type filter hook input priority filter; policy drop; }") < 0 ||
	    fw_line(b, loc, "add rule " T " input iifname \"lo\" accept") < 0 ||
	    fw_line(b, loc, "add rule " T " input ct state established,related accept") < 0 ||
	    /* Without neighbour discovery IPv6 does not work at all. */
	    fw_line(b, loc, "add rule " T " input icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-redirect } accept") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < c->fw_allow.n; i++)
		if ((r = render_allow(&c->fw_allow.v[i], b)) < 0)
			return r;
	return fw_line(b, loc, "add rule " T " input counter name input_dropped drop comment \"Policy=drop %s\"", where);
}

static int render_killswitch(const struct cfg *c, struct fw_batch *b)
{
	const struct cfg_loc *loc = &c->kill_switch.loc;
	char tun[1024], where[80];

	tunnel_list(c, tun, sizeof(tun));
	loc_text(loc, where, sizeof(where));
	if (fw_line(b, loc, "add counter " T " killswitch_dropped") < 0 ||
	    fw_line(b, loc, "add chain " T " inbound { type filter hook prerouting priority filter; policy accept; }") < 0 ||
	    fw_line(b, loc, "add rule " T " inbound ct state new iifname != { \"lo\"%s%s } ct mark set ct mark | " KS_MARK,
		    tun[0] ? ", " : "", tun) < 0)
		return -ENOMEM;
	for (int fwd = 0; fwd < 2; fwd++) {
		const char *ch = fwd ? "forward" : "output";
		if (fw_line(b, loc, "add chain " T " %s { type filter hook %s priority filter; policy drop; }", ch, ch) < 0 ||
		    (!fwd && fw_line(b, loc, "add rule " T " output oifname \"lo\" accept") < 0) ||
		    (tun[0] && fw_line(b, loc, "add rule " T " %s oifname { %s } accept", ch, tun) < 0) ||
		    fw_line(b, loc, "add rule " T " %s ct mark & " KS_MARK " == " KS_MARK " accept", ch) < 0 ||
		    /* Neighbour discovery, like ARP, carries no payload; replies
		     * to inbound connections need it. */
		    (!fwd && fw_line(b, loc, "add rule " T " output icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept") < 0) ||
		    fw_line(b, loc, "add rule " T " %s counter name killswitch_dropped drop comment \"KillSwitch=yes %s\"", ch, where) < 0)
			return -ENOMEM;
	}
	return 0;
}

int fw_render_ns(const struct cfg *c, struct fw_batch *b, char ret_hash[9], struct error *e)
{
	int r = fw_line(b, NULL, "add table " T " { comment \"netnsctl hash=" HASH_PLACEHOLDER "\"; }");

	for (size_t i = 0; r == 0 && i < c->n_links; i++)
		if (c->links[i].tunnel.v && (r = check_quotable(c->links[i].name.v, &c->links[i].loc, e)) < 0)
			return r;
	if (r == 0 && c->fw_policy.v == FW_DROP)
		r = render_policy(c, b);
	if (r == 0 && c->kill_switch.v)
		r = render_killswitch(c, b);
	if (r < 0)
		return err_set(e, r, "rendering rules");
	batch_seal(b, ret_hash);
	return 0;
}

/* ---- host sysctls --------------------------------------------------------------------------- */

/* NAT and forwarding need IPv4 forwarding on the devices packets come in
 * through: the host end (outbound) and the host's uplinks (replies, and
 * published ports reached from other hosts). IPv6 has no per-device
 * forwarding switch except force_forwarding (Linux 6.17); without it,
 * IPv6 forwarding is left to the administrator rather than flipping
 * net.ipv6.conf.all.forwarding, which would stop the host from accepting
 * router advertisements. 127.0.0.1 published ports need route_localnet on
 * the host end, for the DNATed packet and for its replies. */
struct fw_sysctl {
	char key[128];
	char old[32];
	bool shared; /* an uplink or a bridge: other namespaces may need it too */
	bool fresh;  /* a host end made by this `up`: goes with it, no record */
	bool change;
};

struct fw_plan {
	struct fw_sysctl v[32];
	size_t n;
};

static void plan_key(struct apply_ctx *ctx, struct fw_plan *p, const char *fam, const char *dev,
		     const char *tail, bool shared)
{
	/* sysctl.d convention: with a dot in the device name, '/' separates. */
	char sep = strchr(dev, '.') ? '/' : '.', key[128];
	struct fw_sysctl *s;

	snprintf(key, sizeof(key), "net%c%s%cconf%c%s%c%s", sep, fam, sep, sep, dev, sep, tail);
	for (size_t i = 0; i < p->n; i++)
		if (STREQ(p->v[i].key, key))
			return;
	if (p->n == ELEMENTSOF(p->v))
		return;
	s = &p->v[p->n++];
	*s = (struct fw_sysctl){ .shared = shared };
	strscpy(s->key, sizeof(s->key), key);
	for (size_t i = 0; !shared && i < ctx->n_undo; i++)
		s->fresh |= ctx->undo[i].kind == U_HOSTLINK && STREQ(ctx->undo[i].name, dev);
}

static void plan_dev(struct apply_ctx *ctx, struct fw_plan *p, const char *dev, bool shared, int family, bool fwd,
		     bool localnet)
{
	if (fwd && family == AF_INET)
		plan_key(ctx, p, "ipv4", dev, "forwarding", shared);
	if (fwd && family == AF_INET6)
		plan_key(ctx, p, "ipv6", dev, "force_forwarding", shared);
	if (localnet)
		plan_key(ctx, p, "ipv4", dev, "route_localnet", shared);
}

/* The devices of the host's default routes, for family. */
static int plan_uplinks(struct apply_ctx *ctx, struct fw_plan *p, int family, struct error *e)
{
	struct live lv = { 0 };
	int r = live_read(&ctx->host, LIVE_ROUTES, &lv, e);

	for (size_t i = 0; r == 0 && i < lv.n_routes; i++) {
		const struct live_route *rt = &lv.routes[i];
		char dev[IF_NAMESIZE];
		if (rt->dst.family == family && rt->dst.prefixlen == 0 && rt->oif > 0 &&
		    if_indextoname((unsigned)rt->oif, dev))
			plan_dev(ctx, p, dev, true, family, true, false);
	}
	live_free(&lv);
	return r;
}

static int plan_sysctls(struct apply_ctx *ctx, struct fw_plan *p, struct error *e)
{
	const struct cfg *c = ctx->c;
	bool fwd[2] = { false, false };
	int r;

	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		for (size_t k = 0; l->masquerade.v && has_host_end(l) && k < l->addrs.n; k++) {
			int f = l->addrs.v[k].family == AF_INET6;
			fwd[f] = true;
			plan_dev(ctx, p, host_if(l), l->kind.v == LINK_BRIDGE, l->addrs.v[k].family, true, false);
		}
	}
	for (size_t i = 0; i < c->n_publish; i++) {
		const struct cfg_publish *pub = &c->publish[i];
		for (int f = 0; pub->mode.v == PUBLISH_NAT && f < 2; f++) {
			const struct cfg_addr *to;
			const struct cfg_link *l = publish_target(c, f ? AF_INET6 : AF_INET, &to);
			bool loop = pub->host_addr.family == AF_INET && (ntohl(pub->host_addr.v4.s_addr) >> 24) == 127;
			if (!l || (pub->host_addr.family && pub->host_addr.family != to->family))
				continue;
			fwd[f] |= !loop;
			plan_dev(ctx, p, host_if(l), l->kind.v == LINK_BRIDGE, to->family, !loop,
				 !f && (loop || !pub->host_addr.family));
		}
	}
	for (int f = 0; f < 2; f++)
		if (fwd[f] && (r = plan_uplinks(ctx, p, f ? AF_INET6 : AF_INET, e)) < 0)
			return r;
	for (size_t i = 0; i < p->n; i++) {
		struct fw_sysctl *s = &p->v[i];
		/* Absent: force_forwarding before Linux 6.17. */
		s->change = sysctl_read(s->key, s->old, sizeof(s->old), NULL) == 0 && !STREQ(s->old, "1");
	}
	return 0;
}

static int apply_sysctl(struct apply_ctx *ctx, const struct fw_sysctl *s, struct error *e)
{
	struct undo u = { .kind = U_HOST_SYSCTL, .host = true };
	const char *f[STATE_FIELDS] = { s->key, s->old };
	int r;

	strscpy(u.key, sizeof(u.key), s->key);
	strscpy(u.value, sizeof(u.value), s->old);
	/* Recorded before the write, as every host-side change is. */
	if (!s->shared && !s->fresh) {
		r = state_add(ctx->st, ST_SYSCTL, f, e);
		if (r < 0)
			return r;
		u.up = 1;
	}
	r = sysctl_write(s->key, "1", NULL, 0, e);
	if (r < 0) {
		ssize_t i = state_find(ctx->st, ST_SYSCTL, s->key);
		if (u.up && i >= 0)
			state_drop(ctx->st, (size_t)i, NULL);
		return r;
	}
	if (s->fresh) {
		ctx->changes++;
		return 0;
	}
	return undo_push(ctx, &u, e);
}

/* ---- the two transactions -------------------------------------------------------------------- */

static ssize_t record_find(const struct state *st, const char *name)
{
	char want[STATE_FIELD_MAX];

	snprintf(want, sizeof(want), NFT_TABLE "/%s", name);
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].kind == ST_NFT && STREQ(st->v[i].f[1], want))
			return (ssize_t)i;
	return -1;
}

static bool created_here(const struct apply_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_undo; i++)
		if (ctx->undo[i].kind == U_NETNS)
			return true;
	return false;
}

/* Whether line n (1-based) of text starts with prefix. */
static bool line_starts(const char *text, unsigned n, const char *prefix)
{
	for (; text && n > 1; n--)
		text = (text = strchr(text, '\n')) ? text + 1 : NULL;
	return text && strncmp(text, prefix, strlen(prefix)) == 0;
}

static int run_batch(struct nft_sess *s, const struct fw_batch *b, const char *what, struct error *e)
{
	unsigned line = 0;
	int r = nft_run(s, b->text, b->deletes, &line, e);
	const struct cfg_loc *loc = line >= 1 && line <= b->n_lines ? b->locs[line - 1] : NULL;

	if (r == 0)
		return 0;
	if (r == -EEXIST && loc && line_starts(b->text, line, "create element "))
		err_set(e, r, "a host port of this [Publish] is already published by another namespace");
	err_set(e, r, "%s", what);
	if (loc) {
		err_at(e, loc->file, loc->line);
		e->hint = FW_HINT;
	}
	return r;
}

/* The namespace's table, replaced in one transaction. A namespace this
 * `up` created has none yet; anything else is listed first, so that an
 * unchanged table is left alone (counters keep counting) and a rollback
 * can put the old one back. */
static int ns_side(struct apply_ctx *ctx, bool had_record, struct error *e)
{
	bool want = fw_wants_ns(ctx->c), created = created_here(ctx);
	struct fw_batch nb = { 0 }, b = { 0 };
	struct undo u = { .kind = U_NFT };
	_cleanup_free_ char *old = NULL;
	struct nft_sess s = { 0 };
	char hash[9] = "", old_hash[16] = "";
	int r = 0;

	if (!want && (created || !had_record))
		return 0;
	if (want && (r = fw_render_ns(ctx->c, &nb, hash, e)) < 0)
		goto out;
	if ((r = nft_open(ctx->ns_fd, &s, e)) < 0)
		goto out;
	if (!created && (r = nft_query(&s, "list table " T, &old, e)) < 0 && r != -ENOENT)
		goto out;
	r = 0;
	if (old) {
		const char *cm = strstr(old, "comment \"netnsctl ");
		nft_comment_hash(cm ? cm : "", old_hash, sizeof(old_hash));
		if (want && STREQ(old_hash, hash))
			goto out; /* unchanged */
		if (fw_line(&b, NULL, "delete table " T) < 0)
			goto oom;
		b.deletes = true;
	} else if (!want) {
		goto out;
	}
	if (batch_append(&b, &nb) < 0)
		goto oom;
	if ((r = run_batch(&s, &b, "loading the rules inside the namespace", e)) < 0)
		goto out;
	if (created) {
		ctx->changes++; /* goes with the namespace on rollback */
		goto out;
	}
	if (asprintf(&u.blob, "%s%s", want ? "delete table " T "\n" : "", old ? old : "") < 0)
		goto oom;
	r = undo_push(ctx, &u, e);
	if (r < 0)
		free(u.blob);
	goto out;
oom:
	r = err_set(e, -ENOMEM, "loading the rules inside the namespace");
out:
	nft_close(&s);
	fw_batch_free(&nb);
	fw_batch_free(&b);
	return r;
}

/* The shared objects, created by whichever namespace comes first. `add`
 * leaves existing ones alone, and for a table without attributes and for
 * sets that costs nothing; re-adding an existing chain, or a table with a
 * comment, is an update the kernel frees only after an RCU grace period,
 * which the closing socket then waits for (10-18 ms). So no comments here,
 * and the restore chain only when there is something to register. */
static int host_header(struct fw_batch *b, bool sets)
{
	if (fw_line(b, NULL, "add table " T) < 0)
		return -ENOMEM;
	if (sets && (fw_line(b, NULL, "add set " T " published4 { type ipv4_addr . inet_proto . inet_service; }") < 0 ||
		     fw_line(b, NULL, "add set " T " published6 { type ipv6_addr . inet_proto . inet_service; }") < 0))
		return -ENOMEM;
	return 0;
}

/* Shared sysctls are listed in the table itself, in the same transaction
 * that claims them: the last namespace to leave puts them back. */
static int host_registry(const struct fw_plan *p, struct fw_batch *b)
{
	bool any = false;

	for (size_t i = 0; i < p->n; i++) {
		if (!p->v[i].change || !p->v[i].shared)
			continue;
		if (!any && fw_line(b, NULL, "add chain " T " " NFT_RESTORE_CHAIN " { comment \"host sysctls netnsctl changed: put back when the last namespace goes\"; }") < 0)
			return -ENOMEM;
		any = true;
		if (fw_line(b, NULL, "add rule " T " " NFT_RESTORE_CHAIN " counter comment \"%s=%s\"", p->v[i].key, p->v[i].old) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Old chains and set elements of name, as a batch that re-creates them. */
static char *part_text(const struct nft_table_info *t, const char *name)
{
	struct fw_batch b = { 0 };
	char owner[128];
	int r = host_header(&b, true);

	r = r < 0 ? r : fw_line(&b, NULL, "table " T " {");
	for (size_t i = 0; r == 0 && i < t->n_chains; i++)
		if (nft_chain_owner(&t->chains[i], owner, sizeof(owner)) && STREQ(owner, name))
			r = fw_line(&b, NULL, "%s", t->chains[i].block);
	r = r < 0 ? r : fw_line(&b, NULL, "}");
	for (size_t i = 0; r == 0 && i < t->n_sets; i++)
		for (size_t k = 0; r == 0 && k < t->sets[i].n_elems; k++)
			if (nft_elem_owner(&t->sets[i].elems[k], owner, sizeof(owner)) && STREQ(owner, name))
				r = fw_line(&b, NULL, "add element " T " %s { %s comment \"%s\" }", t->sets[i].name,
					    t->sets[i].elems[k].key, t->sets[i].elems[k].comment);
	free(b.locs);
	if (r < 0) {
		free(b.text);
		return NULL;
	}
	return b.text;
}

/* Whether name's chains in t are exactly what nb would load. */
static bool part_unchanged(const struct nft_table_info *t, const char *name, const struct fw_batch *nb,
			   const char *hash)
{
	char owner[128], h[16];
	size_t mine = 0, want = 0;

	for (const char *p = nb->text; p && (p = strstr(p, "add chain ")); p++)
		want++;
	for (size_t i = 0; i < t->n_chains; i++) {
		if (!nft_chain_owner(&t->chains[i], owner, sizeof(owner)) || !STREQ(owner, name))
			continue;
		if (!STREQ(nft_comment_hash(t->chains[i].comment, h, sizeof(h)), hash))
			return false;
		mine++;
	}
	return mine == want && want > 0;
}

static int host_read(struct nft_sess *s, struct nft_table_info *t, struct error *e)
{
	_cleanup_free_ char *text = NULL;
	int r = nft_query(s, "list table " T, &text, e);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = nft_table_parse(text, t);
	return r < 0 ? err_set(e, r, "reading table " T) : 0;
}

/* The batch that replaces name's old part (from t, NULL if none was
 * recorded) with nb, unless it is unchanged, plus the registry; empty if
 * there is nothing to do. *ret_undo: the old part, for a rollback. */
static int host_batch(const struct cfg *c, const struct nft_table_info *t, const struct fw_batch *nb,
		      const char *hash, const struct fw_plan *p, struct fw_batch *b, char **ret_undo)
{
	const char *name = c->name;
	bool others, unchanged = t && nb->n_lines && part_unchanged(t, name, nb, hash);
	_cleanup_free_ char *removal = t ? nft_part_removal(t, name, &others) : NULL;
	struct fw_batch reg = { 0 };
	int r = -ENOMEM;

	if ((t && !removal) || host_registry(p, &reg) < 0)
		goto out;
	if ((unchanged || (!nb->n_lines && !(removal && *removal))) && !reg.n_lines) {
		r = 0; /* nothing to do */
		goto out;
	}
	/* The registry first: the restore chain then precedes the chains of
	 * the namespace that made it, whatever comes and goes later. */
	if (host_header(b, publishes_nat(c)) < 0 || batch_append(b, &reg) < 0)
		goto out;
	if (!unchanged) {
		for (const char *l = removal; l && *l;) {
			size_t n = strcspn(l, "\n");
			if (fw_line(b, NULL, "%.*s", (int)n, l) < 0)
				goto out;
			b->deletes = true;
			l += n + (l[n] == '\n');
		}
		if (batch_append(b, nb) < 0 || (t && !(*ret_undo = part_text(t, name))))
			goto out;
	}
	r = 0;
out:
	fw_batch_free(&reg);
	return r;
}

/* This namespace's part of the host table, in two halves so that the
 * first can run before the state is known (fw_async_start): render it and
 * open a libnftables context in the caller's namespace ... */
static int host_prepare(const struct cfg *c, struct fw_batch *nb, char hash[9], struct nft_sess *s,
			struct error *e)
{
	int r = fw_wants_host(c) ? fw_render_host(c, nb, hash, e) : 0;

	return r < 0 ? r : nft_open(-1, s, e);
}

/* ... then compare with what is loaded (had_record) and load the difference
 * in one transaction. *ret_loaded says whether a batch was committed,
 * *ret_undo holds the old part if there was one. Touches nothing of the
 * apply context, so that it can run in another process. */
static int host_run(const struct cfg *c, bool had_record, const struct fw_plan *p, const struct fw_batch *nb,
		    const char *hash, struct nft_sess *s, char **ret_undo, bool *ret_loaded, struct error *e)
{
	struct fw_batch b = { 0 };
	struct nft_table_info t = { 0 };
	int r = 0;

	*ret_loaded = false;
	if (had_record && (r = host_read(s, &t, e)) < 0)
		goto out;
	r = host_batch(c, had_record ? &t : NULL, nb, hash, p, &b, ret_undo);
	if (r < 0) {
		r = err_set(e, r, "rendering rules");
		goto out;
	}
	if (b.n_lines == 0 || (r = run_batch(s, &b, "loading the host rules", e)) < 0)
		goto out;
	*ret_loaded = true;
out:
	nft_table_info_free(&t);
	fw_batch_free(&b);
	return r;
}

/* What a committed host batch leaves to undo: the old part if there was
 * one, else nothing beyond the record's own undo, which removes the part. */
static int host_loaded(struct apply_ctx *ctx, char **undo, struct error *e)
{
	struct undo u = { .kind = U_NFT, .host = true, .blob = *undo };
	int r;

	if (!u.blob) {
		ctx->changes++;
		return 0;
	}
	r = undo_push(ctx, &u, e);
	if (r == 0)
		*undo = NULL;
	return r;
}

static int host_side(struct apply_ctx *ctx, bool had_record, const struct fw_plan *p, struct error *e)
{
	struct fw_batch nb = { 0 };
	struct nft_sess s = { 0 };
	char *undo = NULL, hash[9] = "";
	bool loaded;
	int r;

	if (!fw_wants_host(ctx->c) && !had_record)
		return 0;
	r = host_prepare(ctx->c, &nb, hash, &s, e);
	if (r == 0)
		r = host_run(ctx->c, had_record, p, &nb, hash, &s, &undo, &loaded, e);
	if (r == 0 && loaded)
		r = host_loaded(ctx, &undo, e);
	free(undo);
	nft_close(&s);
	fw_batch_free(&nb);
	return r;
}

/* Only the registry (host_registry), when the host part itself was loaded
 * ahead (fw_async_start): its own transaction, needed only the first time
 * a shared sysctl is changed. Like the registry in host_side's batch, it
 * stays on a rollback: the table's last namespace restores from it. */
static int registry_side(const struct cfg *c, const struct fw_plan *p, struct error *e)
{
	struct fw_batch reg = { 0 }, b = { 0 };
	int r = host_registry(p, &reg);

	if (r == 0 && reg.n_lines > 0) {
		if (host_header(&b, publishes_nat(c)) < 0 || batch_append(&b, &reg) < 0)
			r = err_set(e, -ENOMEM, "registering host sysctls");
		else
			r = nft_run_once(-1, b.text, e);
	}
	fw_batch_free(&reg);
	fw_batch_free(&b);
	return r;
}

/* The record comes first: a crash after the transaction must leave
 * something that tells `down` to look. Its undo removes this namespace's
 * host part, whatever got loaded. */
static int record_add(struct apply_ctx *ctx, struct error *e)
{
	char table[STATE_FIELD_MAX];
	const char *f[STATE_FIELDS] = { "inet", table };
	struct undo u = { .kind = U_NFT, .host = true, .up = 1 };
	int r;

	snprintf(table, sizeof(table), NFT_TABLE "/%s", ctx->c->name);
	r = state_add(ctx->st, ST_NFT, f, e);
	if (r < 0)
		return r;
	r = undo_push(ctx, &u, e);
	if (r < 0)
		state_drop(ctx->st, (size_t)record_find(ctx->st, ctx->c->name), NULL);
	return r;
}

/* ---- the host part, ahead of time ------------------------------------------------------------

 * Loading libnftables and running one batch through it costs about 2 ms of
 * CPU here (0.9 ms dlopen and context, the rest parsing, cache and
 * evaluation in user space), while the kernel's share of the transaction
 * is under 0.3 ms. The host part depends only on the config and on what
 * the table holds, not on the links `up` makes (rules match names and
 * addresses). So `up` forks a helper before it starts: the helper loads
 * libnftables and renders the part while `up` takes the state, waits for
 * `up`'s go (sent once the record is written, as before any transaction),
 * commits the part, and sends back its result; firewall_apply() collects
 * it where the host transaction always ran. On two CPUs that hides most of
 * it; on one it costs what it did. A process rather than a thread: it
 * shares no address space (no TLB shootdowns, no mmap lock between the
 * two), and its exit, not ours, pays for closing the nftables socket.
 *
 * Only without a table inside the namespace: a kill switch or a drop
 * policy must be in place before the host opens any path out, so those
 * configs keep the serial order (inside, then host). A rollback collects
 * the result before it undoes anything. The transaction's fault-injection
 * point is counted here when the result is collected, so that operation
 * numbers stay the same from run to run. */
struct fw_async {
	pid_t pid;
	/* A stream socketpair, not pipes: a helper that died must be an
	 * EPIPE for `up`, not a SIGPIPE. To the helper: one byte, had_record
	 * (shut down without it: give up); from it: struct async_result, then
	 * the undo text. */
	int sock;
	bool had_record;
	bool collected;
	char *undo;
};

struct async_result {
	int r;
	bool loaded;
	size_t undo_len;
	struct error e;
};

/* Everything but our end of the socketpair goes first: the lock, stdout
 * and a caller's pipe must not outlive `up` in here. */
static void async_close_others(int keep)
{
	if ((keep > 0 && close_range(0, (unsigned)keep - 1, 0) < 0) || close_range((unsigned)keep + 1, ~0u, 0) < 0)
		_exit(1);
}

_Noreturn static void async_child(const struct cfg *c, pid_t parent, int sock)
{
	static const struct fw_plan no_registry;
	struct async_result h = { 0 };
	struct fw_batch nb = { 0 };
	struct nft_sess s = { 0 };
	char *undo = NULL, hash[9] = "", had;

	/* Gone with `up` if it dies before its go (a crash, a signal). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(0);
	async_close_others(sock);
	fault_die("helper-start");
	h.r = host_prepare(c, &nb, hash, &s, &h.e);
	if (read_exact(sock, &had, 1) < 0)
		_exit(0); /* `up` failed or gave up before the record: do nothing */
	fault_die("helper-before-commit");
	if (h.r == 0) {
		s.no_fault = true;
		h.r = host_run(c, had == 1, &no_registry, &nb, hash, &s, &undo, &h.loaded, &h.e);
	}
	fault_die("helper-after-commit");
	h.undo_len = undo ? strlen(undo) : 0;
	if (send_all(sock, &h, sizeof(h)) == 0 && h.undo_len)
		(void)send_all(sock, undo, h.undo_len);
	/* Our exit closes the nftables socket: any wait is ours, not up's. */
	_exit(0);
}

/* Called before `up` touches anything (up_steps). */
int fw_async_start(struct apply_ctx *ctx)
{
	const struct cfg *c = ctx->c;
	struct fw_async *a;
	int sv[2];
	pid_t parent = getpid();

	if (!fw_wants_host(c) || fw_wants_ns(c))
		return 0;
	/* Failing any of this only means no head start. */
	a = calloc(1, sizeof(*a));
	if (!a)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(a);
		return 0;
	}
	a->pid = fork();
	if (a->pid == 0)
		async_child(c, parent, sv[1]);
	close(sv[1]);
	if (a->pid < 0) {
		close(sv[0]);
		free(a);
		return 0;
	}
	a->sock = sv[0];
	ctx->fwa = a;
	return 0;
}

/* Once the state is loaded: write the record (as before any transaction),
 * then let the helper commit. */
int fw_async_go(struct apply_ctx *ctx, struct error *e)
{
	struct fw_async *a = ctx->fwa;
	char had;
	int r;

	if (!a)
		return 0;
	a->had_record = record_find(ctx->st, ctx->c->name) >= 0;
	if (!a->had_record && (r = record_add(ctx, e)) < 0)
		return r;
	had = a->had_record;
	/* A helper that is gone already shows up as no result in
	 * fw_async_finish(), and `up` does the work itself. */
	(void)send_all(a->sock, &had, 1);
	return 0;
}

/* The helper's result: the old part for a rollback, its error. e may be
 * NULL (a rollback collects the undo and moves on). A helper that was never
 * told to go is told to give up (end of stream) and does nothing. 1: the
 * helper ended without a result (killed, out of memory): the caller loads
 * the part itself, which is safe whether or not the helper committed. */
int fw_async_finish(struct apply_ctx *ctx, struct error *e)
{
	struct fw_async *a = ctx->fwa;
	struct async_result h;
	int r;

	if (!a || a->collected)
		return 0;
	a->collected = true;
	(void)shutdown(a->sock, SHUT_WR);
	r = read_exact(a->sock, &h, sizeof(h));
	if (r == -EPIPE)
		return 1;
	if (r < 0)
		return err_set(e, r, "loading the host rules");
	if (h.undo_len && (!(a->undo = calloc(1, h.undo_len + 1)) || read_exact(a->sock, a->undo, h.undo_len) < 0))
		return err_set(e, -ENOMEM, "loading the host rules");
	if (h.r < 0) {
		if (e)
			*e = h.e;
		return h.r;
	}
	r = h.loaded ? host_loaded(ctx, &a->undo, e) : 0;
	if (r == 0)
		r = fault_check("nft", e);
	return r;
}

void fw_async_free(struct apply_ctx *ctx)
{
	struct fw_async *a = ctx->fwa;

	if (!a)
		return;
	close(a->sock);
	/* Reaped if it is done; if it is still closing its socket, it is
	 * reparented when we exit. */
	(void)waitpid(a->pid, NULL, WNOHANG);
	free(a->undo);
	free(a);
	ctx->fwa = NULL;
}

int firewall_apply(struct apply_ctx *ctx, struct error *e)
{
	const struct cfg *c = ctx->c;
	bool host = fw_wants_host(c), inside = fw_wants_ns(c), ahead = ctx->fwa != NULL;
	bool had_record = ahead ? ctx->fwa->had_record : record_find(ctx->st, c->name) >= 0;
	struct fw_plan plan = { 0 };
	int r;

	if (!host && !inside && !had_record)
		return 0; /* no libnftables at all */
	if (!ahead && !had_record && (r = record_add(ctx, e)) < 0)
		return r;
	/* Reading what the host needs changes nothing: with a helper at work,
	 * it is done while the helper finishes. */
	r = host ? plan_sysctls(ctx, &plan, e) : 0;
	/* The helper's result next: a failed part fails here, as the serial
	 * transaction would. Without one, whatever it may have committed goes,
	 * and the part is loaded here as if there had been no helper. */
	if (r == 0 && ahead && (r = fw_async_finish(ctx, e)) == 1) {
		ahead = false;
		r = had_record ? 0 : nft_part_remove(-1, c->name, e);
	}
	/* Inside first: the kill switch is in place before the host opens
	 * any path. */
	if (r == 0)
		r = ns_side(ctx, had_record, e);
	if (r == 0)
		r = ahead ? registry_side(c, &plan, e) : host_side(ctx, had_record, &plan, e);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		if (plan.v[i].change)
			r = apply_sysctl(ctx, &plan.v[i], e);
	return r;
}

/* ---- rollback ------------------------------------------------------------------------------- */

static void record_drop(struct apply_ctx *ctx, enum state_kind kind, const char *key)
{
	ssize_t i = kind == ST_NFT ? record_find(ctx->st, ctx->c->name) : state_find(ctx->st, kind, key);

	if (i >= 0)
		state_drop(ctx->st, (size_t)i, NULL);
}

/* Put back name's old part: remove what is there now, load blob. */
static int host_restore(const char *name, const char *blob, struct error *e)
{
	struct nft_table_info t = { 0 };
	struct nft_sess s;
	_cleanup_free_ char *batch = NULL, *removal = NULL;
	bool others;
	int r = nft_open(-1, &s, e);

	if (r < 0)
		return r;
	r = host_read(&s, &t, e);
	if (r == 0 && (!(removal = nft_part_removal(&t, name, &others)) || asprintf(&batch, "%s%s", removal, blob) < 0))
		r = err_set(e, -ENOMEM, "restoring the host rules of '%s'", name);
	if (r == 0)
		r = nft_run(&s, batch, true, NULL, e);
	nft_table_info_free(&t);
	nft_close(&s);
	return r;
}

int fw_undo(struct apply_ctx *ctx, const struct undo *u, struct error *e)
{
	int r;

	if (u->kind == U_HOST_SYSCTL) {
		r = sysctl_write(u->key, u->value, NULL, 0, e);
		if (r == -ENOENT)
			r = 0; /* the device is gone */
		if (r == 0 && u->up)
			record_drop(ctx, ST_SYSCTL, u->key);
		return r;
	}
	if (!u->host)
		return nft_run_once(ctx->ns_fd, u->blob, e);
	if (u->blob)
		return host_restore(ctx->c->name, u->blob, e);
	r = nft_part_remove(-1, ctx->c->name, e);
	if (r == 0 && u->up)
		record_drop(ctx, ST_NFT, NULL);
	return r;
}
