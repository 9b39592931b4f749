/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The checks of `netnsctl verify` (see verify.h). Routes and rules are
 * read with rtnetlink dumps inside the namespace; "is X reached through the
 * tunnel" is asked of the kernel with RTM_GETROUTE, which applies policy
 * rules exactly as a real packet would meet them and sends nothing. */
#include "verify.h"

#include <arpa/inet.h>
#include <limits.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <sys/socket.h>

#include "addr.h"
#include "json.h"
#include "link.h"
#include "live.h"
#include "netlink.h"
#include "netns.h"
#include "nftl.h"

#define MAX_NEXTHOPS 16
#define MAX_TABLES 64

struct vroute {
	struct live_route r;
	int oifs[MAX_NEXTHOPS]; /* the nexthops' devices (r.oif, or each of RTA_MULTIPATH) */
	size_t n_oifs;
	bool nhid;              /* uses a nexthop object: its device is not in the route */
	void *raw;              /* the message as dumped, for putting it back */
};

struct vctx {
	const struct cfg *c;
	int ns_fd;
	struct nl_sock nl;
	struct live live; /* links and addresses inside */
	struct vroute *routes;
	size_t n_routes;
	struct verify_report *rep;
};

static void add_check(struct vctx *x, const char *id, enum verify_result res, const char *fmt, ...)
	_printf_(4, 5);
static void add_check(struct vctx *x, const char *id, enum verify_result res, const char *fmt, ...)
{
	struct verify_check *c = array_append(&x->rep->v, &x->rep->n, sizeof(*c));
	va_list ap;

	if (!c)
		return;
	c->id = id;
	c->result = res;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (res == VERIFY_FAIL)
		x->rep->failed++;
}

/* Append to a detail buffer, "; "-separated, cut with "..." when full. */
static void note(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static void note(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 8 >= size)
		return;
	if (len)
		len += (size_t)snprintf(buf + len, size - len, "; ");
	va_start(ap, fmt);
	if (vsnprintf(buf + len, size - len, fmt, ap) >= (int)(size - len))
		memcpy(buf + size - 4, "...", 4);
	va_end(ap);
}

const char *verify_result_to_string(enum verify_result r)
{
	return r == VERIFY_PASS ? "pass" : r == VERIFY_FAIL ? "fail" : "skip";
}

/* ---- what is a tunnel -------------------------------------------------------- */

static const struct cfg_link *cfg_link_named(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_links; i++)
		if (STREQ(c->links[i].name.v, name))
			return &c->links[i];
	return NULL;
}

static bool is_tunnel(const struct vctx *x, int ifindex)
{
	const struct live_link *l = live_link_by_index(&x->live, ifindex);
	const struct cfg_link *cl = l ? cfg_link_named(x->c, l->name) : NULL;
	return cl && cl->tunnel.v;
}

static bool is_loopback(const struct vctx *x, int ifindex)
{
	const struct live_link *l = live_link_by_index(&x->live, ifindex);
	return l && (l->flags & IFF_LOOPBACK);
}

static const char *ifname_of(const struct vctx *x, int ifindex, char buf[32])
{
	const struct live_link *l = live_link_by_index(&x->live, ifindex);
	if (l)
		return l->name;
	snprintf(buf, 32, "ifindex %d", ifindex);
	return buf;
}

static const char *route_text(const struct live_route *r, char *buf, size_t size)
{
	char a[64];
	if (r->dst.prefixlen == 0)
		snprintf(buf, size, "default");
	else
		cfg_addr_to_string(&r->dst, true, buf, size);
	if (r->table != RT_TABLE_MAIN) {
		snprintf(a, sizeof(a), " (table %u)", r->table);
		strncat(buf, a, size - strlen(buf) - 1);
	}
	return buf;
}

/* ---- reading routes and rules ------------------------------------------------- */

