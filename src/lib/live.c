/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "live.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/* Collect attributes after validating them; unknown ones are ignored. */
static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = ((const struct nlattr ***)data)[0];
	int max = (int)(intptr_t)((void **)data)[1];
	int type = mnl_attr_get_type(a);

	if (type > max) /* all mnl_attr_type_valid() would check, without the call */
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, int max)
{
	void *data[2] = { tb, (void *)(intptr_t)max };

	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return MNL_CB_ERROR;
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	return mnl_attr_parse(nlh, (unsigned)hdrlen, attr_cb, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb, int max)
{
	void *data[2] = { tb, (void *)(intptr_t)max };

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	return mnl_attr_parse_nested(nest, attr_cb, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static void copy_str(const struct nlattr *a, char *out, size_t size)
{
	size_t n = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);

	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	out[strnlen(out, n)] = '\0';
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

int live_parse_link(const struct nlmsghdr *nlh, struct live_link *ret)
{
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct live_link l = { .peer_netnsid = -1 };
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWLINK || parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return MNL_CB_ERROR;
	l.ifindex = ifi->ifi_index;
	l.flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		copy_str(tb[IFLA_IFNAME], l.name, sizeof(l.name));
	if (get_u32(tb[IFLA_MTU], &v))
		l.mtu = v;
	if (tb[IFLA_OPERSTATE] && mnl_attr_get_payload_len(tb[IFLA_OPERSTATE]) >= 1)
		l.operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(l.mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		l.has_mac = true;
	}
	if (tb[IFLA_IFALIAS])
		copy_str(tb[IFLA_IFALIAS], l.alias, sizeof(l.alias));
	if (get_u32(tb[IFLA_MASTER], &v))
		l.master = (int)v;
	if (get_u32(tb[IFLA_LINK], &v))
		l.peer_ifindex = (int)v;
	if (get_u32(tb[IFLA_LINK_NETNSID], &v))
		l.peer_netnsid = (int32_t)v;
	if (tb[IFLA_LINKINFO] && parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) == MNL_CB_OK &&
	    li[IFLA_INFO_KIND])
		copy_str(li[IFLA_INFO_KIND], l.kind, sizeof(l.kind));
	*ret = l;
	return MNL_CB_OK;
}

static bool get_addr(const struct nlattr *a, int family, struct cfg_addr *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (!a || mnl_attr_get_payload_len(a) != n)
		return false;
	out->family = family;
	memcpy(out->raw, mnl_attr_get_payload(a), n);
	return true;
}

int live_parse_addr(const struct nlmsghdr *nlh, struct live_addr *ret)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct live_addr a = { 0 };
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWADDR || parse_attrs(nlh, sizeof(*ifa), tb, IFA_MAX) < 0)
		return MNL_CB_ERROR;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_ERROR;
	if (ifa->ifa_prefixlen > (ifa->ifa_family == AF_INET ? 32 : 128))
		return MNL_CB_ERROR;
	if (!get_addr(tb[IFA_LOCAL], ifa->ifa_family, &a.a) &&
	    !get_addr(tb[IFA_ADDRESS], ifa->ifa_family, &a.a))
		return MNL_CB_ERROR;
	a.a.prefixlen = ifa->ifa_prefixlen;
	a.ifindex = (int)ifa->ifa_index;
	a.scope = ifa->ifa_scope;
	a.flags = ifa->ifa_flags;
	if (get_u32(tb[IFA_FLAGS], &v))
		a.flags = v;
	*ret = a;
	return MNL_CB_OK;
}

int live_parse_route(const struct nlmsghdr *nlh, struct live_route *ret)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct live_route r = { 0 };
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWROUTE || parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return MNL_CB_ERROR;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return MNL_CB_ERROR;
	if (rtm->rtm_dst_len > (rtm->rtm_family == AF_INET ? 32 : 128))
		return MNL_CB_ERROR;
	r.dst.family = rtm->rtm_family;
	get_addr(tb[RTA_DST], rtm->rtm_family, &r.dst);
	r.dst.prefixlen = rtm->rtm_dst_len;
	get_addr(tb[RTA_GATEWAY], rtm->rtm_family, &r.gw);
	if (get_u32(tb[RTA_OIF], &v))
		r.oif = (int)v;
	if (get_u32(tb[RTA_PRIORITY], &v))
		r.metric = v;
	r.table = rtm->rtm_table;
	if (get_u32(tb[RTA_TABLE], &v))
		r.table = v;
	r.protocol = rtm->rtm_protocol;
	r.scope = rtm->rtm_scope;
	r.type = rtm->rtm_type;
	*ret = r;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *l = data;
	struct live_link tmp, *slot;

	if (live_parse_link(nlh, &tmp) != MNL_CB_OK)
		return MNL_CB_OK;
	slot = array_append(&l->links, &l->n_links, sizeof(*slot));
	if (!slot)
		return MNL_CB_ERROR;
	*slot = tmp;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *l = data;
	struct live_addr tmp, *slot;

	if (live_parse_addr(nlh, &tmp) != MNL_CB_OK)
		return MNL_CB_OK;
	slot = array_append(&l->addrs, &l->n_addrs, sizeof(*slot));
	if (!slot)
		return MNL_CB_ERROR;
	*slot = tmp;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *l = data;
	struct live_route tmp, *slot;

	if (live_parse_route(nlh, &tmp) != MNL_CB_OK)
		return MNL_CB_OK;
	if (tmp.table != RT_TABLE_MAIN || tmp.type != RTN_UNICAST)
		return MNL_CB_OK;
	slot = array_append(&l->routes, &l->n_routes, sizeof(*slot));
	if (!slot)
		return MNL_CB_ERROR;
	*slot = tmp;
	return MNL_CB_OK;
}