static void parse_multipath(const struct nlattr *mp, struct vroute *vr)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= left) {
		if (vr->n_oifs < MAX_NEXTHOPS)
			vr->oifs[vr->n_oifs++] = nh->rtnh_ifindex;
		size_t step = (size_t)RTNH_ALIGN(nh->rtnh_len);
		left -= step < left ? step : left;
		nh = RTNH_NEXT(nh);
	}
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vctx *x = data;
	struct vroute vr = { 0 };
	const struct nlattr *a;

	if (live_parse_route(nlh, &vr.r) != MNL_CB_OK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		if (mnl_attr_get_type(a) == RTA_MULTIPATH)
			parse_multipath(a, &vr);
		else if (mnl_attr_get_type(a) == RTA_NH_ID)
			vr.nhid = true;
	}
	if (vr.n_oifs == 0 && vr.r.oif)
		vr.oifs[vr.n_oifs++] = vr.r.oif;
	vr.raw = malloc(nlh->nlmsg_len);
	if (!vr.raw)
		return MNL_CB_ERROR;
	memcpy(vr.raw, nlh, nlh->nlmsg_len);
	struct vroute *slot = array_append(&x->routes, &x->n_routes, sizeof(*slot));
	if (!slot) {
		free(vr.raw);
		return MNL_CB_ERROR;
	}
	*slot = vr;
	return MNL_CB_OK;
}

static void routes_free(struct vctx *x)
{
	for (size_t i = 0; i < x->n_routes; i++)
		free(x->routes[i].raw);
	free(x->routes);
	x->routes = NULL;
	x->n_routes = 0;
}

static int read_routes(struct vctx *x, struct error *e)
{
	static const int families[] = { AF_INET, AF_INET6 };

	routes_free(x);
	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		char buf[256] = { 0 };
		struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		rtm->rtm_family = (uint8_t)families[f];
		/* Every table: without strict checking the kernel ignores
		 * the table in the header and dumps them all. */
		int r = nl_dump(&x->nl, nlh, route_cb, NULL, x, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The tables policy rules of family can send a lookup to. */
struct tables {
	uint32_t v[MAX_TABLES];
	size_t n;
	bool all;   /* an l3mdev rule, or too many: treat every table as reachable */
	size_t n_rules;
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tables *t = data;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table = frh->table;

	if (nlh->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh))
		return MNL_CB_OK;
	t->n_rules++;
	mnl_attr_for_each(a, nlh, sizeof(*frh)) {
		if (mnl_attr_get_type(a) == FRA_TABLE && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			table = mnl_attr_get_u32(a);
		if (mnl_attr_get_type(a) == FRA_L3MDEV)
			t->all = true;
	}
	if (frh->action != FR_ACT_TO_TBL)
		return MNL_CB_OK; /* goto, nop, blackhole, unreachable, prohibit */
	if (t->n == MAX_TABLES)
		t->all = true;
	else
		t->v[t->n++] = table;
	return MNL_CB_OK;
}

static int read_rules(struct vctx *x, int family, struct tables *t, struct error *e)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETRULE, 0, sizeof(struct fib_rule_hdr));
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);

	memset(t, 0, sizeof(*t));
	frh->family = (uint8_t)family;
	return nl_dump(&x->nl, nlh, rule_cb, NULL, t, e);
}

static bool table_reachable(const struct tables *t, uint32_t table)
{
	if (t->all)
		return true;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i] == table)
			return true;
	return false;
}

/* ---- the checks ---------------------------------------------------------------- */

static void check_tunnel(struct vctx *x)
{
	char bad[512] = "", good[256] = "";

	for (size_t i = 0; i < x->c->n_links; i++) {
		const struct cfg_link *cl = &x->c->links[i];
		if (!cl->tunnel.v)
			continue;
		const struct live_link *l = live_link_by_name(&x->live, cl->name.v);
		if (!l)
			note(bad, sizeof(bad), "%s is missing", cl->name.v);
		else if (!(l->flags & IFF_UP))
			note(bad, sizeof(bad), "%s is down", cl->name.v);
		else
			note(good, sizeof(good), "%s is up", cl->name.v);
	}
	if (!bad[0] && !good[0])
		add_check(x, "tunnel", VERIFY_FAIL, "no [Link] has Tunnel=yes (Kind=wireguard has it by default)");
	else if (bad[0])
		add_check(x, "tunnel", VERIFY_FAIL, "%s", bad);
	else
		add_check(x, "tunnel", VERIFY_PASS, "%s", good);
}

/* Every device the route sends to; false (with why) if one is not a tunnel. */
static bool route_through_tunnel(const struct vctx *x, const struct vroute *vr, char *why, size_t size)
{
	char name[32];

	if (vr->nhid && vr->n_oifs == 0) {
		snprintf(why, size, "uses a nexthop object, whose device netnsctl cannot check");
		return false;
	}
	for (size_t i = 0; i < vr->n_oifs; i++)
		if (!is_tunnel(x, vr->oifs[i])) {
			snprintf(why, size, "dev %s", ifname_of(x, vr->oifs[i], name));
			return false;
		}
	return vr->n_oifs > 0;
}

static void check_default(struct vctx *x, int family, const struct tables *t)
{
	const char *id = family == AF_INET ? "default-ipv4" : "default-ipv6";
	char bad[512] = "", good[256] = "", why[96], rt[96];

	for (size_t i = 0; i < x->n_routes; i++) {
		const struct vroute *vr = &x->routes[i];
		if (vr->r.dst.family != family || vr->r.dst.prefixlen != 0 || vr->r.type != RTN_UNICAST ||
		    vr->r.table == RT_TABLE_LOCAL || !table_reachable(t, vr->r.table))
			continue;
		if (route_through_tunnel(x, vr, why, sizeof(why)))
			note(good, sizeof(good), "%s dev %s", route_text(&vr->r, rt, sizeof(rt)),
			     ifname_of(x, vr->oifs[0], why));
		else
			note(bad, sizeof(bad), "%s %s", route_text(&vr->r, rt, sizeof(rt)), why);
	}
	if (bad[0])
		add_check(x, id, VERIFY_FAIL, "default route outside the tunnel: %s", bad);
	else if (good[0])
		add_check(x, id, VERIFY_PASS, "%s", good);
	else
		add_check(x, id, VERIFY_PASS, "no %s default route: traffic beyond the local links has no way out",
			  family == AF_INET ? "IPv4" : "IPv6");
}

/* A link's own subnet (from one of its addresses) or IPv6 link-local:
 * such a route reaches only that link's neighbours, never beyond. */
static bool route_stays_on_link(const struct vctx *x, const struct vroute *vr, int oif)
{
	const struct cfg_addr *d = &vr->r.dst;

	if (d->family == AF_INET6 && d->prefixlen >= 10 && d->raw[0] == 0xfe && (d->raw[1] & 0xc0) == 0x80)
		return true;
	if (vr->r.protocol != RTPROT_KERNEL || vr->r.gw.family)
		return false;
	for (size_t i = 0; i < x->live.n_addrs; i++) {
		struct cfg_addr net = x->live.addrs[i].a;
		if (x->live.addrs[i].ifindex != oif || net.family != d->family || net.prefixlen != d->prefixlen)
			continue;
		for (size_t bit = net.prefixlen; bit < sizeof(net.raw) * 8; bit++)
			net.raw[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
		if (memcmp(net.raw, d->raw, d->family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

static void classify_route(const struct vctx *x, const struct vroute *vr, char *bad, char *local, size_t size)
{
	char rt[96], name[32];

	if (vr->nhid && vr->n_oifs == 0) {
		note(bad, size, "%s uses a nexthop object", route_text(&vr->r, rt, sizeof(rt)));
		return;
	}
	for (size_t k = 0; k < vr->n_oifs; k++) {
		int oif = vr->oifs[k];
		if (is_tunnel(x, oif) || is_loopback(x, oif))
			continue;
		if (route_stays_on_link(x, vr, oif))
			note(local, size, "%s dev %s", route_text(&vr->r, rt, sizeof(rt)), ifname_of(x, oif, name));
		else
			note(bad, size, "%s dev %s", route_text(&vr->r, rt, sizeof(rt)), ifname_of(x, oif, name));
	}
}

static void check_bypass(struct vctx *x, int family, const struct tables *t)
{
	const char *id = family == AF_INET ? "bypass-ipv4" : "bypass-ipv6";
	char bad[512] = "", local[256] = "";
	size_t checked = 0;

	for (size_t i = 0; i < x->n_routes; i++) {
		const struct vroute *vr = &x->routes[i];
		if (vr->r.dst.family != family || vr->r.type != RTN_UNICAST || !table_reachable(t, vr->r.table))
			continue;
		checked++;
		classify_route(x, vr, bad, local, sizeof(bad));
	}
	if (bad[0])
		add_check(x, id, VERIFY_FAIL, "routes around the tunnel: %s", bad);
	else
		add_check(x, id, VERIFY_PASS, "%zu routes in %s reached by %zu policy rules; none leaves outside the tunnel%s%s",
			  checked, t->all ? "every table" : "the tables", t->n_rules, local[0] ? "; local only: " : "",
			  local);
}

/* ---- route lookups ---------------------------------------------------------------- */

struct lookup {
	struct live_route r;
	bool found;
};

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lookup *l = data;

	if (live_parse_route(nlh, &l->r) == MNL_CB_OK)
		l->found = true;
	return MNL_CB_OK;
}

/* What the kernel would do with a packet to a: -ENETUNREACH and friends
 * when it has no route. */
static int route_get(struct vctx *x, const struct cfg_addr *a, struct live_route *ret)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct lookup l = { 0 };
	int r;

	rtm->rtm_family = (uint8_t)a->family;
	rtm->rtm_dst_len = a->family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, a->family == AF_INET ? 4 : 16, a->raw);
	r = nl_request(&x->nl, nlh, lookup_cb, &l, NULL);
	if (r < 0)
		return r;
	if (!l.found)
		return -ENOENT;
	*ret = l.r;
	return 0;
}

/* Nameservers from resolv.conf-style text, appended to v. */
static void resolv_nameservers(const char *path, struct cfg_addr_list *v)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char word[64];
		struct cfg_addr a;
		if (sscanf(line, " nameserver %63s", word) != 1)
			continue;
		char *pct = strchr(word, '%'); /* fe80::1%eth0 */
		if (pct)
			*pct = '\0';
		if (cfg_addr_parse(word, false, &a) < 0)
			continue;
		struct cfg_addr *slot = array_append(&v->v, &v->n, sizeof(*slot));
		if (slot)
			*slot = a;
	}
	fclose(f);
}