static void reset_links(void *data)
{
	struct live *l = data;
	free(l->links);
	l->links = NULL;
	l->n_links = 0;
}

static void reset_addrs(void *data)
{
	struct live *l = data;
	free(l->addrs);
	l->addrs = NULL;
	l->n_addrs = 0;
}

static void reset_routes(void *data)
{
	struct live *l = data;
	free(l->routes);
	l->routes = NULL;
	l->n_routes = 0;
}

int live_read(struct nl_sock *nl, unsigned what, struct live *l, struct error *e)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int r;

	memset(l, 0, sizeof(*l));
	if (what & LIVE_LINKS) {
		nlh = nl_msg_start(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		r = nl_dump(nl, nlh, link_cb, reset_links, l, e);
		if (r < 0)
			goto fail;
	}
	if (what & LIVE_ADDRS) {
		nlh = nl_msg_start(buf, RTM_GETADDR, 0, sizeof(struct ifaddrmsg));
		r = nl_dump(nl, nlh, addr_cb, reset_addrs, l, e);
		if (r < 0)
			goto fail;
	}
	if (what & LIVE_ROUTES) {
		nlh = nl_msg_start(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
		/* Ask only for what route_cb keeps. On a socket with
		 * NETLINK_GET_STRICT_CHK the kernel filters (the local
		 * tables were most of a namespace's routes, and filling them
		 * most of the dump's cost); others ignore the fields. */
		rtm = mnl_nlmsg_get_payload(nlh);
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_type = RTN_UNICAST;
		r = nl_dump(nl, nlh, route_cb, reset_routes, l, e);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	live_free(l);
	return err_set(e, r, "reading live state");
}

void live_free(struct live *l)
{
	free(l->links);
	free(l->addrs);
	free(l->routes);
	memset(l, 0, sizeof(*l));
}

const struct live_link *live_link_by_name(const struct live *l, const char *name)
{
	for (size_t i = 0; i < l->n_links; i++)
		if (STREQ(l->links[i].name, name))
			return &l->links[i];
	return NULL;
}

const struct live_link *live_link_by_index(const struct live *l, int ifindex)
{
	for (size_t i = 0; i < l->n_links; i++)
		if (l->links[i].ifindex == ifindex)
			return &l->links[i];
	return NULL;
}

struct get_ctx {
	struct live_link *out;
	bool found;
};

static int get_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *ctx = data;

	if (live_parse_link(nlh, ctx->out) == MNL_CB_OK)
		ctx->found = true;
	return MNL_CB_OK;
}

int live_get_link(struct nl_sock *nl, const char *name, struct live_link *ret, struct error *e)
{
	char buf[512] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	struct live_link tmp;
	struct get_ctx ctx = { .out = &tmp };
	int r;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_request(nl, nlh, get_link_cb, &ctx, NULL);
	if (r == -ENODEV || (r == 0 && !ctx.found))
		return -ENODEV;
	if (r < 0)
		return err_set(e, r, "looking up link '%s'", name);
	*ret = tmp;
	return 0;
}

struct uses_ctx {
	int ifindex;
	bool found;
};

static bool multipath_uses(const struct nlattr *mp, int ifindex)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= left) {
		if (nh->rtnh_ifindex == ifindex)
			return true;
		size_t step = RTNH_ALIGN(nh->rtnh_len);
		if (step >= left)
			break;
		left -= step;
		nh = RTNH_NEXT(nh);
	}
	return false;
}

static int uses_cb(const struct nlmsghdr *nlh, void *data)
{
	struct uses_ctx *ctx = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	uint32_t oif;

	if (nlh->nlmsg_type != RTM_NEWROUTE || parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return MNL_CB_OK;
	if (rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	if (get_u32(tb[RTA_OIF], &oif) && (int)oif == ctx->ifindex)
		ctx->found = true;
	if (tb[RTA_MULTIPATH] && multipath_uses(tb[RTA_MULTIPATH], ctx->ifindex))
		ctx->found = true;
	return MNL_CB_OK;
}

int live_default_route_uses(struct nl_sock *nl, int ifindex, bool *ret, struct error *e)
{
	char buf[256] = { 0 };
	struct uses_ctx ctx = { .ifindex = ifindex };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	int r = nl_dump(nl, nlh, uses_cb, NULL, &ctx, e);

	if (r < 0)
		return err_set(e, r, "reading the host's routes");
	*ret = ctx.found;
	return 0;
}