/* The configured nameservers and those of the resolv.conf programs in the
 * namespace read (/etc/netns/NAME/resolv.conf, else the host's). */
static void collect_nameservers(const struct vctx *x, struct cfg_addr_list *v)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < x->c->nameservers.n; i++) {
		struct cfg_addr *slot = array_append(&v->v, &v->n, sizeof(*slot));
		if (slot)
			*slot = x->c->nameservers.v[i];
	}
	snprintf(path, sizeof(path), "/etc/netns/%s/resolv.conf", x->c->name);
	resolv_nameservers(access(path, F_OK) == 0 ? path : "/etc/resolv.conf", v);
}

static void check_dns(struct vctx *x)
{
	struct cfg_addr_list ns = { 0 };
	char bad[512] = "", good[512] = "", a[64], name[32];

	collect_nameservers(x, &ns);
	for (size_t i = 0; i < ns.n; i++) {
		struct live_route rt;
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= cfg_addr_equal(&ns.v[i], &ns.v[j]);
		if (dup)
			continue;
		cfg_addr_to_string(&ns.v[i], false, a, sizeof(a));
		int r = route_get(x, &ns.v[i], &rt);
		if (r < 0)
			note(bad, sizeof(bad), "%s has no route (%s)", a, strerror(-r));
		else if (rt.type == RTN_LOCAL || is_loopback(x, rt.oif))
			note(good, sizeof(good), "%s is inside the namespace", a);
		else if (rt.type == RTN_UNICAST && is_tunnel(x, rt.oif))
			note(good, sizeof(good), "%s via %s", a, ifname_of(x, rt.oif, name));
		else
			note(bad, sizeof(bad), "%s via %s", a, rt.oif ? ifname_of(x, rt.oif, name) : "no device");
	}
	if (bad[0])
		add_check(x, "dns", VERIFY_FAIL, "nameserver not reached through the tunnel: %s", bad);
	else if (good[0])
		add_check(x, "dns", VERIFY_PASS, "%s", good);
	else
		add_check(x, "dns", VERIFY_SKIP, "no nameserver configured or in resolv.conf");
	free(ns.v);
}

/* ---- the firewall -------------------------------------------------------------------- */

/* The ruleset inside the namespace as `nft list ruleset` prints it; NULL
 * if libnftables is missing or the listing fails. */
static char *ruleset_inside(int ns_fd)
{
	const struct nftl *L = nftl_get();
	struct nft_ctx *nft = NULL;
	char *out = NULL;
	int saved = -1;

	if (!L || ns_enter(ns_fd, &saved, NULL) < 0)
		return NULL;
	/* The whole exchange inside: the context's socket may be opened late. */
	nft = L->ctx_new(NFT_CTX_DEFAULT);
	if (nft) {
		L->ctx_buffer_output(nft);
		L->ctx_buffer_error(nft);
		if (L->run_cmd_from_buffer(nft, "list ruleset") == 0) {
			const char *o = L->ctx_get_output_buffer(nft);
			out = strdup(o ? o : "");
		}
		L->ctx_free(nft);
	}
	ns_leave(&saved);
	return out;
}

/* word appears in line as a whole token (a verdict, or after "policy"). */
static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(line, word); p; p = strstr(p + 1, word)) {
		bool start = p == line || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == ';' || p[n] == '}';
		if (start && end)
			return true;
	}
	return false;
}

/* Does some base chain on the output hook drop packets (by policy or by a
 * rule)? Reads nft's text output; table and chain names do not matter. */
static bool output_drops(const char *ruleset, char *where, size_t size)
{
	char table[128] = "", chain[128] = "";
	bool in_output = false;

	for (const char *p = ruleset; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
		p = eol ? eol + 1 : p + n;
		if (sscanf(line, "table %127[^{]", table) == 1 || sscanf(line, " chain %127s", chain) == 1) {
			in_output = false;
			continue;
		}
		if (strstr(line, "hook output"))
			in_output = true;
		if (in_output && (has_word(line, "drop") || has_word(line, "reject"))) {
			snprintf(where, size, "table %.60schain %.60s", table, chain);
			return true;
		}
	}
	return false;
}

static void check_kill_switch(struct vctx *x)
{
	char where[160];

	if (!x->c->kill_switch.v) {
		add_check(x, "kill-switch", VERIFY_SKIP,
			  "KillSwitch=no: with the tunnel down, only the routes keep traffic in");
		return;
	}
	_cleanup_free_ char *rules = ruleset_inside(x->ns_fd);
	if (!rules)
		add_check(x, "kill-switch", VERIFY_FAIL, "KillSwitch=yes, but the ruleset inside cannot be read");
	else if (!output_drops(rules, where, sizeof(where)))
		add_check(x, "kill-switch", VERIFY_FAIL,
			  "KillSwitch=yes, but no nftables output chain inside the namespace drops anything");
	else
		add_check(x, "kill-switch", VERIFY_PASS, "egress filter in %s", where);
}

/* ---- fail-closed: the tunnel down, for real (--disruptive) ---------------------------- */

struct saved_link {
	int ifindex;
	char name[IFNAME_MAX + 1];
	struct cfg_addr addrs[32];
	size_t n_addrs;
};

/* Take every live tunnel link down, remembering its addresses (the kernel
 * drops IPv6 addresses and every route through a link that goes down). */
static int tunnels_down(struct vctx *x, struct saved_link *s, size_t max, size_t *ret_n, struct error *e)
{
	size_t n = 0;

	for (size_t i = 0; i < x->live.n_links && n < max; i++) {
		const struct live_link *l = &x->live.links[i];
		struct link_req req = LINK_REQ_INIT;
		if (!is_tunnel(x, l->ifindex) || !(l->flags & IFF_UP))
			continue;
		s[n] = (struct saved_link){ .ifindex = l->ifindex };
		strscpy(s[n].name, sizeof(s[n].name), l->name);
		for (size_t k = 0; k < x->live.n_addrs && s[n].n_addrs < ELEMENTSOF(s[n].addrs); k++)
			if (x->live.addrs[k].ifindex == l->ifindex && x->live.addrs[k].scope != RT_SCOPE_LINK)
				s[n].addrs[s[n].n_addrs++] = x->live.addrs[k].a;
		req.up = 0;
		*ret_n = ++n; /* counted before the change: restore must try it */
		int r = link_set(&x->nl, l->ifindex, &req, e);
		if (r < 0)
			return err_set(e, r, "taking '%s' down", l->name);
	}
	return 0;
}

/* Put a dumped route back as it was (RTM_NEWROUTE with the attributes a
 * route is made of; the kernel's read-only ones such as RTA_CACHEINFO are
 * left out). */
static int route_replay(struct vctx *x, const struct vroute *vr, struct error *e)
{
	static const uint16_t keep[] = { RTA_DST,     RTA_SRC,   RTA_GATEWAY,   RTA_OIF,  RTA_PRIORITY,
					 RTA_PREFSRC, RTA_METRICS, RTA_MULTIPATH, RTA_TABLE, RTA_PREF,
					 RTA_VIA };
	const struct nlmsghdr *old = vr->raw;
	char buf[2048] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct rtmsg));
	const struct nlattr *a;

	memcpy(mnl_nlmsg_get_payload(nlh), mnl_nlmsg_get_payload(old), sizeof(struct rtmsg));
	mnl_attr_for_each(a, old, sizeof(struct rtmsg)) {
		for (size_t k = 0; k < ELEMENTSOF(keep); k++)
			if (mnl_attr_get_type(a) == keep[k] &&
			    !mnl_attr_put_check(nlh, sizeof(buf), a->nla_type, mnl_attr_get_payload_len(a),
						mnl_attr_get_payload(a)))
				return err_set(e, -EMSGSIZE, "putting back a route");
	}
	return nl_transact(&x->nl, nlh, e);
}

static bool route_uses(const struct vroute *vr, int ifindex)
{
	for (size_t k = 0; k < vr->n_oifs; k++)
		if (vr->oifs[k] == ifindex)
			return true;
	return false;
}

/* Up again, addresses back, then every route through the link that was
 * there before (read before the link went down), kernel routes excepted:
 * the kernel adds those back with the addresses. */
static int tunnels_restore(struct vctx *x, const struct saved_link *s, size_t n, struct error *e)
{
	int first = 0, r;

	for (size_t i = 0; i < n; i++) {
		struct link_req req = LINK_REQ_INIT;
		req.up = 1;
		r = link_set(&x->nl, s[i].ifindex, &req, e);
		if (r < 0) {
			err_set(e, r, "bringing '%s' back up", s[i].name);
			first = first ? first : r;
			continue;
		}
		for (size_t k = 0; k < s[i].n_addrs; k++)
			if ((r = addr_add(&x->nl, s[i].ifindex, &s[i].addrs[k], e)) < 0 && !first)
				first = r;
		for (size_t k = 0; k < x->n_routes; k++) {
			const struct vroute *vr = &x->routes[k];
			if (vr->r.protocol == RTPROT_KERNEL || vr->r.type != RTN_UNICAST || !route_uses(vr, s[i].ifindex))
				continue;
			if ((r = route_replay(x, vr, e)) < 0 && !first)
				first = r;
		}
	}
	return first;
}

/* One datagram to the peer's endpoint, sent from inside: an error from
 * sendto() (no route, or EPERM from a firewall drop) means it could not
 * leave; success means it left through some other link. */
static bool probe_leaks(struct vctx *x, const struct cfg_endpoint *ep, char *detail, size_t size)
{
	static const char payload[] = "netnsctl verify: fail-closed probe";
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa = { 0 };
	char a[64], name[32];
	struct live_route rt;
	int saved = -1, fd;

	cfg_addr_to_string(&ep->addr, false, a, sizeof(a));
	if (ns_enter(x->ns_fd, &saved, NULL) < 0)
		return note(detail, size, "%s: cannot enter the namespace", a), true;
	fd = socket(ep->addr.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ns_leave(&saved);
	if (fd < 0)
		return note(detail, size, "%s: socket: %s", a, strerror(errno)), true;
	if (ep->addr.family == AF_INET)
		sa.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(ep->port), .sin_addr = ep->addr.v4 };
	else
		sa.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(ep->port), .sin6_addr = ep->addr.v6 };
	ssize_t n = sendto(fd, payload, sizeof(payload) - 1, MSG_DONTWAIT, (struct sockaddr *)&sa,
			   ep->addr.family == AF_INET ? sizeof(sa.in) : sizeof(sa.in6));
	int err = errno;
	close(fd);
	if (n < 0) {
		note(detail, size, "%s port %u: %s", a, ep->port, strerror(err));
		return false;
	}
	bool routed = route_get(x, &ep->addr, &rt) == 0;
	note(detail, size, "%s port %u: a datagram left%s%s", a, ep->port, routed ? " via " : "",
	     routed ? ifname_of(x, rt.oif, name) : "");
	return true;
}

static bool probe_all(struct vctx *x, char *detail, size_t size, size_t *ret_probed)
{
	bool leaked = false;

	*ret_probed = 0;
	for (size_t i = 0; i < x->c->n_links; i++) {
		const struct cfg_link *l = &x->c->links[i];
		for (size_t j = 0; l->tunnel.v && j < l->n_peers; j++) {
			if (!l->peers[j].endpoint.addr.family)
				continue;
			leaked |= probe_leaks(x, &l->peers[j].endpoint, detail, size);
			(*ret_probed)++;
		}
	}
	return leaked;
}

static void check_fail_closed(struct vctx *x, bool disruptive)
{
	struct saved_link s[8];
	char detail[512] = "";
	struct error e = { 0 };
	size_t n = 0, probed = 0;
	bool leaked;

	if (!disruptive) {
		add_check(x, "fail-closed", VERIFY_SKIP, "not tested: run with --disruptive (takes the tunnel down briefly)");
		return;
	}
	int r = tunnels_down(x, s, ELEMENTSOF(s), &n, &e);
	leaked = r < 0 || probe_all(x, detail, sizeof(detail), &probed);
	if (r < 0)
		note(detail, sizeof(detail), "%s", e.msg);
	err_reset(&e);
	if (tunnels_restore(x, s, n, &e) < 0) {
		char buf[1400] = { 0 };
		snprintf(x->rep->restore_error, sizeof(x->rep->restore_error),
			 "putting the tunnel back failed (run `netnsctl up %s`): %s", x->c->name,
			 err_format(&e, buf, sizeof(buf)));
	}
	if (probed == 0 && r == 0)
		add_check(x, "fail-closed", VERIFY_SKIP, "no peer has an Endpoint= to probe (nothing else may be sent to)");
	else
		add_check(x, "fail-closed", leaked ? VERIFY_FAIL : VERIFY_PASS, "%s%s: %s", n ? "tunnel down" : "tunnel absent",
			  leaked ? ", traffic leaks" : ", nothing left", detail);
}

/* ---- running and reporting ------------------------------------------------------------- */

static int verify_steps(struct vctx *x, bool disruptive, struct error *e)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int r;

	r = ns_open(x->c->name, &x->ns_fd, e);
	if (r == -ENOENT)
		return err_set(e, r, "namespace '%s' is not up", x->c->name);
	if (r < 0)
		return r;
	if ((r = nl_open_in(&x->nl, NETLINK_ROUTE, x->ns_fd, e)) < 0 ||
	    (r = live_read(&x->nl, LIVE_LINKS | LIVE_ADDRS, &x->live, e)) < 0 || (r = read_routes(x, e)) < 0)
		return r;
	check_tunnel(x);
	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		struct tables t;
		r = read_rules(x, families[f], &t, e);
		if (r < 0)
			return r;
		check_default(x, families[f], &t);
		check_bypass(x, families[f], &t);
	}
	check_dns(x);
	check_kill_switch(x);
	check_fail_closed(x, disruptive);
	return 0;
}

int verify_run(const struct cfg *c, bool disruptive, struct verify_report *ret, struct error *e)
{
	struct vctx x = { .c = c, .ns_fd = -1, .rep = ret };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = verify_steps(&x, disruptive, e);
	routes_free(&x);
	live_free(&x.live);
	if (x.nl.mnl)
		nl_close(&x.nl);
	if (x.ns_fd >= 0)
		close(x.ns_fd);
	if (r < 0) {
		verify_report_free(ret);
		return err_set(e, r, "verifying '%s'", c->name);
	}
	return 0;
}

void verify_report_free(struct verify_report *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void verify_json(FILE *f, const char *name, bool disruptive, const struct verify_report *r, bool pretty)
{
	struct json j;

	json_init(&j, f, pretty);
	json_object_begin(&j);
	json_kv_string(&j, "name", name);
	json_kv_bool(&j, "disruptive", disruptive);
	json_kv_bool(&j, "passed", r->failed == 0 && !r->restore_error[0]);
	json_kv_int(&j, "failed", r->failed);
	json_key(&j, "checks");
	json_array_begin(&j);
	for (size_t i = 0; i < r->n; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "check", r->v[i].id);
		json_kv_string(&j, "result", verify_result_to_string(r->v[i].result));
		json_kv_string(&j, "detail", r->v[i].detail);
		json_object_end(&j);
	}
	json_array_end(&j);
	if (r->restore_error[0])
		json_kv_string(&j, "restore_error", r->restore_error);
	json_object_end(&j);
	json_finish(&j);
}
